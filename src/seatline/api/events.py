"""Live events for API clients: the WebSocket `GET /api/events` streams the node's event bus.

Each message is one JSON object `{topic, kind, data, at}`; the first one (kind `Subscribed`,
topic `events`) says the stream is live. Supervisors and admins get every event of their
tenant; an agent gets the events naming it (`data.agent_id`) and those of contacts offered to
it; another tenant's events never leave the bus. Authentication is the REST API's: a bearer
token or the session cookie; a refusal closes the socket with 4401 (or 4403) and a reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
from collections import OrderedDict
from collections.abc import AsyncGenerator
from typing import Any, cast
from urllib.parse import urlsplit

from fastapi import APIRouter, WebSocket
from starlette.websockets import WebSocketDisconnect, WebSocketState

from seatline.api.deps import Principal, authenticate, bearer_of, bus_of
from seatline.api.errors import ApiError
from seatline.live.bus import EventBus, LiveEvent
from seatline.store.db import Database
from seatline.store.enums import Role
from seatline.store.errors import StoreError

__all__ = [
    "CLOSE_CROSS_SITE",
    "CLOSE_UNAUTHENTICATED",
    "AgentView",
    "message_of",
    "router",
]

log = logging.getLogger(__name__)

router = APIRouter(tags=["events"])

CLOSE_UNAUTHENTICATED = 4401  # 4000 + the HTTP status, as close codes 4000–4999 are ours
CLOSE_CROSS_SITE = 4403
CLOSE_INTERNAL = 1011
# Contacts an agent's stream remembers as offered to it: enough for a shift's recent ones.
REMEMBERED_OFFERS = 256
# How often an open stream checks its credentials again: an expired token, a deactivated user
# or a changed role must not keep watching for hours.
REVALIDATE_SECONDS = 60.0


class AgentView:
    """What one agent may see: events naming it, and events of contacts offered to it."""

    def __init__(self, agent_id: str | None) -> None:
        self.agent_id = agent_id
        self._offered: OrderedDict[str, None] = OrderedDict()

    def admits(self, event: LiveEvent) -> bool:
        """Return whether the agent may see `event` (and remember contacts offered to it)."""
        if self.agent_id is None:
            return False  # an agent-role user with no agent behind it has nothing to watch
        contact_id = event.data.get("contact_id")
        if str(event.data.get("agent_id")) == self.agent_id:
            if contact_id is not None:
                self._offered[str(contact_id)] = None
                self._offered.move_to_end(str(contact_id))
                while len(self._offered) > REMEMBERED_OFFERS:
                    self._offered.popitem(last=False)
            return True
        return contact_id is not None and str(contact_id) in self._offered


def message_of(topic: str, kind: str, data: dict[str, Any]) -> str:
    """Return one stream message as JSON text, stamped with the time it leaves."""
    at = dt.datetime.now(dt.UTC).isoformat()
    # default=str: a publisher's UUID or datetime must not end the stream.
    return json.dumps({"topic": topic, "kind": kind, "data": data, "at": at}, default=str)


def _cross_site(websocket: WebSocket) -> bool:
    """Return whether a cookie-authenticated socket was opened by another site's page."""
    # Browsers send cookies on cross-site WebSocket handshakes and CORS does not apply, so a
    # cookie alone must come from our own origin. A bearer token can't be sent by a browser.
    origin = websocket.headers.get("origin")
    if origin is None or bearer_of(websocket) is not None:
        return False
    return urlsplit(origin).netloc.lower() != websocket.headers.get("host", "").lower()


async def _principal(websocket: WebSocket) -> Principal:
    database: Database = websocket.app.state.database
    # A session for the handshake only: a socket may stay open for hours.
    async with database.sessions() as session:
        return await authenticate(websocket, session)


@router.websocket("/api/events", name="events")
async def events(websocket: WebSocket) -> None:
    """Stream the caller's tenant's live events (an agent's own only) until either side ends."""
    # Accept before refusing: a close before the accept reaches a browser as a bare HTTP 403,
    # while a close after it carries the code and the reason the client can show.
    await websocket.accept()
    if _cross_site(websocket):
        await websocket.close(CLOSE_CROSS_SITE, "cross-site WebSocket refused; use a token")
        return
    try:
        who = await _principal(websocket)
    except (ApiError, StoreError) as error:
        code = CLOSE_UNAUTHENTICATED if error.status == 401 else 1008  # 1008: policy violation
        await websocket.close(code, error.message)
        return
    await _serve(websocket, bus_of(websocket), who)


async def _serve(websocket: WebSocket, bus: EventBus, who: Principal) -> None:
    """Run the sender, the disconnect watcher and the credential check until one ends."""
    sender = asyncio.create_task(_forward(websocket, bus, who))
    watcher = asyncio.create_task(_until_disconnect(websocket))
    checker = asyncio.create_task(_revalidate(websocket, who))
    tasks = (sender, watcher, checker)
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        results = await asyncio.gather(*tasks, return_exceptions=True)
    ended = results[2]
    failures = [
        result
        for result in results
        if isinstance(result, Exception) and not isinstance(result, WebSocketDisconnect)
    ]
    if isinstance(ended, str):
        await _close(websocket, CLOSE_UNAUTHENTICATED, ended)
    elif failures:
        log.error("event stream of %s failed", who.username, exc_info=failures[0])
        await _close(websocket, CLOSE_INTERNAL, "internal error; see the server log")


async def _close(websocket: WebSocket, code: int, reason: str) -> None:
    """Close the socket unless the client is gone already."""
    if websocket.application_state is WebSocketState.CONNECTED:
        with contextlib.suppress(Exception):  # the client may vanish meanwhile: nothing to tell
            await websocket.close(code, reason)


async def _revalidate(websocket: WebSocket, who: Principal) -> str:
    """Return why the stream must end once its credentials no longer give the same principal."""
    while True:
        await asyncio.sleep(REVALIDATE_SECONDS)
        try:
            again = await _principal(websocket)
        except (ApiError, StoreError):
            return "session ended; log in again (POST /api/auth/login)"
        if again != who:
            return "your role or agent changed; connect again"


async def _until_disconnect(websocket: WebSocket) -> None:
    """Return when the client goes away; what it sends is ignored (the stream is one-way)."""
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return


async def _forward(websocket: WebSocket, bus: EventBus, who: Principal) -> None:
    """Send the `Subscribed` greeting once the stream is live, then every visible event."""
    view = AgentView(str(who.agent_id) if who.agent_id else None)
    staff = who.role is not Role.AGENT
    # It is an async generator; the bus declares only AsyncIterator, and we need aclose.
    stream = cast(AsyncGenerator[LiveEvent, None], bus.subscribe(str(who.tenant_id)))
    # Start the generator now: it registers its queue on its first step, so once the greeting
    # is out no event can be missed.
    pending = asyncio.ensure_future(anext(stream))
    try:
        await asyncio.sleep(0)  # the generator's first step runs before this returns
        greeting = {
            "tenant_id": str(who.tenant_id),
            "role": who.role.value,
            "agent_id": view.agent_id,
        }
        await websocket.send_text(message_of("events", "Subscribed", greeting))
        while True:
            event = await pending
            pending = asyncio.ensure_future(anext(stream))
            if staff or view.admits(event):
                await websocket.send_text(message_of(event.topic, event.kind, event.data))
    finally:
        pending.cancel()
        await asyncio.gather(pending, return_exceptions=True)
        await stream.aclose()
