"""Strict tenant isolation, proved by walking every route the app has.

The walk enumerates `app.routes`, so a new endpoint is covered automatically, and it fails when
an endpoint is not classified here. For each route a user of tenant A (with every role) tries
tenant B's row ids and a random id: the answers must be identical (a foreign id is a 404 just
like a missing one), no list may contain any of B's ids, and B's rows must come out unchanged.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, APIWebSocketRoute

from seatline.api.deps import TENANT_HEADER
from seatline.store.campaigns import add_dnc
from seatline.store.db import Database
from seatline.store.enums import Role

World = Any  # the conftest's World (conftest modules are not importable)
SeedCall = Callable[..., Awaitable[dict[str, uuid.UUID]]]  # the conftest's seed_call fixture

# Routes that carry no tenant data, or only the caller's own identity.
PUBLIC = {
    ("GET", "/openapi.json"),
    ("GET", "/docs"),
    ("GET", "/docs/oauth2-redirect"),
    ("GET", "/redoc"),
    ("GET", "/healthz"),
    ("GET", "/metrics"),
    ("POST", "/api/auth/login"),
    ("POST", "/api/auth/logout"),
}
# Collections the platform admin reads across tenants by design (others see their own only).
OPERATOR_WIDE = {"tenants", "audit"}
SELF = {
    ("GET", "/api/auth/me"),
    ("POST", "/api/auth/password"),
    ("GET", "/api/seats"),
    ("GET", "/api/campaign-calls/current"),
}

# Collection POSTs whose body names other rows: the probe puts an id in every reference.
REFERENCE_POSTS = {
    "/api/agents": lambda ref, slug: {
        "extension": "7001",
        "display_name": "Probe",
        "sip_password": "probe-password",
        "skills": [{"skill_id": ref, "level": 1}],
    },
    "/api/users": lambda ref, slug: {
        "username": "probe@" + slug,
        "password": "probe-password",
        "role": "agent",
        "agent_id": ref,
    },
    "/api/numbers": lambda ref, slug: {"number": "+4989000000", "flow_id": ref},
}
# Collection POSTs whose body names no other row (nothing of B's can be referenced).
PLAIN_POSTS = {
    "/api/tenants",
    "/api/skills",
    "/api/queues",
    "/api/flows",
    "/api/business-hours",
    "/api/holidays",
    "/api/reason-codes",
    "/api/dispositions",
    "/api/trunks",
    "/api/lookup-tables",
    "/api/campaigns",
    "/api/dnc",
    "/api/platform/dnc",
}
# Bodies for {item_id} routes that need one, so the lookup (not validation) gives the answer.
ITEM_BODIES = {
    ("PUT", "/api/contacts/{item_id}/disposition"): {"code": "sale"},
    ("POST", "/api/agents/{item_id}/not-ready"): {"reason": "break"},
    ("PUT", "/api/campaigns/{item_id}/agents"): {"agent_ids": []},
    ("POST", "/api/campaign-calls/{item_id}/disposition"): {"code": "completed", "consent": True},
}
# A second path parameter after {item_id}: filled with tenant B's row of this kind.
SECOND_IDS = {"{lead_id}": "leads"}
# Do-not-call entries are named by their number: B's number and a missing one must look alike.
NUMBERED = {("DELETE", "/api/dnc/{number}"), ("DELETE", "/api/platform/dnc/{number}")}
# WebSocket routes: no HTTP method to walk, so each has its own isolation test.
WEBSOCKETS = {"/api/events": "tests/api/test_events.py"}
# Routes that find a row by its name (and a key) instead of an id: kind → request extras.
NAMED = {
    ("GET", "/api/lookup-tables/{name}"): {},
    ("GET", "/api/lookup-tables/{name}/rows/{key}"): {},
    ("PUT", "/api/lookup-tables/{name}/rows"): {
        "content": b"order,st\n4711,stolen\n9999,new\n",
        "headers": {"Content-Type": "text/csv"},
    },
}
# PATCH bodies that name another row: tried on A's own row with B's id and a random id.
REFERENCE_PATCHES = {
    "/api/agents/{item_id}": lambda ref, slug: {"skills": [{"skill_id": ref, "level": 2}]},
    "/api/users/{item_id}": lambda ref, slug: {"agent_id": ref},
    "/api/numbers/{item_id}": lambda ref, slug: {"flow_id": ref},
}
REFERENCED_KIND = {
    "/api/agents": "skills",
    "/api/users": "agents",
    "/api/numbers": "flows",
    "/api/agents/{item_id}": "skills",
    "/api/users/{item_id}": "agents",
    "/api/numbers/{item_id}": "flows",
}


def endpoints(app: FastAPI) -> list[tuple[str, str]]:
    """Every (method, path) the app serves."""
    found = []
    for route in app.routes:
        methods = sorted(getattr(route, "methods", None) or [])
        for method in methods:
            if method != "HEAD":
                found.append((method, getattr(route, "path", repr(route))))
    return found


def _collection(path: str) -> str:
    return path.split("/{item_id}")[0]


def _scrub(body: str, *ids: object) -> str:
    for value in ids:
        body = body.replace(str(value), "<id>")
    return body


async def _call(
    client: httpx.AsyncClient,
    method: str,
    path: str,
    headers: dict[str, str],
    body: Any = None,
) -> httpx.Response:
    return await client.request(method, path, headers=headers, json=body)


def test_every_route_is_classified(app: FastAPI) -> None:
    routes = endpoints(app)
    assert routes, "the app has no routes?"
    public_paths = {path for _, path in PUBLIC}
    for route in app.routes:
        # An included router or a mount would hide its endpoints from this walk.
        if isinstance(route, APIWebSocketRoute):
            assert route.path in WEBSOCKETS, f"{route.path}: test its isolation, list it here"
            continue
        walkable = isinstance(route, APIRoute) or getattr(route, "path", None) in public_paths
        assert walkable, f"{route!r}: add endpoints with seatline.api.app.mount_router"
    unclassified = []
    for method, path in routes:
        if (method, path) in PUBLIC | SELF | NAMED.keys() | NUMBERED or "{item_id}" in path:
            continue
        if method == "GET":
            continue  # every collection GET is checked for foreign ids
        if method == "POST" and (path in REFERENCE_POSTS or path in PLAIN_POSTS):
            continue
        unclassified.append((method, path))
    assert unclassified == [], f"classify these routes in test_isolation.py: {unclassified}"
    for method, path in routes:
        if "{item_id}" in path:
            extra = sum(path.count(name) for name in SECOND_IDS)
            assert path.count("{") == 1 + extra, f"unexpected path parameters in {path}"
        elif "{" in path and (method, path) not in NUMBERED:
            assert (method, path) in NAMED, f"classify {method} {path} in NAMED"


@pytest.mark.parametrize("role", list(Role))
async def test_tenant_a_cannot_read_change_or_detect_tenant_b(
    app: FastAPI,
    client: httpx.AsyncClient,
    database: Database,
    tenant_a: World,
    tenant_b: World,
    role: Role,
    seed_call: SeedCall,
) -> None:
    children = await _campaign_rows(database, tenant_b, seed_call)
    # Everyone but the platform admin also sends B's id in the tenant header: it must be ignored.
    headers = tenant_a.headers(role)
    if role is not Role.PLATFORM_ADMIN:
        headers[TENANT_HEADER] = str(tenant_b.tenant.id)
    b_ids = {str(value) for value in [*tenant_b.rows.values(), *tenant_b.users.values()]}
    b_ids |= {str(value) for value in children.values()}
    before = await _snapshot(client, tenant_b)
    checked = 0
    for method, path in endpoints(app):
        kind = _collection(path).removeprefix("/api/")
        if (method, path) in PUBLIC or (role is Role.PLATFORM_ADMIN and kind in OPERATOR_WIDE):
            continue  # the platform admin manages every tenant by design
        if (method, path) in NAMED:
            await _compare_named(client, method, path, headers, tenant_b)
            checked += 1
        elif (method, path) in NUMBERED:
            await _compare_numbered(client, method, path, headers, children["dnc"])
            checked += 1
        elif "{item_id}" in path:
            rows = tenant_b.rows | children
            assert kind in rows, f"no tenant-B row for {path}: add one to build_world"
            # A valid body for every PATCH, so the lookup (not validation) gives the answer.
            default = {} if method == "PATCH" else None
            body = ITEM_BODIES.get((method, path), default)
            for name, second in SECOND_IDS.items():
                path = path.replace(name, str(rows[second]))
            foreign_id, missing_id = rows[kind], uuid.uuid4()
            foreign = await _call(client, method, _at(path, foreign_id), headers, body)
            missing = await _call(client, method, _at(path, missing_id), headers, body)
            assert foreign.status_code == missing.status_code, (method, path)
            assert foreign.status_code in (403, 404), (method, path, foreign.text)
            assert _scrub(foreign.text, foreign_id) == _scrub(missing.text, missing_id)
            checked += 1
            if method == "PATCH" and path in REFERENCE_PATCHES:
                own = _at(path, tenant_a.rows[kind])
                probe = REFERENCE_PATCHES[path]
                await _compare(client, method, own, path, probe, headers, tenant_a, tenant_b)
                checked += 1
        elif method == "GET":
            answer = await _call(client, method, path, headers)
            # A caller's own current call may not exist: 404 names nothing of B's either.
            allowed = (200, 403, 404) if (method, path) in SELF else (200, 403)
            assert answer.status_code in allowed, (path, answer.text)
            leaked = [value for value in b_ids if value in answer.text]
            assert leaked == [], f"{path} shows tenant B's ids to {role}"
            checked += 1
        elif method == "POST" and path in REFERENCE_POSTS:
            probe = REFERENCE_POSTS[path]
            await _compare(client, method, path, path, probe, headers, tenant_a, tenant_b)
            checked += 1
    assert checked > 50
    assert await _snapshot(client, tenant_b) == before, "tenant B's rows changed"


async def _campaign_rows(database: Database, world: World, seed_call: SeedCall) -> dict[str, Any]:
    """Give the tenant a campaign with a lead, a bridged call and a do-not-call entry."""
    seeded = await seed_call(world, name="spring", mode="preview", assign=True)
    async with database.transaction() as session:
        number = f"+4930{uuid.uuid4().int % 10**8:08d}"
        entry = await add_dnc(session, world.tenant.id, number, "asked")
    world.rows["campaigns"] = seeded["campaign"]
    return {"campaign-calls": seeded["attempt"], "leads": seeded["lead"], "dnc": entry.number}


async def _compare_numbered(
    client: httpx.AsyncClient, method: str, template: str, headers: dict[str, str], number: str
) -> None:
    """Name B's do-not-call number and a missing one: both must be answered alike."""
    missing_number = f"+4989{uuid.uuid4().int % 10**8:08d}"
    foreign = await client.request(method, template.replace("{number}", number), headers=headers)
    missing = await client.request(
        method, template.replace("{number}", missing_number), headers=headers
    )
    assert foreign.status_code == missing.status_code, (method, template, foreign.text)
    assert foreign.status_code in (403, 404), (method, template, foreign.text)
    assert _scrub(foreign.text, number) == _scrub(missing.text, missing_number)


def _at(path: str, item_id: object) -> str:
    return path.replace("{item_id}", str(item_id))


async def _compare(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    template: str,
    probe: Any,
    headers: dict[str, str],
    tenant_a: World,
    tenant_b: World,
) -> None:
    """Send the probe naming B's row and naming no row: the answers must not differ."""
    slug = tenant_a.tenant.slug
    foreign_id, missing_id = tenant_b.rows[REFERENCED_KIND[template]], uuid.uuid4()
    foreign = await _call(client, method, url, headers, probe(str(foreign_id), slug))
    missing = await _call(client, method, url, headers, probe(str(missing_id), slug))
    assert foreign.status_code == missing.status_code, (method, url, foreign.text, missing.text)
    assert 400 <= foreign.status_code < 500, (method, url, foreign.text)
    assert _scrub(foreign.text, foreign_id) == _scrub(missing.text, missing_id)


async def _compare_named(
    client: httpx.AsyncClient,
    method: str,
    template: str,
    headers: dict[str, str],
    tenant_b: World,
) -> None:
    """Name B's row and a missing one: both must be answered alike, with 403 or 404."""
    name, key = tenant_b.names["lookup-tables"]
    missing_name, missing_key = f"orders-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex[:8]
    extras = NAMED[(method, template)]
    foreign_url = template.replace("{name}", name).replace("{key}", key)
    missing_url = template.replace("{name}", missing_name).replace("{key}", missing_key)
    foreign = await client.request(
        method,
        foreign_url,
        headers={**headers, **extras.get("headers", {})},
        content=extras.get("content"),
    )
    missing = await client.request(
        method,
        missing_url,
        headers={**headers, **extras.get("headers", {})},
        content=extras.get("content"),
    )
    assert foreign.status_code == missing.status_code, (method, template, foreign.text)
    assert foreign.status_code in (403, 404), (method, template, foreign.text)
    assert _scrub(foreign.text, name, key) == _scrub(missing.text, missing_name, missing_key)


async def _snapshot(client: httpx.AsyncClient, world: World) -> dict[str, Any]:
    """Every row of a tenant as its own tenant admin sees it."""
    headers = world.headers(Role.TENANT_ADMIN)
    state = {}
    for kind in world.rows:
        answer = await client.get(f"/api/{kind}", headers=headers)
        assert answer.status_code == 200, answer.text
        state[kind] = answer.json()
    if "campaigns" in world.rows:
        base = f"/api/campaigns/{world.rows['campaigns']}"
        for url in (f"{base}/agents", f"{base}/leads", f"{base}/attempts", "/api/dnc"):
            answer = await client.get(url, headers=headers)
            assert answer.status_code == 200, answer.text
            state[url] = answer.json()
    for kind, (name, key) in world.names.items():
        answer = await client.get(f"/api/{kind}/{name}/rows/{key}", headers=headers)
        assert answer.status_code == 200, answer.text
        state[f"{kind}/{name}/{key}"] = answer.json()
    return state
