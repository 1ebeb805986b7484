"""A preview campaign on the live switch: the agent sees the lead first and chooses to dial or
skip it; the campaign holds the agent away from inbound routing meanwhile and gives it back
as it asked to be; a settings change restarts the campaign from the store without calling
anyone twice."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from seatline.live.bus import LiveEvent
from seatline.routing import AgentState
from seatline.store import campaigns as store
from seatline.store.models import CallAttempt, Lead
from switch.conftest import needs_baresip, needs_sipp
from switch.harness import Baresip, free_media_port, free_port, run_sipp, until_listening
from switch.test_agents import until

from .carrier import carrier_scenario, person_pcap
from .demo_center import Demo, running_demo

pytestmark = [needs_sipp, needs_baresip]


@pytest.fixture
async def demo(tmp_path: Path) -> AsyncIterator[Demo]:
    async with running_demo(tmp_path) as demo:
        yield demo


async def test_preview_dial_skip_hold_and_restart(demo: Demo, tmp_path: Path) -> None:
    port = free_port()
    scenario = carrier_scenario(
        tmp_path / "person.xml", "person", person_pcap(tmp_path), hold_ms=5000
    )
    carrier = asyncio.ensure_future(
        run_sipp(scenario, demo.node.port, port, "-m", "1", media_port=free_media_port())
    )
    await until_listening(port)
    (tmp_path / "1003").mkdir()
    phone = Baresip(
        tmp_path / "1003",
        "1003",
        "demo-1003",
        "demo.seatline.test",
        demo.node.port,
        proxy=f"127.0.0.1:{demo.node.port}",
    )
    events: list[LiveEvent] = []

    async def listen() -> None:
        async for event in demo.center.bus.subscribe(str(demo.tenant_id)):
            events.append(event)

    listening = asyncio.ensure_future(listen())
    agent_id = demo.agents["1003"]
    try:
        await phone.start()
        await phone.wait_registered()
        await demo.add_carrier("carrier", port, ["+1555"])
        settings = {"name": "renewals", "mode": "preview", "wrap_up_seconds": 120.0}
        csv = "id,number,name\nfirst,+15550010001,Ada\nsecond,+15550010002,Grace\n"
        campaign = await demo.start_campaign(settings, csv, ["1003"])
        campaign_id = str(campaign)

        def shown(kind: str) -> list[LiveEvent]:
            return [e for e in events if e.kind == kind and e.data["agent_id"] == agent_id]

        def answer(kind: str, lead_id: str) -> None:
            # What POST /api/campaigns/{id}/preview/{lead}/dial|skip publishes after commit.
            data = {"campaign_id": campaign_id, "lead_id": lead_id, "agent_id": agent_id}
            demo.center.bus.publish(LiveEvent("campaign", str(demo.tenant_id), kind, data))

        # The agent sees the first lead, and inbound routing sees the agent busy with it.
        await until(lambda: shown("LeadPreview"), timeout=10)
        first = shown("LeadPreview")[0].data
        assert (first["number"], first["fields"]) == ("+15550010001", {"name": "Ada"})
        assert demo.state("1003") == (AgentState.NOT_READY, "outbound renewals")

        # Dial: the person answers, is recognised as a person and talks to the agent.
        answer("PreviewAccepted", first["lead_id"])
        await until(lambda: shown("LeadConnected"), timeout=15)
        assert shown("LeadConnected")[0].data["lead_id"] == first["lead_id"]
        result = await asyncio.wait_for(carrier, 30)  # the person hung up after 5 s
        assert result.returncode == 0, result.errors[:2000]

        # In wrap-up the campaign's dialling is changed: it restarts from the store. The agent
        # is given back as it asked to be (ready), the lead that talked is not called again,
        # and the next lead is previewed.
        await until(lambda: demo.center.dialers.runner(campaign) is not None)
        old_runner = demo.center.dialers.runner(campaign)
        assert old_runner is not None
        # What the dialer does not use is applied in place: the calls in progress go on.
        async with demo.database.transaction() as session:
            await store.update_campaign(
                session, demo.tenant_id, campaign, {"caller_name": "Renewals Desk"}
            )
        await until(lambda: old_runner.settings.caller_name == "Renewals Desk")
        assert demo.center.dialers.runner(campaign) is old_runner
        async with demo.database.transaction() as session:
            await store.update_campaign(session, demo.tenant_id, campaign, {"max_attempts": 5})
        # (Between the two runners there is a moment with none.)
        await until(lambda: demo.center.dialers.runner(campaign) not in (None, old_runner))
        restarted = demo.center.dialers.runner(campaign)
        assert restarted is not None  # and it remembers the person who answered, for the cap
        assert (restarted.campaign.abandons.answered, restarted.campaign.abandon_rate) == (1, 0.0)
        await until(lambda: len(shown("LeadPreview")) == 2, timeout=10)
        second = shown("LeadPreview")[1].data
        assert second["number"] == "+15550010002"

        # Skip: the lead waits for later and the agent is free for inbound calls again.
        answer("PreviewSkipped", second["lead_id"])
        await until(lambda: demo.state("1003") == (AgentState.AVAILABLE, None), timeout=10)

        async def leads() -> dict[str, Lead]:
            async with demo.database.sessions() as session:
                return {lead.external_id: lead for lead in await session.scalars(sa.select(Lead))}

        deadline = asyncio.get_running_loop().time() + 10
        while (await leads())["second"].state != "pending":
            assert asyncio.get_running_loop().time() < deadline
            await asyncio.sleep(0.3)
        stored = await leads()
        assert (stored["first"].state, stored["first"].attempts) == ("done", 1)
        assert (stored["second"].state, stored["second"].attempts) == ("pending", 0)
        later = stored["second"].due_at
        assert later is not None and later > dt.datetime.now(dt.UTC) + dt.timedelta(minutes=4)
        async with demo.database.sessions() as session:
            (attempt,) = await session.scalars(sa.select(CallAttempt))
        assert (attempt.outcome, attempt.agent_id) == ("connected", uuid.UUID(agent_id))
    finally:
        listening.cancel()
        carrier.cancel()
        await phone.stop()
