"""Queue rules on live calls: VIP first, overflow on time, after hours, callbacks dialled back."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from seatline.flows import FlowOutcome, FlowRun, LookupSource, load_flow
from seatline.flows import actions as a
from seatline.flows import events as e
from seatline.flows.calendar import calendar_from_dict
from seatline.live import LiveAcd, QueueOutcome, QueueResult
from seatline.live.flow_driver import FlowReport, drive_flow
from seatline.live.waiting import WaitingPolicy, announcement
from seatline.routing import (
    CallbackRequested,
    ContactRequest,
    Offered,
    OverflowAction,
    OverflowStep,
    QueueConfig,
    RoutingEngine,
    RoutingEvent,
)
from seatline.switch import Call
from switch.conftest import SwitchUnderTest, needs_baresip, needs_sipp
from switch.harness import Baresip, run_sipp, start_sipp, until_listening
from switch.test_agents import channel_rms, until

from .callers import keys_scenario
from .phones import agent_phone
from .test_flow_driver import DEMO_FLOW

pytestmark = [needs_sipp]

CLOSED = {"name": "support-hours", "time_zone": "UTC", "weekly": {}}


class Floor:
    """A queue on the test switch, agents on baresip, callers from SIPp."""

    def __init__(self, switch: SwitchUnderTest, tmp: Path, queue: QueueConfig) -> None:
        self.switch = switch
        self.tmp = tmp
        self.events: list[RoutingEvent] = []
        self.engine = RoutingEngine()
        self.engine.add_queue(queue)
        self.acd = LiveAcd(self.engine, self.events.append)
        self.phones: list[Baresip] = []
        self.outcomes: dict[str, QueueOutcome] = {}
        self.contacts: dict[str, str] = {}  # service number → contact id

    async def agent(self, name: str) -> Baresip:
        """A registered, logged-in, ready agent."""
        phone = await agent_phone(self.switch, self.tmp, self.acd, name)
        self.phones.append(phone)
        return phone

    def number(
        self,
        service: str,
        queue: str,
        vip: bool = False,
        policy: WaitingPolicy | None = None,
        unstaffed_voicemail: bool = False,
    ) -> None:
        """Answer and queue (VIP when asked), recording the caller's leg."""

        async def queue_app(call: Call) -> None:
            await call.answer()
            self.contacts[service] = call.id
            request = ContactRequest(call.id, queue, vip=vip)
            call.start_recording(self.tmp / f"{service}.wav")  # the wait included
            self.outcomes[service] = await self.acd.enqueue(
                call, request, waiting_policy=policy, leave_when_unstaffed=unstaffed_voicemail
            )

        self.switch.router.add(service, queue_app)


@pytest.fixture
async def floor(switch: SwitchUnderTest, tmp_path: Path) -> AsyncIterator[Floor]:
    queue = QueueConfig(
        "support",
        offer_timeout=5.0,
        overflow=(OverflowStep(2.0, OverflowAction.VOICEMAIL),),
    )
    floor = Floor(switch, tmp_path, queue)
    floor.engine.add_queue(QueueConfig("sales", offer_timeout=5.0))
    try:
        yield floor
    finally:
        await floor.acd.close()
        for phone in floor.phones:
            await phone.stop()


async def test_overflow_step_fires_at_its_time(floor: Floor) -> None:
    floor.number("7700", "support")
    result = await run_sipp(
        "uac_wait_bye.xml", floor.switch.port, floor.switch.sipp_port, "-m", "1", service="7700"
    )
    assert result.returncode == 0, result.errors[:2000]  # hung up by the switch after voicemail
    outcome = floor.outcomes["7700"]
    assert outcome.result is QueueResult.VOICEMAIL
    assert 1.9 <= outcome.wait < 4.0, outcome.wait


@needs_baresip
async def test_vip_caller_overtakes_earlier_callers(floor: Floor, tmp_path: Path) -> None:
    floor.number("7701", "sales")
    floor.number("7702", "sales", vip=True)
    ports = [floor.switch.sipp_port, floor.switch.sipp_uas_port]
    callers = []
    for service, port in zip(("7701", "7702"), ports, strict=True):
        callers.append(
            start_sipp(
                "uac_prompt.xml", floor.switch.port, port, "-m", "1", "-d", "4000", service=service
            )
        )
        await until_listening(port)
        await until(lambda n=len(callers): len(floor.acd._waiting) == n)
    await floor.agent("ann")  # one agent for two callers: the VIP, though later, goes first
    for caller in callers:
        assert (await caller).returncode == 0
    first_offer = next(e for e in floor.events if isinstance(e, Offered))
    assert first_offer.contact_id == floor.contacts["7702"]
    vip = floor.outcomes["7702"]
    assert vip.result is QueueResult.ANSWERED and vip.agent_id == "ann"
    assert floor.outcomes["7701"].result is QueueResult.ABANDONED
    assert [o.agent_id for o in floor.outcomes["7701"].offers] == []


class ClosedServices:
    """Ports for the after-hours flow: no lookups; callbacks booked in the live ACD."""

    def __init__(self, floor: Floor, callback_to: str) -> None:
        self.floor = floor
        self.callback_to = callback_to

    async def lookup(self, source: LookupSource, key: str) -> e.LookupResult | e.LookupFailed:
        raise AssertionError("the closed branch looks nothing up")

    async def enqueue(self, call: Call, action: a.Enqueue) -> QueueOutcome:
        raise AssertionError("the closed branch queues nobody")

    def request_callback(self, call: Call, action: a.RequestCallback) -> None:
        request = ContactRequest(call.id, action.queue, priority=action.priority)
        self.floor.acd.book_callback(
            self.floor.switch.service.core, call, request, self.callback_to
        )

    def prompt_path(self, prompt: str) -> Path:
        return self.floor.tmp / f"{prompt}.wav"

    def voicemail_path(self, call: Call) -> Path:
        return self.floor.tmp / "voicemail.wav"


def closed_line(floor: Floor, callback_to: str) -> list[FlowReport]:
    """The demo flow with its support hours closed, on 7710."""
    flow = load_flow(DEMO_FLOW.read_text(), calendars={"support-hours"})
    calendars = {"support-hours": calendar_from_dict(CLOSED)}
    reports: list[FlowReport] = []

    async def app(call: Call) -> None:
        run = FlowRun(flow, calendars=calendars)
        started = e.Started(call.caller, call.number, contact_id=call.id)
        reports.append(await drive_flow(call, run, ClosedServices(floor, callback_to), started))

    floor.switch.router.add("7710", app)
    return reports


async def test_after_hours_the_caller_leaves_a_message(floor: Floor) -> None:
    reports = closed_line(floor, "")
    scenario = keys_scenario(floor.tmp / "c.xml", [(1000, "2")], then_ms=8000)
    result = await run_sipp(
        scenario, floor.switch.port, floor.switch.sipp_port, "-m", "1", service="7710"
    )
    assert result.returncode == 0, result.errors[:2000]
    await until(lambda: reports)
    (report,) = reports
    assert report.ended is not None and report.ended.path[:2] == ("hours", "closed")
    assert report.ended.path[-1] == "leave-message"
    assert report.voicemail is not None and report.voicemail.exists()


@needs_baresip
async def test_after_hours_callback_is_dialled_when_an_agent_frees_up(floor: Floor) -> None:
    customer_port = floor.switch.sipp_uas_port
    reports = closed_line(floor, f"sip:me@127.0.0.1:{customer_port}")
    callbacks: list[QueueOutcome] = []
    floor.acd.on_callback = lambda contact_id, outcome: callbacks.append(outcome)
    scenario = keys_scenario(floor.tmp / "c.xml", [(1000, "1")], then_ms=None)
    result = await run_sipp(
        scenario, floor.switch.port, floor.switch.sipp_port, "-m", "1", service="7710"
    )
    assert result.returncode == 0, result.errors[:2000]
    await until(lambda: reports)
    assert reports[0].ended is not None and reports[0].ended.outcome is FlowOutcome.CALLBACK
    customer = start_sipp("uas_answer.xml", floor.switch.port, customer_port, "-m", "1")
    await until_listening(customer_port)
    ann = await floor.agent("ann")
    await ann.wait_event("CALL_ESTABLISHED")
    await asyncio.sleep(1.0)
    await ann.command("hangup")
    assert (await customer).returncode == 0
    await until(lambda: callbacks)
    assert callbacks[0].result is QueueResult.ANSWERED and callbacks[0].agent_id == "ann"


def test_the_announcement_says_place_wait_and_key() -> None:
    assert announcement(3, 95.0, "1") == (
        "You are caller number 3 in the queue. Your expected wait is about 2 minutes. "
        "To be called back without losing your place, press 1."
    )
    assert announcement(1, 10.0, None) == (
        "You are caller number 1 in the queue. Your expected wait is about 1 minute."
    )
    assert announcement(None, None, None) == ""


@needs_baresip
async def test_waiting_caller_hears_music_and_news_and_takes_a_callback(floor: Floor) -> None:
    await floor.agent("ann")
    floor.number("7720", "sales")
    floor.number("7721", "sales", policy=WaitingPolicy(announce_every=1.0))
    busy = start_sipp(
        "uac_prompt.xml",
        floor.switch.port,
        floor.switch.sipp_uas_port,
        "-m",
        "1",
        "-d",
        "12000",
        service="7720",
    )
    await until_listening(floor.switch.sipp_uas_port)
    await until(
        lambda: (
            "7720" in floor.contacts
            and floor.acd.engine.snapshot(0).agents[0].state.value == "on_contact"
        )
    )
    # Caller 2 waits behind the busy agent: music, then "caller number 1 ... press 1".
    scenario = keys_scenario(floor.tmp / "c2.xml", [(4500, "1")], then_ms=None)
    waiting = await run_sipp(
        scenario, floor.switch.port, floor.switch.sipp_port, "-m", "1", service="7721"
    )
    assert waiting.returncode == 0, waiting.errors[:2000]  # released by the switch
    outcome = floor.outcomes["7721"]
    assert outcome.result is QueueResult.CALLBACK
    assert any(isinstance(e, CallbackRequested) for e in floor.events)
    _, heard = channel_rms(floor.tmp / "7721.wav")
    assert heard > 100  # music on hold and the announcement went to the caller
    await busy


async def test_nobody_logged_in_sends_the_caller_to_voicemail_at_once(floor: Floor) -> None:
    floor.number("7730", "sales", unstaffed_voicemail=True)
    result = await run_sipp(
        "uac_wait_bye.xml", floor.switch.port, floor.switch.sipp_port, "-m", "1", service="7730"
    )
    assert result.returncode == 0, result.errors[:2000]
    outcome = floor.outcomes["7730"]
    assert outcome.result is QueueResult.VOICEMAIL
    assert outcome.wait < 1.0  # not after the overflow or max wait: there was nobody at all


async def test_hanging_up_during_the_voicemail_prompt_ends_the_flow(floor: Floor) -> None:
    # The caller leaves while the voicemail prompt plays: the batch that would record and
    # end the flow is cut short; the flow still ends (it once spun for ever right here).
    reports = closed_line(floor, "")
    scenario = keys_scenario(floor.tmp / "c.xml", [(1000, "2")], then_ms=1000)
    result = await run_sipp(
        scenario, floor.switch.port, floor.switch.sipp_port, "-m", "1", service="7710"
    )
    assert result.returncode == 0, result.errors[:2000]
    await until(lambda: reports, timeout=5)
    (report,) = reports
    assert report.ended is not None and report.ended.outcome is FlowOutcome.VOICEMAIL
    assert report.ended.path[-1] == "leave-message" and report.voicemail is None
