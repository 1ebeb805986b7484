"""CRUD and input validation through the HTTP API: shapes, error bodies, atomicity."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from seatline.store.enums import Role

World = Any  # the conftest's World


def assert_error(answer: httpx.Response, status: int, error_id: str) -> dict[str, Any]:
    """Check the shared error body and return it."""
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert set(body) == {"status", "error_id", "message", "details"}
    assert body["status"] == status and body["error_id"] == error_id
    assert body["message"]
    return dict(body)


async def test_queue_crud_round_trip(client: httpx.AsyncClient, tenant_a: World) -> None:
    headers = tenant_a.headers(Role.TENANT_ADMIN)
    body = {
        "name": "vip",
        "strategy": "best_skill",
        "skill_expression": "sales >= 3 and english",
        "service_level_seconds": 15,
        "overflow": [{"after_seconds": 60, "action": "queue", "target": "q"}],
    }
    created = await client.post("/api/queues", json=body, headers=headers)
    assert created.status_code == 201, created.text
    queue = created.json()
    assert queue["strategy"] == "best_skill" and queue["offer_timeout_seconds"] == 20
    assert queue["overflow"] == [{"after_seconds": 60, "action": "queue", "target": "q"}]
    url = f"/api/queues/{queue['id']}"
    patched = await client.patch(url, json={"max_length": 10}, headers=headers)
    assert patched.json()["max_length"] == 10 and patched.json()["name"] == "vip"
    assert (await client.get(url, headers=headers)).json() == patched.json()
    listed = await client.get("/api/queues", headers=headers)
    assert queue["id"] in {row["id"] for row in listed.json()}
    assert (await client.delete(url, headers=headers)).status_code == 204
    assert_error(await client.get(url, headers=headers), 404, "not-found")


async def test_agent_create_hides_secrets_and_lists_skills(
    client: httpx.AsyncClient, tenant_a: World
) -> None:
    headers = tenant_a.headers(Role.TENANT_ADMIN)
    skill = tenant_a.rows["skills"]
    body = {
        "extension": "2001",
        "display_name": "New Agent",
        "sip_password": "a-long-secret",
        "skills": [{"skill_id": str(skill), "level": 7}],
        "max_chat": 2,
    }
    answer = await client.post("/api/agents", json=body, headers=headers)
    assert answer.status_code == 201, answer.text
    agent = answer.json()
    assert agent["skills"] == [{"skill_id": str(skill), "level": 7}]
    assert agent["max_chat"] == 2 and agent["logged_in"] is False
    assert "a-long-secret" not in answer.text and "ha1" not in answer.text


@pytest.mark.parametrize(
    ("path", "body", "location"),
    [
        ("/api/queues", {"name": "x", "colour": "red"}, "colour"),
        ("/api/queues", {"name": "x", "strategy": "fastest"}, "strategy"),
        ("/api/queues", {"name": "x", "skill_expression": "sales >="}, "skill_expression"),
        ("/api/queues", {"name": "x", "wrapup_seconds": -1}, "wrapup_seconds"),
        (
            "/api/queues",
            {"name": "x", "overflow": [{"after_seconds": 5, "action": "explode"}]},
            "overflow",
        ),
        (
            "/api/agents",
            {"extension": "12a", "display_name": "x", "sip_password": "12345678"},
            "extension",
        ),
        (
            "/api/agents",
            {
                "extension": "12",
                "display_name": "x",
                "sip_password": "12345678",
                "skills": [{"skill_id": str(uuid.uuid4()), "level": 11}],
            },
            "skills",
        ),
        (
            "/api/business-hours",
            {"name": "x", "ranges": [{"weekday": 0, "start": "18:00", "end": "09:00"}]},
            "ranges",
        ),
        ("/api/holidays", {"date": "2026-02-30"}, "date"),
        ("/api/reason-codes", {"code": "Has Spaces"}, "code"),
        ("/api/trunks", {"name": "t", "direction": "inbound"}, "body"),
        ("/api/skills", [1, 2], "body"),
    ],
)
async def test_bad_input_gets_a_422_naming_the_field(
    client: httpx.AsyncClient, tenant_a: World, path: str, body: Any, location: str
) -> None:
    answer = await client.post(path, json=body, headers=tenant_a.headers(Role.TENANT_ADMIN))
    error = assert_error(answer, 422, "invalid-input")
    locations = [".".join(problem["location"]) for problem in error["details"]["errors"]]
    assert any(location in where for where in locations), locations


async def test_malformed_json_is_a_422(client: httpx.AsyncClient, tenant_a: World) -> None:
    headers = tenant_a.headers(Role.TENANT_ADMIN) | {"content-type": "application/json"}
    answer = await client.post("/api/skills", content=b"{not json", headers=headers)
    assert_error(answer, 422, "invalid-input")


async def test_duplicate_extension_is_409_and_writes_nothing(
    client: httpx.AsyncClient, tenant_a: World
) -> None:
    headers = tenant_a.headers(Role.TENANT_ADMIN)
    body = {"extension": "1001", "display_name": "Twin", "sip_password": "twin-secret"}
    error = assert_error(
        await client.post("/api/agents", json=body, headers=headers), 409, "duplicate"
    )
    assert error["details"]["fields"] == ["extension"] or "extension" in error["message"]
    agents = (await client.get("/api/agents", headers=headers)).json()
    assert [agent["display_name"] for agent in agents] == ["Agent One"]


async def test_dangling_reference_is_422_and_writes_nothing(
    client: httpx.AsyncClient, tenant_a: World
) -> None:
    headers = tenant_a.headers(Role.TENANT_ADMIN)
    body = {
        "extension": "3001",
        "display_name": "Ghost",
        "sip_password": "ghost-secret",
        "skills": [{"skill_id": str(uuid.uuid4()), "level": 3}],
    }
    assert_error(
        await client.post("/api/agents", json=body, headers=headers), 422, "invalid-reference"
    )
    agents = (await client.get("/api/agents", headers=headers)).json()
    assert "3001" not in {agent["extension"] for agent in agents}


async def test_null_for_a_required_field_is_refused(
    client: httpx.AsyncClient, tenant_a: World
) -> None:
    url = f"/api/queues/{tenant_a.rows['queues']}"
    answer = await client.patch(
        url, json={"name": None}, headers=tenant_a.headers(Role.TENANT_ADMIN)
    )
    assert_error(answer, 422, "invalid-input")


async def test_referenced_flow_cannot_be_deleted(
    client: httpx.AsyncClient, tenant_a: World
) -> None:
    url = f"/api/flows/{tenant_a.rows['flows']}"
    answer = await client.delete(url, headers=tenant_a.headers(Role.TENANT_ADMIN))
    assert_error(answer, 409, "still-referenced")
    assert (await client.get(url, headers=tenant_a.headers(Role.TENANT_ADMIN))).status_code == 200


async def test_numbers_are_assigned_by_the_platform_admin_only(
    client: httpx.AsyncClient, tenant_a: World
) -> None:
    body = {"number": "95 123", "flow_id": str(tenant_a.rows["flows"])}
    refused = await client.post(
        "/api/numbers", json=body, headers=tenant_a.headers(Role.TENANT_ADMIN)
    )
    assert_error(refused, 403, "forbidden")
    created = await client.post(
        "/api/numbers", json=body, headers=tenant_a.headers(Role.PLATFORM_ADMIN)
    )
    assert created.status_code == 201, created.text
    assert created.json()["number"] == "95123"
    url = f"/api/numbers/{created.json()['id']}"
    renumber = await client.patch(
        url, json={"number": "95999"}, headers=tenant_a.headers(Role.TENANT_ADMIN)
    )
    assert_error(renumber, 422, "invalid-input")
    # The tenant's admin points its own number at its flows.
    repoint = await client.patch(
        url,
        json={"flow_id": str(tenant_a.rows["flows"])},
        headers=tenant_a.headers(Role.TENANT_ADMIN),
    )
    assert repoint.status_code == 200, repoint.text
    spec = (await client.get("/openapi.json")).json()
    assert "(platform admin)" in spec["paths"]["/api/numbers"]["post"]["summary"]
    bad = await client.post(
        "/api/numbers",
        json=body | {"number": "12ab"},
        headers=tenant_a.headers(Role.PLATFORM_ADMIN),
    )
    assert_error(bad, 422, "invalid-input")


async def test_unknown_route_uses_the_error_body(client: httpx.AsyncClient) -> None:
    assert_error(await client.get("/api/nothing-here"), 404, "not-found")


async def test_a_failed_patch_changes_nothing(client: httpx.AsyncClient, tenant_a: World) -> None:
    headers = tenant_a.headers(Role.TENANT_ADMIN)
    url = f"/api/agents/{tenant_a.rows['agents']}"
    before = (await client.get(url, headers=headers)).json()
    body = {"display_name": "Renamed", "skills": [{"skill_id": str(uuid.uuid4()), "level": 4}]}
    assert_error(await client.patch(url, json=body, headers=headers), 422, "invalid-reference")
    assert (await client.get(url, headers=headers)).json() == before


async def test_patch_cannot_leave_a_trunk_unusable(
    client: httpx.AsyncClient, tenant_a: World
) -> None:
    headers = tenant_a.headers(Role.TENANT_ADMIN)
    body = {"name": "patch-me", "direction": "outbound", "outbound_host": "carrier.example"}
    created = await client.post("/api/trunks", json=body, headers=headers)
    assert created.status_code == 201, created.text
    trunk_id = created.json()["id"]
    answer = await client.patch(
        f"/api/trunks/{trunk_id}", json={"outbound_host": None}, headers=headers
    )
    error = assert_error(answer, 422, "invalid-input")
    assert "outbound_host" in error["message"]
    kept = await client.get(f"/api/trunks/{trunk_id}", headers=headers)
    assert kept.json()["outbound_host"] == "carrier.example"
    fine = await client.patch(
        f"/api/trunks/{trunk_id}", json={"outbound_port": 5080}, headers=headers
    )
    assert fine.status_code == 200, fine.text
