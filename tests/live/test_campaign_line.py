"""An outbound campaign end to end: SIPp instances are the carrier (a person answers, a
machine answers, the line is busy, nobody answers), the campaign dials the demo tenant's
leads through trunks, detects the machine, bridges the person to a baresip agent, retries by
its rules, skips the do-not-call number and the lead whose calling window is closed, and
writes a record per attempt."""

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
from switch.harness import (
    Baresip,
    SippResult,
    free_media_port,
    free_port,
    run_sipp,
    until_listening,
)
from switch.test_agents import until

from .carrier import carrier_scenario, machine_pcap, person_pcap
from .demo_center import Demo, running_demo

pytestmark = [needs_sipp, needs_baresip]

DOMAIN = "demo.seatline.test"
LEAD = "number\n+15550010001\n"
# Carrier behaviour → (number prefix its trunk routes, calls it must see).
CARRIERS = {
    "person": ("+1555001", 1),
    "machine": ("+1555002", 2),
    "busy": ("+1555003", 2),
    "ring_out": ("+1555004", 1),
}


@pytest.fixture
async def line(tmp_path: Path) -> AsyncIterator[Demo]:
    async with running_demo(tmp_path) as demo:
        yield demo


def _window_around_now() -> tuple[int, int]:
    """A two-hour calling window around now in UTC: open for UTC leads, closed 12 h away."""
    now = dt.datetime.now(dt.UTC)
    minute = now.hour * 60 + now.minute
    return max(0, minute - 60), min(24 * 60, minute + 60)


async def test_a_campaign_dials_detects_bridges_retries_and_records(
    line: Demo, tmp_path: Path
) -> None:
    # The carrier: one SIPp per behaviour, each behind a trunk routing its numbers.
    sounds = tmp_path / "sounds"
    sounds.mkdir()
    pcaps = {"person": person_pcap(sounds), "machine": machine_pcap(sounds)}
    carriers: dict[str, asyncio.Future[SippResult]] = {}
    for behaviour, (prefix, calls) in CARRIERS.items():
        port = free_port()
        scenario = carrier_scenario(
            tmp_path / f"{behaviour}.xml", behaviour, pcaps.get(behaviour), hold_ms=6000
        )
        carriers[behaviour] = asyncio.ensure_future(
            run_sipp(
                scenario,
                line.node.port,
                port,
                "-m",
                str(calls),
                timeout=90,
                media_port=free_media_port(),
            )
        )
        await until_listening(port)
        await line.add_carrier(f"carrier-{behaviour}", port, [prefix])
    # Two agents with auto-answering phones.
    phones = []
    for extension in ("1001", "1002"):
        (tmp_path / extension).mkdir()
        phone = Baresip(
            tmp_path / extension,
            extension,
            f"demo-{extension}",
            DOMAIN,
            line.node.port,
            proxy=f"127.0.0.1:{line.node.port}",
        )
        await phone.start()
        await phone.wait_registered()
        phones.append(phone)
    start, end = _window_around_now()
    leads_csv = (
        "id,number,timezone,name,plan\n"
        "p1,+15550010001,UTC,Alice,gold\n"
        "m1,+15550020001,UTC,Bob,silver\n"
        "b1,+15550030001,UTC,Carol,gold\n"
        "r1,+15550040001,UTC,Dave,gold\n"
        "d1,+15550010009,UTC,Eve,gold\n"
        "w1,+15550010002,Etc/GMT+12,Frank,gold\n"
        "x1,12,UTC,Broken,gold\n"
    )
    events: list[LiveEvent] = []

    async def listen() -> None:
        async for event in line.center.bus.subscribe(str(line.tenant_id)):
            events.append(event)

    listening = asyncio.ensure_future(listen())
    try:
        async with line.database.transaction() as session:
            campaign = await store.create_campaign(
                session,
                line.tenant_id,
                {
                    "name": "spring",
                    "mode": "predictive",
                    "caller_id": "+4930555000",
                    "caller_name": "Demo Energy",
                    "ring_timeout": 15.0,
                    "retries": {
                        "busy": {"max_attempts": 2, "spacing": 1.0},
                        "machine": {"max_attempts": 2, "spacing": 1.0},
                        "no_answer": {"max_attempts": 1, "spacing": 1.0},
                    },
                    "window_start": start,
                    "window_end": end,
                    "window_days": [1, 2, 3, 4, 5, 6, 7],
                    "wrap_up_seconds": 60.0,
                    "require_consent": True,
                },
            )
            campaign_id = campaign.id
            imported = await store.import_leads(session, line.tenant_id, campaign_id, leads_csv)
            await store.set_campaign_agents(
                session,
                line.tenant_id,
                campaign_id,
                [uuid.UUID(line.agents[e]) for e in ("1001", "1002")],
            )
            await store.add_dnc(session, line.tenant_id, "+1 (555) 001-0009", "asked")
        assert imported.added == 6
        assert [(e.line, "number" in e.reason) for e in imported.errors] == [(8, True)]
        async with line.database.transaction() as session:
            await store.update_campaign(session, line.tenant_id, campaign_id, {"active": True})

        def attempts_of(rows: list[CallAttempt], number: str) -> list[CallAttempt]:
            return sorted((a for a in rows if a.number == number), key=lambda a: a.started_at)

        async def attempts() -> list[CallAttempt]:
            async with line.database.sessions() as session:
                return list(await session.scalars(sa.select(CallAttempt)))

        # The person reaches an agent, whose screen shows the lead.
        await until(lambda: any(e.kind == "LeadConnected" for e in events), timeout=30)
        shown = next(e for e in events if e.kind == "LeadConnected")
        assert shown.data["number"] == "+15550010001"
        assert shown.data["fields"] == {"name": "Alice", "plan": "gold"}
        agent_id = shown.data["agent_id"]
        assert agent_id in (line.agents["1001"], line.agents["1002"])
        extension = next(e for e, a in line.agents.items() if a == agent_id)

        # Held away from inbound routing while on the campaign's call.
        assert line.state(extension) == (AgentState.NOT_READY, "outbound spring")

        # Everything resolves: ring-out takes its 15 s.
        async def settled() -> bool:
            rows = await attempts()
            return len(rows) == 6 and all(a.ended_at is not None for a in rows)

        deadline = asyncio.get_running_loop().time() + 60
        while not await settled():
            assert asyncio.get_running_loop().time() < deadline, await attempts()
            await asyncio.sleep(0.3)
        rows = await attempts()

        (person,) = attempts_of(rows, "+15550010001")
        assert (person.result, person.amd_result, person.outcome) == (
            "person",
            "human",
            "connected",
        )
        assert person.agent_id == uuid.UUID(agent_id)
        assert person.wait_seconds is not None and person.wait_seconds <= 2.0
        assert person.amd_seconds is not None and person.amd_seconds < 2.0
        assert person.talk_seconds is not None and person.talk_seconds > 2.0
        assert person.recording_path and Path(person.recording_path).exists()

        machines = attempts_of(rows, "+15550020001")
        assert [(a.result, a.amd_result, a.outcome) for a in machines] == [
            ("machine", "machine", "machine")
        ] * 2
        busy = attempts_of(rows, "+15550030001")
        assert [(a.sip_status, a.outcome) for a in busy] == [(486, "busy")] * 2
        assert busy[1].started_at - busy[0].ended_at >= dt.timedelta(seconds=0.9)
        (rang,) = attempts_of(rows, "+15550040001")
        assert rang.outcome == "no_answer"
        assert rang.ended_at - rang.started_at >= dt.timedelta(seconds=14.5)
        assert not attempts_of(rows, "+15550010009")  # do not call
        assert not attempts_of(rows, "+15550010002")  # its window is closed

        # The agent sets the disposition (with the consent this campaign requires).
        async with line.database.transaction() as session:
            await store.set_disposition(
                session,
                line.tenant_id,
                person.id,
                "completed",
                consent=True,
                now=dt.datetime.now(dt.UTC),
            )
        await until(lambda: line.state(extension) == (AgentState.AVAILABLE, None), timeout=10)

        async def lead_states() -> dict[str, tuple[str, int, str | None]]:
            async with line.database.sessions() as session:
                leads = await session.scalars(sa.select(Lead))
                return {
                    lead.external_id: (lead.state, lead.attempts, lead.disposition)
                    for lead in leads
                }

        deadline = asyncio.get_running_loop().time() + 10
        while (await lead_states())["p1"][0] != "done":
            assert asyncio.get_running_loop().time() < deadline, await lead_states()
            await asyncio.sleep(0.3)
        states = await lead_states()
        assert states["p1"] == ("done", 1, "completed")
        assert states["m1"] == ("done", 2, "exhausted_machine")
        assert states["b1"] == ("done", 2, "exhausted_busy")
        assert states["r1"] == ("done", 1, "exhausted_no_answer")
        assert states["d1"][0] == "blocked" and states["d1"][1] == 0
        assert states["w1"] == ("pending", 0, None)

        # Every carrier saw exactly the calls it was meant to, and each ended cleanly.
        for behaviour, done in carriers.items():
            result = await asyncio.wait_for(done, 30)
            assert result.returncode == 0, (behaviour, result.errors[:2000])
    finally:
        listening.cancel()
        for phone in phones:
            await phone.stop()
        for done in carriers.values():
            done.cancel()


async def test_an_agent_without_a_phone_costs_the_person_a_message_not_silence(
    line: Demo, tmp_path: Path
) -> None:
    port = free_port()
    scenario = carrier_scenario(
        tmp_path / "person.xml", "person", person_pcap(tmp_path), hold_ms=15000
    )
    carrier = asyncio.ensure_future(
        run_sipp(scenario, line.node.port, port, "-m", "1", media_port=free_media_port())
    )
    try:
        await until_listening(port)
        await line.add_carrier("carrier", port, ["+1555"])
        settings = {"name": "winback", "mode": "progressive", "caller_name": "Demo Energy"}
        # 1004 is logged in and ready in the demo but has no phone registered.
        await line.start_campaign(settings | {"caller_id": "+4930555000"}, LEAD, ["1004"])
        result = await asyncio.wait_for(carrier, 40)  # the switch hangs up after the message
        assert result.returncode == 0, result.errors[:2000]

        async def attempt() -> CallAttempt | None:
            async with line.database.sessions() as session:
                return (await session.scalars(sa.select(CallAttempt))).one_or_none()

        await until(lambda: line.state("1004") == (AgentState.NOT_READY, "no-phone"), timeout=10)
        deadline = asyncio.get_running_loop().time() + 10
        while (row := await attempt()) is None or row.ended_at is None:
            assert asyncio.get_running_loop().time() < deadline
            await asyncio.sleep(0.3)
        assert (row.result, row.outcome, row.end_reason) == (
            "person",
            "abandoned",
            "agent-unreachable",
        )
        assert row.answered_at is not None
        # The message (who called, the number to call back) played before the hang-up.
        assert row.ended_at - row.answered_at > dt.timedelta(seconds=4)
        deadline = asyncio.get_running_loop().time() + 5
        while await line.stored("1004") != (False, "no-phone"):  # written just after the pause
            assert asyncio.get_running_loop().time() < deadline
            await asyncio.sleep(0.2)

        async def lead() -> Lead:
            async with line.database.sessions() as session:
                return (await session.scalars(sa.select(Lead))).one()

        # Called again later, not given up on: the person did nothing wrong.
        deadline = asyncio.get_running_loop().time() + 5
        while (await lead()).state != "pending":
            assert asyncio.get_running_loop().time() < deadline, (await lead()).state
            await asyncio.sleep(0.2)
        later = (await lead()).callback_at
        assert later is not None and later > dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)
    finally:
        carrier.cancel()


async def test_stopping_a_campaign_cancels_its_ringing_calls_and_keeps_the_lead(
    line: Demo, tmp_path: Path
) -> None:
    port = free_port()
    scenario = carrier_scenario(tmp_path / "ring.xml", "ring_out")
    carrier = asyncio.ensure_future(
        run_sipp(scenario, line.node.port, port, "-m", "1", media_port=free_media_port())
    )
    try:
        await until_listening(port)
        await line.add_carrier("carrier", port, ["+1555"])
        settings = {"name": "late", "mode": "progressive"}
        campaign_id = await line.start_campaign(settings, LEAD, ["1001"])
        await until(lambda: line.state("1001") == (AgentState.NOT_READY, "outbound late"))
        await asyncio.sleep(1.0)  # ringing
        async with line.database.transaction() as session:
            await store.update_campaign(session, line.tenant_id, campaign_id, {"active": False})
        # The carrier sees the CANCEL; the agent is free for inbound calls again.
        result = await asyncio.wait_for(carrier, 20)
        assert result.returncode == 0, result.errors[:2000]
        await until(lambda: line.state("1001") == (AgentState.AVAILABLE, None))
        async with line.database.sessions() as session:
            (attempt,) = await session.scalars(sa.select(CallAttempt))
            (lead,) = await session.scalars(sa.select(Lead))
        assert (attempt.outcome, attempt.end_reason) == (None, "campaign-stopped")
        assert attempt.ended_at is not None
        assert (lead.state, lead.attempts) == ("dialing", 1)  # due again when restarted
    finally:
        carrier.cancel()
