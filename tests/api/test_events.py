"""The live event stream `GET /api/events` (WebSocket): authentication, who sees what, isolation.

Most tests drive the app through `Socket`, a small ASGI WebSocket client on the test's own event
loop: the bus and the database connections belong to that loop, while Starlette's TestClient
runs the app on a thread of its own. The refusal without credentials needs neither, so it also
goes through TestClient, as a real client would see it.
"""

from __future__ import annotations

import asyncio
import json
import warnings
from types import TracebackType
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from starlette.websockets import WebSocketDisconnect

from seatline.api import events
from seatline.api.deps import COOKIE_NAME, TENANT_HEADER
from seatline.live.bus import EventBus, LiveEvent
from seatline.store.db import Database
from seatline.store.enums import Role
from seatline.store.models import User

World = Any  # the conftest's World (conftest modules are not importable)
HOST = "seatline.test"


class Closed(Exception):
    """The server closed the socket."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(f"{code} {reason}")
        self.code = code
        self.reason = reason


class Socket:
    """A WebSocket client that drives the ASGI app in this event loop."""

    def __init__(self, app: FastAPI, headers: dict[str, str] | None = None) -> None:
        self.app = app
        self.headers = {"host": HOST} | {k.lower(): v for k, v in (headers or {}).items()}
        self._to_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._from_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Socket:
        scope = {
            "type": "websocket",
            "asgi": {"version": "3.0"},
            "scheme": "ws",
            "http_version": "1.1",
            "path": "/api/events",
            "raw_path": b"/api/events",
            "query_string": b"",
            "root_path": "",
            "headers": [(k.encode(), v.encode()) for k, v in self.headers.items()],
            "client": ("127.0.0.1", 50000),
            "server": (HOST, 80),
            "subprotocols": [],
            "state": {},
        }
        self._task = asyncio.create_task(self.app(scope, self._to_app.get, self._from_app.put))
        await self._to_app.put({"type": "websocket.connect"})
        accepted = await self._next()
        assert accepted["type"] == "websocket.accept", accepted
        return self

    async def _next(self, timeout: float = 5) -> dict[str, Any]:
        return await asyncio.wait_for(self._from_app.get(), timeout)

    async def receive(self, timeout: float = 5) -> dict[str, Any]:
        """Return the next message as JSON; raise Closed when the server closed instead."""
        message = await self._next(timeout)
        if message["type"] == "websocket.close":
            raise Closed(message.get("code", 1000), message.get("reason", ""))
        return dict(json.loads(message["text"]))

    async def nothing_within(self, seconds: float) -> bool:
        """Return whether no message arrives for `seconds`."""
        try:
            await self._next(seconds)
        except TimeoutError:
            return True
        return False

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        await self._to_app.put({"type": "websocket.disconnect", "code": 1000})
        assert self._task is not None
        await asyncio.wait_for(self._task, 5)  # the server's handler ends with the client


def bearer(world: World, role: Role) -> dict[str, str]:
    """The Authorization header of `world`'s user of `role`."""
    return dict(world.headers(role))


def event(world: World, kind: str, **data: str) -> LiveEvent:
    """A live event of `world`'s tenant."""
    return LiveEvent(
        "contact" if "contact_id" in data else "agent", str(world.tenant.id), kind, data
    )


async def subscribed(socket: Socket) -> dict[str, Any]:
    """Read the greeting that says the stream is live."""
    greeting = await socket.receive()
    assert (greeting["topic"], greeting["kind"]) == ("events", "Subscribed")
    return greeting


def test_unauthenticated_socket_is_refused_through_testclient(app: FastAPI) -> None:
    with warnings.catch_warnings():
        # Starlette 1.x would like httpx2 behind its TestClient; httpx is what we have.
        warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
        from starlette.testclient import TestClient

    with (
        TestClient(app) as http,
        http.websocket_connect("/api/events") as socket,
        pytest.raises(WebSocketDisconnect) as refused,
    ):
        socket.receive_text()
    assert refused.value.code == 4401
    assert "log in first" in refused.value.reason


async def test_bad_or_missing_credentials_close_with_4401(app: FastAPI, tenant_a: World) -> None:
    token = tenant_a.token(Role.SUPERVISOR)
    for headers in (
        {},
        {"Authorization": "Bearer not-a-token"},
        {"Authorization": f"Bearer {token[:-2]}xx"},
        {"Cookie": f"{COOKIE_NAME}=garbage"},
    ):
        async with Socket(app, headers) as socket:
            with pytest.raises(Closed) as refused:
                await socket.receive()
        assert refused.value.code == 4401, headers
        assert refused.value.reason == "log in first (POST /api/auth/login)"


async def test_session_cookie_works_from_our_origin_only(app: FastAPI, tenant_a: World) -> None:
    cookie = {"Cookie": f"{COOKIE_NAME}={tenant_a.token(Role.SUPERVISOR)}"}
    async with Socket(app, cookie | {"Origin": f"https://{HOST}"}) as socket:
        assert (await subscribed(socket))["data"]["role"] == "supervisor"
    async with Socket(app, cookie) as socket:  # not a browser: no Origin
        await subscribed(socket)
    async with Socket(app, cookie | {"Origin": "https://evil.example"}) as socket:
        with pytest.raises(Closed) as refused:
            await socket.receive()
    assert refused.value.code == 4403


async def test_supervisor_gets_every_event_of_its_tenant_and_none_of_another(
    app: FastAPI, tenant_a: World, tenant_b: World, bus: EventBus
) -> None:
    headers = bearer(tenant_a, Role.SUPERVISOR)
    headers[TENANT_HEADER] = str(tenant_b.tenant.id)  # ignored for everyone but the operator
    async with Socket(app, headers) as socket:
        greeting = await subscribed(socket)
        assert greeting["data"]["tenant_id"] == str(tenant_a.tenant.id)
        bus.publish(event(tenant_b, "Offered", contact_id="c-b", agent_id="x"))
        bus.publish(event(tenant_a, "Offered", contact_id="c-a", agent_id="someone"))
        bus.publish(event(tenant_a, "AgentStateChanged", agent_id="anyone", state="paused"))
        first, second = await socket.receive(), await socket.receive()
        assert first["data"] == {"contact_id": "c-a", "agent_id": "someone"}
        assert (first["topic"], first["kind"]) == ("contact", "Offered")
        assert first["at"].endswith("+00:00")
        assert (second["topic"], second["kind"]) == ("agent", "AgentStateChanged")
        assert set(first) == {"topic", "kind", "data", "at"}
        assert await socket.nothing_within(0.1)


async def test_agent_gets_only_its_own_events_and_its_offered_contacts(
    app: FastAPI, tenant_a: World, tenant_b: World, bus: EventBus
) -> None:
    me = str(tenant_a.rows["agents"])
    async with Socket(app, bearer(tenant_a, Role.AGENT)) as socket:
        assert (await subscribed(socket))["data"]["agent_id"] == me
        hidden = [
            event(tenant_a, "AgentStateChanged", agent_id="another-agent"),
            event(tenant_a, "Offered", contact_id="c1", agent_id="another-agent"),
            event(tenant_a, "Abandoned", contact_id="c1"),  # never offered to me
            event(tenant_b, "AgentStateChanged", agent_id=me),  # my id, but another tenant
            event(tenant_a, "Enqueued", contact_id="c2"),  # not offered to me yet
        ]
        shown = [
            event(tenant_a, "AgentStateChanged", agent_id=me),
            event(tenant_a, "Offered", contact_id="c2", agent_id=me),
            event(tenant_a, "Abandoned", contact_id="c2"),  # offered to me before
        ]
        for item in [*hidden, *shown]:
            bus.publish(item)
        received = [await socket.receive() for _ in shown]
        assert [(m["kind"], m["data"]) for m in received] == [(e.kind, e.data) for e in shown]
        assert await socket.nothing_within(0.1)


async def test_state_change_over_http_reaches_the_agents_socket(
    app: FastAPI, client: httpx.AsyncClient, tenant_a: World, tenant_b: World
) -> None:
    me = str(tenant_a.rows["agents"])
    async with (
        Socket(app, bearer(tenant_a, Role.AGENT)) as mine,
        Socket(app, bearer(tenant_a, Role.SUPERVISOR)) as wallboard,
        Socket(app, bearer(tenant_b, Role.SUPERVISOR)) as foreign,
    ):
        for socket in (mine, wallboard, foreign):
            await subscribed(socket)
        headers = tenant_a.headers(Role.AGENT)
        assert (await client.post(f"/api/agents/{me}/login", headers=headers)).status_code == 200
        assert (await client.post(f"/api/agents/{me}/ready", headers=headers)).status_code == 200
        for socket in (mine, wallboard):
            login, ready = await socket.receive(), await socket.receive()
            assert (login["topic"], login["kind"]) == ("agent", "AgentStateRequested")
            assert login["data"]["not_ready_reason"] == "login"
            assert (ready["data"]["agent_id"], ready["data"]["ready"]) == (me, True)
        assert await foreign.nothing_within(0.1)


async def test_platform_admin_watches_the_tenant_it_acts_in(
    app: FastAPI, tenant_a: World, tenant_b: World, bus: EventBus
) -> None:
    headers = bearer(tenant_a, Role.PLATFORM_ADMIN) | {TENANT_HEADER: str(tenant_b.tenant.id)}
    async with Socket(app, headers) as socket:
        assert (await subscribed(socket))["data"]["tenant_id"] == str(tenant_b.tenant.id)
        bus.publish(event(tenant_a, "AgentStateChanged", agent_id="a"))
        bus.publish(event(tenant_b, "AgentStateChanged", agent_id="b"))
        assert (await socket.receive())["data"] == {"agent_id": "b"}
    bad = bearer(tenant_a, Role.PLATFORM_ADMIN) | {TENANT_HEADER: "not-a-tenant"}
    async with Socket(app, bad) as socket:
        with pytest.raises(Closed) as refused:
            await socket.receive()
    assert (refused.value.code, refused.value.reason) == (1008, "tenant not found")


async def test_closing_the_socket_ends_the_subscription(
    app: FastAPI, tenant_a: World, bus: EventBus
) -> None:
    async with Socket(app, bearer(tenant_a, Role.SUPERVISOR)) as socket:
        await subscribed(socket)
        assert len(bus._queues) == 1  # the bus keeps no public count of its subscribers
    assert len(bus._queues) == 0
    bus.publish(event(tenant_a, "AgentStateChanged", agent_id="a"))  # nobody left: no error


async def test_stream_ends_when_its_user_is_deactivated(
    app: FastAPI, database: Database, tenant_a: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(events, "REVALIDATE_SECONDS", 0.05)
    async with Socket(app, bearer(tenant_a, Role.AGENT)) as socket:
        await subscribed(socket)
        await asyncio.sleep(0.1)
        assert await socket.nothing_within(0.1)  # still valid: still open
        async with database.transaction() as session:
            user = await session.get(User, tenant_a.users[Role.AGENT])
            assert user is not None
            user.active = False
        with pytest.raises(Closed) as ended:
            await socket.receive(timeout=5)
    assert ended.value.code == 4401
    assert ended.value.reason.startswith("session ended")


async def test_stream_ends_when_its_session_is_logged_out(
    app: FastAPI, client: httpx.AsyncClient, tenant_a: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(events, "REVALIDATE_SECONDS", 0.05)
    headers = bearer(tenant_a, Role.SUPERVISOR)
    async with Socket(app, headers) as socket:
        await subscribed(socket)
        assert await socket.nothing_within(0.1)  # still valid: still open
        assert (await client.post("/api/auth/logout", headers=headers)).status_code == 204
        with pytest.raises(Closed) as ended:
            await socket.receive(timeout=5)
    assert ended.value.code == 4401
