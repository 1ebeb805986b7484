"""The audit log: logins, failed logins, logouts, password changes, user and trunk changes.

Finding 15 of issue 11: there was no record of who logged in or failed to, or of who changed
users and trunks, and from where.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
from fastapi import FastAPI

from seatline.store.audit import record_audit
from seatline.store.db import Database
from seatline.store.enums import Role

PASSWORD = "correct-horse"  # the conftest users' password
World = Any  # the conftest's World


def _from(app: FastAPI, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 41000))
    return httpx.AsyncClient(transport=transport, base_url="http://seatline.test")


async def _events(
    client: httpx.AsyncClient, world: World, role: Role = Role.TENANT_ADMIN, **query: str
) -> list[dict[str, Any]]:
    answer = await client.get("/api/audit", params=query, headers=world.headers(role))
    assert answer.status_code == 200, answer.text
    events: list[dict[str, Any]] = answer.json()
    return events


async def test_logins_failures_logouts_and_password_changes_are_audited(
    app: FastAPI, client: httpx.AsyncClient, tenant_a: World
) -> None:
    username = tenant_a.usernames[Role.AGENT]
    async with _from(app, "198.51.100.23") as outside:
        wrong = await outside.post(
            "/api/auth/login", json={"username": username, "password": "guess"}
        )
        assert wrong.status_code == 401
        nobody = await outside.post(
            "/api/auth/login", json={"username": "ghost@nowhere", "password": "guess"}
        )
        assert nobody.status_code == 401
        right = await outside.post(
            "/api/auth/login", json={"username": username, "password": PASSWORD}
        )
        token = right.json()["token"]
        bearer = {"Authorization": f"Bearer {token}"}
        change = {"old_password": "nope", "new_password": "brand-new-secret"}
        assert (await outside.post("/api/auth/password", json=change, headers=bearer)).is_error
        change["old_password"] = PASSWORD
        answer = await outside.post("/api/auth/password", json=change, headers=bearer)
        assert answer.status_code == 204
        assert (await outside.post("/api/auth/logout", headers=bearer)).status_code == 204
    events = await _events(client, tenant_a, action="auth.")
    seen = [(e["action"], e["actor"], e["subject"], e["source"]) for e in reversed(events)]
    user_id = str(tenant_a.users[Role.AGENT])
    assert seen == [
        ("auth.login-failed", "anonymous", username, "198.51.100.23"),
        ("auth.login", username, user_id, "198.51.100.23"),
        ("auth.password-change-failed", username, user_id, "198.51.100.23"),
        ("auth.password-change", username, user_id, "198.51.100.23"),
        ("auth.logout", username, user_id, "198.51.100.23"),
    ]
    assert events[-1]["detail"] == {"reason": "wrong-password"}
    assert all(e["tenant_id"] == str(tenant_a.tenant.id) for e in events)
    # The unknown name belongs to no tenant: only the platform admin sees that attempt.
    platform = await _events(client, tenant_a, Role.PLATFORM_ADMIN, action="auth.login-failed")
    ghost = [e for e in platform if e["subject"] == "ghost@nowhere"]
    assert ghost and ghost[0]["tenant_id"] is None
    assert ghost[0]["detail"] == {"reason": "unknown-user"}


async def test_user_and_trunk_changes_are_audited_without_secrets(
    client: httpx.AsyncClient, tenant_a: World
) -> None:
    admin = tenant_a.headers(Role.TENANT_ADMIN)
    slug = tenant_a.tenant.slug
    body = {"username": f"new@{slug}", "password": "secret-password-1", "role": "agent"}
    created = (await client.post("/api/users", json=body, headers=admin)).json()
    patch = {"password": "secret-password-2", "display_name": "New"}
    assert (await client.patch(f"/api/users/{created['id']}", json=patch, headers=admin)).is_success
    assert (await client.delete(f"/api/users/{created['id']}", headers=admin)).status_code == 204
    trunk = {
        "name": "carrier-2",
        "direction": "outbound",
        "outbound_host": "sip.carrier.example",
        "username": "acct",
        "password": "trunk-secret-password",
        "outbound_prefixes": ["+49"],
    }
    made = await client.post("/api/trunks", json=trunk, headers=admin)
    assert made.status_code == 201, made.text
    trunk_id = made.json()["id"]
    changed = await client.patch(
        f"/api/trunks/{trunk_id}", json={"password": "trunk-secret-2"}, headers=admin
    )
    assert changed.is_success, changed.text
    assert (await client.delete(f"/api/trunks/{trunk_id}", headers=admin)).status_code == 204
    events = list(reversed(await _events(client, tenant_a)))
    actions = [(e["action"], e["subject"]) for e in events]
    assert actions == [
        ("users.create", created["id"]),
        ("users.update", created["id"]),
        ("users.delete", created["id"]),
        ("trunks.create", trunk_id),
        ("trunks.update", trunk_id),
        ("trunks.delete", trunk_id),
    ]
    admin_name = tenant_a.usernames[Role.TENANT_ADMIN]
    assert {e["actor"] for e in events} == {admin_name}
    assert events[1]["detail"]["fields"] == ["display_name", "password"]
    assert events[4]["detail"] == {"fields": ["password"]}
    text = str(events)
    assert "secret-password" not in text and "trunk-secret" not in text


async def test_who_reads_the_log(
    client: httpx.AsyncClient, tenant_a: World, tenant_b: World
) -> None:
    for world in (tenant_a, tenant_b):
        answer = await client.post(
            "/api/skills", json={"name": "audited"}, headers=world.headers(Role.TENANT_ADMIN)
        )
        assert answer.status_code == 201
    mine = await _events(client, tenant_a)
    assert {e["tenant_id"] for e in mine} == {str(tenant_a.tenant.id)}
    for role in (Role.SUPERVISOR, Role.AGENT):
        answer = await client.get("/api/audit", headers=tenant_a.headers(role))
        assert answer.status_code == 403
    # A tenant admin may not ask for another tenant; the platform admin may.
    other = {"tenant": str(tenant_b.tenant.id)}
    refused = await client.get(
        "/api/audit", params=other, headers=tenant_a.headers(Role.TENANT_ADMIN)
    )
    assert refused.status_code == 403
    theirs = await _events(client, tenant_a, Role.PLATFORM_ADMIN, **other)
    assert theirs and {e["tenant_id"] for e in theirs} == {str(tenant_b.tenant.id)}
    everything = await _events(client, tenant_a, Role.PLATFORM_ADMIN, limit="500")
    tenants = {e["tenant_id"] for e in everything}
    assert {str(tenant_a.tenant.id), str(tenant_b.tenant.id)} <= tenants


async def test_a_login_prunes_events_past_their_retention(
    client: httpx.AsyncClient, database: Database, tenant_a: World, tune: Any
) -> None:
    tune(audit_retention_days=30)
    async with database.transaction() as session:
        old = await record_audit(session, tenant_a.tenant.id, "ann", "skills.create")
        old.at = dt.datetime.now(dt.UTC) - dt.timedelta(days=31)
        await record_audit(session, tenant_a.tenant.id, "ann", "skills.update")
    username = tenant_a.usernames[Role.SUPERVISOR]
    answer = await client.post("/api/auth/login", json={"username": username, "password": PASSWORD})
    assert answer.status_code == 200
    actions = [e["action"] for e in await _events(client, tenant_a, action="skills.")]
    assert actions == ["skills.update"]


async def test_a_locked_account_and_a_throttled_address_are_recorded_once(
    app: FastAPI, client: httpx.AsyncClient, tenant_a: World
) -> None:
    app.state.login_limiter.address_max_failures = 7
    username = tenant_a.usernames[Role.SUPERVISOR]
    async with _from(app, "198.51.100.77") as guesser:
        statuses = []
        for n in range(9):
            name = username if n < 6 else f"nobody{n}@nowhere"
            body = {"username": name, "password": "guess"}
            statuses.append((await guesser.post("/api/auth/login", json=body)).status_code)
    assert statuses == [401] * 5 + [429] + [401] * 2 + [429]
    locked = await _events(client, tenant_a, action="auth.account-locked")
    assert [(e["subject"], e["source"]) for e in locked] == [(username, "198.51.100.77")]
    platform = await _events(client, tenant_a, Role.PLATFORM_ADMIN, action="auth.address-throttled")
    assert [e["subject"] for e in platform].count("198.51.100.77") == 1
