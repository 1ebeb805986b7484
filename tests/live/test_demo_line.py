"""`seatline up --demo` end to end: a SIPp caller dials the demo menu, presses 2, a baresip
phone registered as demo agent 1003 answers; the contact record (times, path, digits, queue,
agent, outcome, recording) is in the store and survives kill -9 of the node."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from switch.conftest import needs_baresip, needs_sipp
from switch.harness import free_port, run_sipp
from switch.test_agents import channel_rms

from .callers import keys_scenario
from .node import Node

pytestmark = [needs_sipp, needs_baresip]


async def contacts(node: Node, token: str) -> list[dict[str, Any]]:
    """The tenant's contact records, newest first."""
    return list(await asyncio.to_thread(node.get, "/api/contacts", token))


async def test_demo_menu_reaches_the_agent_and_the_record_survives_kill_9(
    tmp_path: Path,
) -> None:
    node = Node(tmp_path / "data")
    (tmp_path / "data").mkdir()
    await node.start(demo=True)
    phone = node.phone(tmp_path / "cleo", "1003")
    try:
        await phone.start()
        await phone.wait_registered()
        caller = keys_scenario(tmp_path / "caller.xml", [(800, "2")], then_ms=5000, speak=True)
        result = await run_sipp(caller, node.sip, free_port(), "-m", "1", service="9100")
        assert result.returncode == 0, result.errors[:3000] + node.log()
        established = await phone.wait_event("CALL_ESTABLISHED")
        assert established
        # Self-service: 1, then an order number; the flow says its status, no agent involved.
        # (Not 1 then 1…: SIPp sends a second play_dtmf action's first key with the RTP
        # timestamp of the previous action's last key, so the same key twice is, per RFC
        # 4733, the same event, and a receiver rightly drops it.)
        keys = [(800, "1"), (1500, "87654321#")]
        served = keys_scenario(tmp_path / "served.xml", keys, then_ms=None, speak=True)
        result = await run_sipp(served, node.sip, free_port(), "-m", "1", service="9100")
        assert result.returncode == 0, result.errors[:3000] + node.log()
        token = await asyncio.to_thread(node.login, "supervisor@demo", "demo-supervisor")
        for _ in range(50):
            records = await contacts(node, token)
            if len(records) == 2:
                break
            await asyncio.sleep(0.1)
        await node.kill()  # right after the records are visible: nothing may be in flight
        await node.start(demo=False)
        token = await asyncio.to_thread(node.login, "supervisor@demo", "demo-supervisor")
        after = await contacts(node, token)
        assert [r["id"] for r in after] == [r["id"] for r in records]
        self_served, queued = after
        print(
            "DEBUG", [(r["outcome"], r["arrived_at"], r["flow_path"], r["inputs"]) for r in after]
        )
        assert self_served["outcome"] == "self_service" and self_served["agent_id"] is None
        assert self_served["inputs"] == {"main-menu": ["1"], "ask-order": ["87654321"]}
        assert self_served["flow_path"][-2:] == ["tell-status", "bye"]
        detail = await asyncio.to_thread(node.get, f"/api/contacts/{queued['id']}", token)
    finally:
        await phone.stop()
        await node.stop()
    agents = {a["extension"]: a["id"] for a in await_agents(node)}
    assert detail["outcome"] == "answered", detail
    assert detail["queue_name"] == "support"
    assert detail["agent_id"] == agents["1003"]
    assert detail["dialled_number"] == "9100" and detail["caller_number"] == "sipp"
    assert detail["flow_name"] == "demo-main"
    assert detail["flow_path"][-2:] == ["main-menu", "support"]
    assert detail["inputs"] == {"main-menu": ["2"]}
    times = [detail[k] for k in ("arrived_at", "flow_ended_at", "enqueued_at", "answered_at")]
    assert all(times) and times == sorted(times), times
    assert detail["ended_at"] >= detail["answered_at"]
    assert detail["wait_seconds"] is not None and detail["talk_seconds"] > 1
    assert [o["outcome"] for o in detail["offers"]][-1] == "answered"
    caller_leg, agent_leg = detail["legs"]
    assert (caller_leg["role"], agent_leg["role"]) == ("caller", "agent")
    assert agent_leg["answered_at"] == detail["answered_at"] and agent_leg["ended_at"]
    recording = node.data_dir / detail["recording_path"]  # relative to the data dir
    caller_rms, agent_rms = channel_rms(recording)
    assert caller_rms > 300 and agent_rms > 300, (caller_rms, agent_rms)


def await_agents(node: Node) -> list[dict[str, Any]]:
    """The demo agents, read from the node's SQLite file after it stopped."""
    import sqlite3

    with sqlite3.connect(node.data_dir / "seatline.db") as db:
        rows = db.execute("select extension, id from agents").fetchall()
    return [{"extension": ext, "id": _uuid_text(value)} for ext, value in rows]


def _uuid_text(value: object) -> str:
    import uuid

    if isinstance(value, bytes):
        return str(uuid.UUID(bytes=value))
    text = str(value)
    return str(uuid.UUID(text))
