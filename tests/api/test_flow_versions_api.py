"""Flow versions through the API: each definition change is kept, with who made it."""

from __future__ import annotations

from typing import Any

import httpx

from seatline.store.enums import Role

World = Any  # the conftest's World


def greeting(text: str) -> dict[str, Any]:
    """A smallest valid flow: say `text`, hang up."""
    return {
        "name": "ivr",
        "version": 1,
        "start": "hello",
        "nodes": {
            "hello": {"type": "say", "text": text, "next": "bye"},
            "bye": {"type": "hangup", "reason": "done"},
        },
    }


async def test_definition_changes_are_kept_as_versions(
    client: httpx.AsyncClient, tenant_a: World
) -> None:
    admin = tenant_a.headers(Role.TENANT_ADMIN)
    created = await client.post(
        "/api/flows", json={"name": "ivr", "definition": greeting("a")}, headers=admin
    )
    assert created.status_code == 201, created.text
    flow = created.json()
    assert flow["version"] == 1
    url = f"/api/flows/{flow['id']}"
    changed = await client.patch(url, json={"definition": greeting("b")}, headers=admin)
    assert changed.json()["version"] == 2
    renamed = await client.patch(url, json={"name": "ivr-2"}, headers=admin)
    assert renamed.json()["version"] == 2
    same = await client.patch(url, json={"definition": greeting("b")}, headers=admin)
    assert same.json()["version"] == 2
    versions = await client.get(f"{url}/versions", headers=tenant_a.headers(Role.SUPERVISOR))
    assert versions.status_code == 200, versions.text
    assert [(v["version"], v["definition"]) for v in versions.json()] == [
        (2, greeting("b")),
        (1, greeting("a")),
    ]
    username = tenant_a.usernames[Role.TENANT_ADMIN]
    assert {v["created_by"] for v in versions.json()} == {username}
    assert all(v["created_at"].endswith("Z") for v in versions.json())
    denied = await client.get(f"{url}/versions", headers=tenant_a.headers(Role.AGENT))
    assert denied.status_code == 403


async def test_a_definition_must_be_a_json_object(
    client: httpx.AsyncClient, tenant_a: World
) -> None:
    admin = tenant_a.headers(Role.TENANT_ADMIN)
    for definition in ([1, 2], "text", 3):
        answer = await client.post(
            "/api/flows", json={"name": "x", "definition": definition}, headers=admin
        )
        assert answer.status_code == 422, answer.text
    url = f"/api/flows/{tenant_a.rows['flows']}"
    answer = await client.patch(url, json={"definition": None}, headers=admin)
    assert answer.status_code == 422, answer.text


async def test_a_broken_flow_is_refused_naming_the_node(
    client: httpx.AsyncClient, tenant_a: World
) -> None:
    admin = tenant_a.headers(Role.TENANT_ADMIN)
    broken = greeting("hi")
    broken["nodes"]["hello"]["next"] = "nowhere"
    answer = await client.post(
        "/api/flows", json={"name": "bad", "definition": broken}, headers=admin
    )
    assert answer.status_code == 422, answer.text
    assert "node 'hello'" in answer.json()["message"] and "nowhere" in answer.json()["message"]
    url = f"/api/flows/{tenant_a.rows['flows']}"
    patched = await client.patch(url, json={"definition": broken}, headers=admin)
    assert patched.status_code == 422, patched.text
