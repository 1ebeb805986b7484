"""`seatline up --demo` runs an outbound campaign set up over HTTP: a supervisor adds the
carrier trunk, the campaign, its agent and its leads (a bad row reported by line) and starts
it; the person the carrier answers with reaches the agent's baresip phone; the agent sees the
lead through the API and sets the disposition; the attempts are listed."""

from __future__ import annotations

import asyncio
import urllib.error
from pathlib import Path
from typing import Any

import pytest

from switch.conftest import needs_baresip, needs_sipp
from switch.harness import free_media_port, free_port, run_sipp, until_listening

from .carrier import carrier_scenario, person_pcap
from .node import Node

pytestmark = [needs_sipp, needs_baresip]


async def test_a_campaign_set_up_over_http_reaches_the_agent(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    node = Node(tmp_path / "data")
    await node.start(demo=True)
    port = free_port()
    scenario = carrier_scenario(
        tmp_path / "person.xml", "person", person_pcap(tmp_path), hold_ms=6000
    )
    carrier = asyncio.ensure_future(
        run_sipp(scenario, node.sip, port, "-m", "1", media_port=free_media_port())
    )
    phone = node.phone(tmp_path / "cleo", "1003")

    async def call(method: str, path: str, token: str, body: object = None, **kw: str) -> Any:
        return await asyncio.to_thread(node.send, method, path, token, body, **kw)

    try:
        await until_listening(port)
        await phone.start()
        await phone.wait_registered()
        boss = await asyncio.to_thread(node.login, "admin@demo", "demo-admin")
        agent = await asyncio.to_thread(node.login, "agent1003@demo", "demo-agent")
        trunk = {
            "name": "carrier",
            "direction": "outbound",
            "outbound_host": "127.0.0.1",
            "outbound_port": port,
            "outbound_prefixes": ["+1555"],
        }
        await call("POST", "/api/trunks", boss, trunk)
        # The operator lets the tenant dial those numbers (nothing leaves without its rules).
        operator = await asyncio.to_thread(node.login, "platform@demo", "demo-platform")
        (tenant,) = await asyncio.to_thread(node.get, "/api/tenants", operator)
        rules = {"dial_allowed": ["+1555*"]}
        await call("PATCH", f"/api/tenants/{tenant['id']}", operator, rules)
        agents = await asyncio.to_thread(node.get, "/api/agents", boss)
        cleo = next(a["id"] for a in agents if a["extension"] == "1003")
        body = {
            "name": "spring",
            "mode": "progressive",
            "caller_id": "+4930123456",  # the demo tenant's own number
            "caller_name": "Demo Energy",
            "window_start": 0,
            "window_end": 1440,
            "window_days": [1, 2, 3, 4, 5, 6, 7],
            "require_consent": True,
        }
        campaign = await call("POST", "/api/campaigns", boss, body)
        base = f"/api/campaigns/{campaign['id']}"
        await call("PUT", f"{base}/agents", boss, {"agent_ids": [cleo]})
        leads = "id,number,name,tariff\nc1,+15550010001,Alice,green\nc2,12,Bob,grey\n"
        imported = await call("POST", f"{base}/leads", boss, leads, content_type="text/csv")
        assert imported["added"] == 1
        assert [(e["line"], "number" in e["reason"]) for e in imported["errors"]] == [(3, True)]
        # Started at once: the campaign asks the switch for the trunk added a moment ago.
        await call("POST", f"{base}/start", boss)

        # The agent's phone rings and answers; the agent's screen has the lead.
        assert await phone.wait_event("CALL_ESTABLISHED", timeout=30), node.log()
        current = None
        for _ in range(50):
            try:
                current = await asyncio.to_thread(node.get, "/api/campaign-calls/current", agent)
                break
            except urllib.error.HTTPError as error:
                assert error.code == 404
                await asyncio.sleep(0.2)
        assert current is not None, node.log()
        assert current["lead"]["number"] == "+15550010001"
        assert current["lead"]["fields"] == {"name": "Alice", "tariff": "green"}
        assert current["campaign"]["require_consent"] is True

        # Consent is required by this campaign: without it the disposition is refused.
        attempt = current["attempt"]["id"]
        disposition = f"/api/campaign-calls/{attempt}/disposition"
        with pytest.raises(urllib.error.HTTPError) as refused:
            await call("POST", disposition, agent, {"code": "sale"})
        assert refused.value.code == 422
        answer = {"code": "sale", "consent": True}
        await call("POST", disposition, agent, answer)

        result = await asyncio.wait_for(carrier, 30)
        assert result.returncode == 0, result.errors[:2000]
        for _ in range(50):
            (row,) = await asyncio.to_thread(node.get, f"{base}/attempts", boss)
            if row["ended_at"] is not None:
                break
            await asyncio.sleep(0.2)
        assert (row["result"], row["amd_result"], row["outcome"]) == (
            "person",
            "human",
            "connected",
        )
        assert (row["disposition"], row["consent"]) == ("sale", True)
        assert row["agent_id"] == cleo
        (lead,) = await asyncio.to_thread(node.get, f"{base}/leads", boss)
        assert lead["attempts"] == 1
    finally:
        carrier.cancel()
        await phone.stop()
        await node.stop()
