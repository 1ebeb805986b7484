"""The live event stream on a real `seatline up` node, installed with the package's own
dependencies only (issue 12, item 1: uvicorn needs a WebSocket library to serve /api/events)."""

from __future__ import annotations

import asyncio
import json
from importlib.metadata import requires
from pathlib import Path

from websockets.asyncio.client import connect

from .node import Node


def test_the_package_itself_requires_a_websocket_library() -> None:
    # Without an extra: the README installs none, and the test extra must not be what works.
    plain = [r for r in requires("seatline") or [] if "extra ==" not in r]
    assert any(r.startswith(("websockets", "wsproto", "uvicorn[standard]")) for r in plain)


async def test_an_agents_pause_reaches_a_supervisors_event_stream(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    node = Node(tmp_path / "data")
    await node.start(demo=True)
    try:
        boss = await asyncio.to_thread(node.login, "admin@demo", "demo-admin")
        url = f"ws://127.0.0.1:{node.http}/api/events"
        async with connect(url, additional_headers={"Authorization": f"Bearer {boss}"}) as ws:
            first = json.loads(await asyncio.wait_for(ws.recv(), 5))
            assert first["kind"] == "Subscribed"
            agents = await asyncio.to_thread(node.get, "/api/agents", boss)
            agent = next(a for a in agents if a["extension"] == "1003")
            body = {"reason": "break"}
            await asyncio.to_thread(
                node.send, "POST", f"/api/agents/{agent['id']}/not-ready", boss, body
            )
            while True:
                event = json.loads(await asyncio.wait_for(ws.recv(), 5))
                if event["topic"] == "agent" and event["data"].get("agent_id") == agent["id"]:
                    break
            assert event["data"]["not_ready_reason"] == "break"
    finally:
        await node.stop()
