"""Login, cookies and bearer tokens, and what each role may do."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx

from seatline.api.tokens import TokenClaims, issue_token, read_token
from seatline.store.enums import Role

PASSWORD = "correct-horse"  # the conftest users' password
World = Any  # the conftest's World


async def test_login_gives_a_token_and_a_cookie(client: httpx.AsyncClient, tenant_a: World) -> None:
    username = tenant_a.usernames[Role.SUPERVISOR]
    answer = await client.post("/api/auth/login", json={"username": username, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    assert answer.json()["user"]["role"] == "supervisor"
    assert "password" not in answer.json()["user"]
    cookie = answer.cookies.get("seatline_session")
    assert cookie and "httponly" in answer.headers["set-cookie"].lower()
    me = await client.get("/api/auth/me")  # the client keeps the cookie
    assert me.status_code == 200 and me.json()["username"] == username
    client.cookies.clear()
    bearer = {"Authorization": f"Bearer {answer.json()['token']}"}
    assert (await client.get("/api/auth/me", headers=bearer)).json()["username"] == username
    assert (await client.get("/api/auth/me")).status_code == 401


async def test_wrong_password_and_unknown_user_answer_the_same(
    client: httpx.AsyncClient, tenant_a: World
) -> None:
    wrong = await client.post(
        "/api/auth/login",
        json={"username": tenant_a.usernames[Role.AGENT], "password": "not-the-password"},
    )
    unknown = await client.post(
        "/api/auth/login", json={"username": "nobody@nowhere", "password": "whatever"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["error_id"] == "bad-credentials"


async def test_missing_forged_or_expired_tokens_are_refused(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/queues")).json()["error_id"] == "not-authenticated"
    forged = issue_token("another-secret-" + "y" * 32, uuid.uuid4(), uuid.uuid4(), 2**40)
    answer = await client.get("/api/queues", headers={"Authorization": f"Bearer {forged}"})
    assert answer.status_code == 401


def test_tokens_expire_and_resist_tampering() -> None:
    user, session = uuid.uuid4(), uuid.uuid4()
    token = issue_token("k" * 40, user, session, expires_at=1000)
    assert read_token("k" * 40, token, now=999) == TokenClaims(user, session)
    assert read_token("k" * 40, token, now=1000) is None
    assert read_token("j" * 40, token, now=999) is None
    payload, _, signature = token.partition(".")
    assert read_token("k" * 40, payload + "x." + signature, now=999) is None
    assert read_token("k" * 40, "garbage", now=time.time()) is None
    assert read_token("k" * 40, payload + ".sïgnature", now=999) is None  # not a crash


async def test_a_non_ascii_bearer_is_a_401_not_a_500(client: httpx.AsyncClient) -> None:
    headers = [(b"authorization", "Bearer é.é".encode("latin-1"))]
    answer = await client.get("/api/queues", headers=headers)
    assert answer.status_code == 401, answer.text


async def test_supervisor_reads_but_does_not_write(
    client: httpx.AsyncClient, tenant_a: World
) -> None:
    headers = tenant_a.headers(Role.SUPERVISOR)
    assert (await client.get("/api/queues", headers=headers)).status_code == 200
    answer = await client.post("/api/skills", json={"name": "new"}, headers=headers)
    assert answer.status_code == 403 and answer.json()["error_id"] == "forbidden"
    url = f"/api/queues/{tenant_a.rows['queues']}"
    assert (await client.patch(url, json={"max_length": 3}, headers=headers)).status_code == 403


async def test_agent_sees_only_itself_and_changes_only_its_own_state(
    client: httpx.AsyncClient, tenant_a: World
) -> None:
    admin = tenant_a.headers(Role.TENANT_ADMIN)
    other = await client.post(
        "/api/agents",
        json={"extension": "1002", "display_name": "Other", "sip_password": "other-secret"},
        headers=admin,
    )
    headers = tenant_a.headers(Role.AGENT)
    own = str(tenant_a.rows["agents"])
    listed = (await client.get("/api/agents", headers=headers)).json()
    assert [agent["id"] for agent in listed] == [own]
    assert (
        await client.get(f"/api/agents/{other.json()['id']}", headers=headers)
    ).status_code == 404
    assert (await client.get("/api/queues", headers=headers)).status_code == 403
    assert (await client.get("/api/reason-codes", headers=headers)).status_code == 200
    login = await client.post(f"/api/agents/{own}/login", headers=headers)
    assert login.status_code == 200 and login.json()["logged_in"] is True
    foreign = await client.post(f"/api/agents/{other.json()['id']}/login", headers=headers)
    assert foreign.status_code == 404
    assert (await client.patch(f"/api/agents/{own}", json={}, headers=headers)).status_code == 403


async def test_seat_cap_over_http(client: httpx.AsyncClient, tenant_a: World) -> None:
    admin = tenant_a.headers(Role.TENANT_ADMIN)
    ids = [str(tenant_a.rows["agents"])]
    for extension in ("1101", "1102"):
        body = {"extension": extension, "display_name": extension, "sip_password": "pw-12345"}
        ids.append((await client.post("/api/agents", json=body, headers=admin)).json()["id"])
    for agent_id in ids[:2]:
        assert (
            await client.post(f"/api/agents/{agent_id}/login", headers=admin)
        ).status_code == 200
    refused = await client.post(f"/api/agents/{ids[2]}/login", headers=admin)
    assert refused.status_code == 409, refused.text
    assert refused.json()["error_id"] == "seat-cap-reached"
    assert refused.json()["details"] == {"seat_count": 2, "logged_in": 2}
    seats = (await client.get("/api/seats", headers=admin)).json()
    assert seats == {"seat_count": 2, "logged_in": 2, "available": 0}
    await client.post(f"/api/agents/{ids[0]}/logout", headers=admin)
    assert (await client.post(f"/api/agents/{ids[2]}/login", headers=admin)).status_code == 200


async def test_platform_admin_manages_tenants_and_acts_inside_one(
    client: httpx.AsyncClient, tenant_a: World, tenant_b: World
) -> None:
    operator = tenant_a.headers(Role.PLATFORM_ADMIN)
    body = {
        "name": "Acme",
        "slug": f"acme-{tenant_a.tenant.slug}",
        "sip_domain": f"acme.{tenant_a.tenant.slug}.example",
        "seat_count": 5,
        "time_zone": "Europe/Vienna",
    }
    created = await client.post("/api/tenants", json=body, headers=operator)
    assert created.status_code == 201, created.text
    duplicate = await client.post("/api/tenants", json=body, headers=operator)
    assert duplicate.status_code == 409
    bad_zone = await client.post(
        "/api/tenants", json=body | {"time_zone": "Mars/Base"}, headers=operator
    )
    assert bad_zone.status_code == 422 and "time zone" in bad_zone.json()["message"]
    admin = tenant_a.headers(Role.TENANT_ADMIN)
    assert (await client.post("/api/tenants", json=body, headers=admin)).status_code == 403
    inside_b = operator | {"X-Seatline-Tenant": str(tenant_b.tenant.id)}
    queues = (await client.get("/api/queues", headers=inside_b)).json()
    assert [queue["id"] for queue in queues] == [str(tenant_b.rows["queues"])]
    new_admin = {
        "username": f"boss@{tenant_b.tenant.slug}",
        "password": "boss-password",
        "role": "tenant_admin",
    }
    assert (await client.post("/api/users", json=new_admin, headers=inside_b)).status_code == 201


async def test_only_the_platform_admin_grants_platform_admin(
    client: httpx.AsyncClient, tenant_a: World
) -> None:
    slug = tenant_a.tenant.slug
    body = {"username": f"root@{slug}", "password": "root-password", "role": "platform_admin"}
    answer = await client.post("/api/users", json=body, headers=tenant_a.headers(Role.TENANT_ADMIN))
    assert answer.status_code == 403
    wrong_suffix = body | {"role": "agent", "username": "root@elsewhere"}
    answer = await client.post(
        "/api/users", json=wrong_suffix, headers=tenant_a.headers(Role.TENANT_ADMIN)
    )
    assert answer.status_code == 422 and f"@{slug}" in answer.json()["message"]
    ok = body | {"role": "supervisor"}
    created = await client.post("/api/users", json=ok, headers=tenant_a.headers(Role.TENANT_ADMIN))
    assert created.status_code == 201
    login = await client.post(
        "/api/auth/login", json={"username": f"root@{slug}", "password": "root-password"}
    )
    assert login.status_code == 200


async def test_tenant_admin_cannot_remove_the_platform_admin_or_itself(
    client: httpx.AsyncClient, tenant_a: World
) -> None:
    admin = tenant_a.headers(Role.TENANT_ADMIN)
    operator_url = f"/api/users/{tenant_a.users[Role.PLATFORM_ADMIN]}"
    assert (await client.delete(operator_url, headers=admin)).status_code == 403
    assert (
        await client.patch(operator_url, json={"active": False}, headers=admin)
    ).status_code == 403
    own_url = f"/api/users/{tenant_a.users[Role.TENANT_ADMIN]}"
    assert (await client.delete(own_url, headers=admin)).status_code == 422
    agent_url = f"/api/users/{tenant_a.users[Role.AGENT]}"
    assert (await client.delete(agent_url, headers=admin)).status_code == 204
    assert (await client.get(agent_url, headers=admin)).status_code == 404
