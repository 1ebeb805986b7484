"""The routing engine on live calls: SIPp callers queue, baresip agents' phones ring and answer."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from seatline.live import LiveAcd, QueueOutcome, QueueResult
from seatline.routing import (
    AgentState,
    ContactRequest,
    QueueConfig,
    RoutingEngine,
    RoutingEvent,
)
from seatline.switch import Call
from switch.conftest import SwitchUnderTest, needs_baresip, needs_sipp
from switch.harness import Baresip, run_sipp, start_sipp, until_listening
from switch.test_agents import channel_rms, until

from .phones import agent_phone

pytestmark = [needs_sipp, needs_baresip]


class Desk:
    """A running ACD with agents whose baresip phones are registered to the switch."""

    def __init__(self, switch: SwitchUnderTest, tmp_path: Path) -> None:
        self.switch = switch
        self.tmp = tmp_path
        self.events: list[RoutingEvent] = []
        self.engine = RoutingEngine()
        self.engine.add_queue(QueueConfig("support", offer_timeout=2.0, wrap_up=1.0))
        self.acd = LiveAcd(self.engine, self.events.append)
        self.phones: list[Baresip] = []
        self.outcomes: list[QueueOutcome] = []

    async def agent(self, name: str, answermode: str = "auto") -> Baresip:
        """Register an agent's phone and log the agent in, ready."""
        phone = await agent_phone(self.switch, self.tmp, self.acd, name, answermode)
        self.phones.append(phone)
        return phone

    def number(self, service: str, record: bool = False) -> None:
        """Route `service` to the queue: answer, then wait for an agent."""

        async def queue_app(call: Call) -> None:
            await call.answer()
            record_to = self.tmp / f"{call.id}.wav" if record else None
            request = ContactRequest(call.id, "support")
            self.outcomes.append(await self.acd.enqueue(call, request, record_to))

        self.switch.router.add(service, queue_app)

    def state(self, agent_id: str) -> AgentState:
        """The agent's state in the engine right now."""
        snapshot = self.engine.snapshot(self.acd.now())
        return next(a.state for a in snapshot.agents if a.agent_id == agent_id)


@pytest.fixture
async def desk(switch: SwitchUnderTest, tmp_path: Path) -> AsyncIterator[Desk]:
    desk = Desk(switch, tmp_path)
    try:
        yield desk
    finally:
        await desk.acd.close()
        for phone in desk.phones:
            await phone.stop()


async def settled(predicate: Callable[[], object]) -> None:
    await until(predicate, timeout=15)


async def test_caller_is_offered_to_the_agent_and_recorded(desk: Desk) -> None:
    await desk.agent("alice")
    desk.number("7500", record=True)
    result = await run_sipp(
        "uac_pcap.xml", desk.switch.port, desk.switch.sipp_port, "-m", "1", service="7500"
    )
    assert result.returncode == 0, result.errors[:2000]
    await settled(lambda: desk.outcomes)
    (outcome,) = desk.outcomes
    assert outcome.result is QueueResult.ANSWERED
    assert outcome.agent_id == "alice"
    assert [(o.agent_id, o.outcome) for o in outcome.offers] == [("alice", "answered")]
    assert outcome.answered_at is not None and outcome.left_at >= outcome.answered_at
    caller_rms, agent_rms = channel_rms(next(desk.tmp.glob("*.wav")))
    assert caller_rms > 300 and agent_rms > 300, (caller_rms, agent_rms)
    # Wrap-up after the call, then available again.
    assert desk.state("alice") is AgentState.WRAP_UP
    await settled(lambda: desk.state("alice") is AgentState.AVAILABLE)


async def test_unanswered_offer_goes_to_the_next_agent(desk: Desk) -> None:
    sleepy = await desk.agent("sleepy", answermode="manual")
    await desk.agent("bob")
    desk.engine.set_not_ready("bob", "break", desk.acd.now())  # sleepy is offered first
    desk.number("7501")
    caller = asyncio.ensure_future(
        run_sipp(
            "uac_prompt.xml",
            desk.switch.port,
            desk.switch.sipp_port,
            "-m",
            "1",
            "-d",
            "6000",
            service="7501",
        )
    )
    await sleepy.wait_event("CALL_INCOMING")
    desk.acd.set_ready("bob")
    result = await caller
    assert result.returncode == 0, result.errors[:2000]
    await settled(lambda: desk.outcomes)
    (outcome,) = desk.outcomes
    assert outcome.result is QueueResult.ANSWERED and outcome.agent_id == "bob"
    assert [(o.agent_id, o.outcome) for o in outcome.offers] == [
        ("sleepy", "no_answer"),
        ("bob", "answered"),
    ]
    await sleepy.wait_event("CALL_CLOSED")  # its ringing was cancelled at the offer timeout
    assert desk.state("sleepy") is AgentState.NOT_READY  # and it was set not ready


async def test_caller_hanging_up_while_queued_is_abandoned(desk: Desk) -> None:
    desk.number("7502")
    result = await run_sipp(
        "uac_prompt.xml",
        desk.switch.port,
        desk.switch.sipp_port,
        "-m",
        "1",
        "-d",
        "1500",
        service="7502",
    )
    assert result.returncode == 0, result.errors[:2000]
    await settled(lambda: desk.outcomes)
    (outcome,) = desk.outcomes
    assert outcome.result is QueueResult.ABANDONED
    assert 1.0 < outcome.wait < 5.0
    assert any(type(e).__name__ == "Abandoned" for e in desk.events)


async def test_callback_keeps_the_place_and_is_dialled_when_an_agent_frees_up(
    desk: Desk,
) -> None:
    callbacks: list[tuple[str, QueueOutcome]] = []
    desk.acd.on_callback = lambda contact_id, outcome: callbacks.append((contact_id, outcome))
    customer_port = desk.switch.sipp_uas_port

    async def virtual_hold(call: Call) -> None:
        await call.answer()
        request = ContactRequest(call.id, "support")
        waiting = asyncio.ensure_future(
            desk.acd.enqueue(call, request, callback_number=f"sip:me@127.0.0.1:{customer_port}")
        )
        await asyncio.sleep(0.5)
        desk.acd.request_callback(call.id)  # the caller pressed "call me back"
        desk.outcomes.append(await waiting)

    desk.switch.router.add("7503", virtual_hold)
    caller = await run_sipp(
        "uac_wait_bye.xml", desk.switch.port, desk.switch.sipp_port, "-m", "1", service="7503"
    )
    assert caller.returncode == 0, caller.errors[:2000]  # released once the callback was taken
    (outcome,) = desk.outcomes
    assert outcome.result is QueueResult.CALLBACK
    customer = start_sipp("uas_answer.xml", desk.switch.port, customer_port, "-m", "1")
    await until_listening(customer_port)
    bob = await desk.agent("bob")  # an agent frees up: bob's phone rings first, then we dial
    await bob.wait_event("CALL_ESTABLISHED")
    await settled(lambda: desk.switch.service.core.stats["calls_out"] >= 2)
    await asyncio.sleep(0.5)
    await bob.command("hangup")
    result = await customer
    assert result.returncode == 0, result.errors[:2000]
    await settled(lambda: callbacks)
    ((_, done),) = callbacks
    assert done.result is QueueResult.ANSWERED and done.agent_id == "bob"
    assert not outcome.offers  # nobody was offered the call while the caller waited
    assert [(o.agent_id, o.outcome) for o in done.offers] == [("bob", "answered")]
