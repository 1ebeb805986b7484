"""Ready / not ready over HTTP: who may change whom, clear refusals, and the live event."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from seatline.store.enums import Role

World = Any  # the conftest's World (conftest modules are not importable)
Listen = Callable[[str], Awaitable[Any]]  # the conftest's listen fixture


async def test_agent_logs_in_says_ready_pauses_and_logs_out(
    client: httpx.AsyncClient, tenant_a: World, listen: Listen
) -> None:
    headers = tenant_a.headers(Role.AGENT)
    base = f"/api/agents/{tenant_a.rows['agents']}"
    listener = await listen(str(tenant_a.tenant.id))
    try:
        login = await client.post(f"{base}/login", headers=headers)
        assert login.status_code == 200, login.text
        body = login.json()
        assert (body["logged_in"], body["ready"], body["not_ready_reason"]) == (
            True,
            False,
            "login",
        )
        assert body["state_changed_at"] is not None
        event = await listener.next()
        assert (event.topic, event.kind) == ("agent", "AgentStateRequested")
        assert event.data["agent_id"] == str(tenant_a.rows["agents"])
        assert event.data["not_ready_reason"] == "login"

        ready = await client.post(f"{base}/ready", headers=headers)
        assert ready.status_code == 200, ready.text
        assert (ready.json()["ready"], ready.json()["not_ready_reason"]) == (True, None)
        assert (await listener.next()).data["ready"] is True

        paused = await client.post(f"{base}/not-ready", json={"reason": "break"}, headers=headers)
        assert paused.status_code == 200, paused.text
        assert (paused.json()["ready"], paused.json()["not_ready_reason"]) == (False, "break")
        assert (await listener.next()).data["not_ready_reason"] == "break"

        listed = (await client.get("/api/agents", headers=headers)).json()
        assert listed[0]["not_ready_reason"] == "break"

        out = await client.post(f"{base}/logout", headers=headers)
        body = out.json()
        assert (body["logged_in"], body["ready"], body["not_ready_reason"]) == (False, False, None)
        assert (await listener.next()).data["logged_in"] is False
    finally:
        await listener.close()


async def test_unknown_reason_is_422_naming_it(client: httpx.AsyncClient, tenant_a: World) -> None:
    headers = tenant_a.headers(Role.AGENT)
    base = f"/api/agents/{tenant_a.rows['agents']}"
    await client.post(f"{base}/login", headers=headers)
    for reason in ("lunch", "no-answer"):  # not a code of this tenant; a system reason
        answer = await client.post(f"{base}/not-ready", json={"reason": reason}, headers=headers)
        assert answer.status_code == 422, answer.text
        assert answer.json()["error_id"] == "invalid-reference"
        assert f"'{reason}'" in answer.json()["message"]
        assert answer.json()["details"] == {"field": "reason", "code": reason}
    for body in ({}, {"reason": ""}, {"reason": "x" * 65}, {"reason": "break", "extra": 1}):
        answer = await client.post(f"{base}/not-ready", json=body, headers=headers)
        assert answer.status_code == 422, (body, answer.text)
        assert answer.json()["error_id"] == "invalid-input"
    garbage = await client.post(f"{base}/not-ready", content=b"{", headers=headers)
    assert garbage.status_code == 422


async def test_not_logged_in_is_409_with_a_clear_message(
    client: httpx.AsyncClient, tenant_a: World
) -> None:
    headers = tenant_a.headers(Role.AGENT)
    base = f"/api/agents/{tenant_a.rows['agents']}"
    for answer in (
        await client.post(f"{base}/ready", headers=headers),
        await client.post(f"{base}/not-ready", json={"reason": "break"}, headers=headers),
    ):
        assert answer.status_code == 409, answer.text
        assert answer.json()["error_id"] == "not-logged-in"
        assert "1001 is not logged in; log in first" in answer.json()["message"]


async def test_agents_change_only_themselves_supervisors_anyone(
    client: httpx.AsyncClient, tenant_a: World
) -> None:
    admin = tenant_a.headers(Role.TENANT_ADMIN)
    body = {"extension": "1002", "display_name": "Two", "sip_password": "pw-12345"}
    other = (await client.post("/api/agents", json=body, headers=admin)).json()["id"]
    assert (await client.post(f"/api/agents/{other}/login", headers=admin)).status_code == 200
    agent = tenant_a.headers(Role.AGENT)
    for path in ("ready", "not-ready", "login", "logout"):
        answer = await client.post(
            f"/api/agents/{other}/{path}", json={"reason": "break"}, headers=agent
        )
        assert answer.status_code == 404, (path, answer.text)  # as if it did not exist
    for role in (Role.SUPERVISOR, Role.TENANT_ADMIN, Role.PLATFORM_ADMIN):
        headers = tenant_a.headers(role)
        ready = await client.post(f"/api/agents/{other}/ready", headers=headers)
        assert ready.status_code == 200 and ready.json()["ready"] is True, (role, ready.text)
        paused = await client.post(
            f"/api/agents/{other}/not-ready", json={"reason": "break"}, headers=headers
        )
        assert paused.status_code == 200 and paused.json()["ready"] is False, (role, paused.text)


async def test_another_tenants_agent_is_not_found(
    client: httpx.AsyncClient, tenant_a: World, tenant_b: World, listen: Listen
) -> None:
    b_agent = tenant_b.rows["agents"]
    await client.post(f"/api/agents/{b_agent}/login", headers=tenant_b.headers(Role.AGENT))
    listener = await listen(str(tenant_b.tenant.id))
    try:
        for role in (Role.SUPERVISOR, Role.TENANT_ADMIN):
            headers = tenant_a.headers(role)
            answer = await client.post(f"/api/agents/{b_agent}/ready", headers=headers)
            assert answer.status_code == 404
        own = await client.post(
            f"/api/agents/{b_agent}/ready", headers=tenant_b.headers(Role.AGENT)
        )
        assert own.status_code == 200
        # The first event B's tenant sees is B's own change: A's attempts published nothing.
        assert (await listener.next()).data["ready"] is True
    finally:
        await listener.close()
