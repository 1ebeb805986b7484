"""One tenant's ACD on live calls: the routing engine's decisions become rings on agents' phones.

The engine stays pure: `LiveAcd` feeds it what happens on the switch (a caller queued, an agent
answered or not, a hang-up) with the event loop's monotonic time, carries out its decisions
(`Offer` rings every phone of the agent, `CancelOffer` stops that ring) and sleeps until its
next deadline (offer timeouts, wrap-up ends, overflow steps).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from seatline.live.outcomes import AgentLeg, OfferRecord, QueueOutcome, QueueResult
from seatline.live.waiting import WaitingPolicy, keep_company
from seatline.routing import (
    AgentState,
    AgentStateChanged,
    CancelOffer,
    ContactRequest,
    DialCallback,
    IllegalContactOperation,
    Offer,
    Reject,
    RoutingEngine,
    RoutingError,
    RoutingEvent,
    ToCallback,
    ToVoicemail,
)
from seatline.switch import Call, CallEnded, HungUp

if TYPE_CHECKING:
    from seatline.switch.core import SipCore

__all__ = ["NO_PHONE", "AgentLeg", "LiveAcd", "OfferRecord", "QueueOutcome", "QueueResult"]

log = logging.getLogger(__name__)

# Offers end by the engine's own offer timeout (`CancelOffer`); this only bounds a lost ring.
RING_LIMIT = 600.0
# The not-ready reason of an agent whose phone is not registered (cleared when it is).
NO_PHONE = "no-phone"
_AWAY = (AgentState.NOT_READY, AgentState.OFFLINE)


@dataclass
class _Waiting:
    """A queued caller and everything in flight for it."""

    call: Call
    request: ContactRequest
    done: asyncio.Future[QueueOutcome]
    enqueued_at: float
    record_to: Path | None = None
    callback_number: str = ""
    agent_leg: AgentLeg | None = None
    core: SipCore | None = None  # set for a callback booked with no call behind it
    leave_when_unstaffed: bool = False
    rings: dict[str, asyncio.Task[None]] = field(default_factory=dict)
    company: asyncio.Task[None] | None = None  # music and announcements while waiting
    offers: list[OfferRecord] = field(default_factory=list)
    connected: bool = False


class LiveAcd:
    """Drives one tenant's `RoutingEngine` from live calls."""

    def __init__(
        self,
        engine: RoutingEngine,
        on_event: Callable[[RoutingEvent], None] | None = None,
        on_callback: Callable[[str, QueueOutcome], None] | None = None,
    ) -> None:
        self.engine = engine
        self.on_event = on_event
        self.on_callback = on_callback  # (contact id, outcome) when a callback call ended
        self._loop = asyncio.get_running_loop()
        self._waiting: dict[str, _Waiting] = {}
        self._timer: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    # -- clocks --------------------------------------------------------------------------
    def now(self) -> float:
        """The engine's time: the event loop's monotonic clock."""
        return self._loop.time()

    def wall(self, at: float | None = None) -> float:
        """Wall-clock seconds for engine time `at` (now by default), for records."""
        return time.time() - (self.now() - at if at is not None else 0.0)

    # -- agents --------------------------------------------------------------------------
    def agent_login(self, agent_id: str, ready: bool = True) -> None:
        """Log an agent in (and make it ready unless told otherwise)."""
        now = self.now()
        self.engine.agent_login(agent_id, now)
        if ready:
            self.engine.set_ready(agent_id, now)
        self._settle()

    def set_ready(self, agent_id: str) -> None:
        """Make a logged-in agent available."""
        self.engine.set_ready(agent_id, self.now())
        self._settle()

    def set_not_ready(self, agent_id: str, reason: str) -> None:
        """Pause an agent with a reason code."""
        self.engine.set_not_ready(agent_id, reason, self.now())
        self._settle()

    def agent_logout(self, agent_id: str) -> None:
        """Log an agent out (refused by the engine while it is on a contact)."""
        self.engine.agent_logout(agent_id, self.now())
        self._settle()

    # -- callers -------------------------------------------------------------------------
    async def enqueue(
        self,
        call: Call,
        request: ContactRequest,
        record_to: Path | None = None,
        callback_number: str | None = None,
        waiting_policy: WaitingPolicy | None = None,
        leave_when_unstaffed: bool = False,
    ) -> QueueOutcome:
        """Queue `call` and wait: until its conversation with an agent ended, or it left.

        A caller who leaves with a callback keeps the place; `callback_number` (the caller's
        number by default) is dialled once an agent takes it, and `on_callback` reports how
        that call went. With `leave_when_unstaffed`, a caller nobody ready could serve goes
        to voicemail at once instead of waiting.
        """
        if request.contact_id in self._waiting:
            raise RoutingError(f"contact {request.contact_id!r} is already queued")
        waiting = _Waiting(
            call,
            request,
            self._loop.create_future(),
            self.wall(),
            record_to,
            callback_number or call.caller,
        )
        self._waiting[request.contact_id] = waiting
        call.on(lambda event: self._caller_event(waiting, event))
        try:
            self.engine.contact_arrived(request, self.now())
        except RoutingError:
            del self._waiting[request.contact_id]
            raise
        self._settle()
        waiting.leave_when_unstaffed = leave_when_unstaffed
        self._leave_if_unstaffed(waiting)
        if call.ended:
            self._caller_gone(waiting)
        elif waiting_policy is not None and not waiting.done.done() and not waiting.connected:
            waiting.company = self._loop.create_task(self._company(waiting, waiting_policy))
        # `_finish` forgets the contact, except a callback's: it keeps its place.
        return await asyncio.shield(waiting.done)

    def _leave_if_unstaffed(self, waiting: _Waiting) -> None:
        """Nobody ready can take the call: waiting would be in vain, so the queue's voicemail
        takes it now (the flow decides what voicemail means)."""
        if waiting.leave_when_unstaffed and self._unstaffed(waiting):
            self.engine.send_to_voicemail(waiting.request.contact_id, self.now())
            self._settle()

    def _unstaffed(self, waiting: _Waiting) -> bool:
        """Whether a still-waiting contact has no ready agent who could ever take it."""
        if waiting.done.done() or waiting.connected or waiting.rings:
            return False
        try:
            return self.engine.expected_wait(waiting.request.contact_id, self.now()) is None
        except RoutingError:
            return False

    async def _company(self, waiting: _Waiting, policy: WaitingPolicy) -> None:
        """Keep the caller company until an agent answers or the caller leaves."""
        contact_id = waiting.request.contact_id

        def place() -> tuple[int | None, float | None]:
            try:
                return (
                    self.engine.position(contact_id),
                    self.engine.expected_wait(contact_id, self.now()),
                )
            except RoutingError:  # being offered right now: no place in the line to tell
                return None, None

        async def callback() -> None:
            self.request_callback(contact_id)

        with contextlib.suppress(CallEnded):
            await keep_company(waiting.call, policy, place, callback)

    def _stop_company(self, waiting: _Waiting) -> None:
        if waiting.company is not None and waiting.company is not asyncio.current_task():
            waiting.company.cancel()
        waiting.company = None

    def book_callback(
        self, core: SipCore, call: Call, request: ContactRequest, number: str
    ) -> QueueOutcome:
        """Book a callback from a flow (e.g. after hours): it waits in the queue like a caller
        who asked for one, and `number` is dialled when an agent takes it."""
        if request.contact_id in self._waiting:
            raise RoutingError(f"contact {request.contact_id!r} is already queued")
        waiting = _Waiting(
            call, request, self._loop.create_future(), self.wall(), None, number, core=core
        )
        self._waiting[request.contact_id] = waiting
        now = self.now()
        try:
            self.engine.contact_arrived(request, now)
        except RoutingError:
            del self._waiting[request.contact_id]
            raise
        # Offered at once (an agent was free)? Then `_carry_out` dials back straight away.
        with contextlib.suppress(IllegalContactOperation):
            self.engine.request_callback(request.contact_id, now)
        self._finish(waiting, QueueResult.CALLBACK, reason="callback booked by the flow")
        self._settle()
        return waiting.done.result()

    def request_callback(self, contact_id: str) -> None:
        """The waiting caller asked to be called back (virtual hold): release the line."""
        waiting = self._waiting.get(contact_id)
        if waiting is None or waiting.connected or waiting.done.done():
            return
        self.engine.request_callback(contact_id, self.now())
        self._settle()
        self._finish(waiting, QueueResult.CALLBACK, reason="caller asked for a callback")

    def _caller_event(self, waiting: _Waiting, event: object) -> None:
        if isinstance(event, HungUp):
            self._caller_gone(waiting)

    def _caller_gone(self, waiting: _Waiting) -> None:
        """The caller hung up: abandoned if still waiting or ringing."""
        if waiting.connected or waiting.done.done():
            return
        contact_id = waiting.request.contact_id
        with contextlib.suppress(RoutingError):
            self.engine.contact_abandoned(contact_id, self.now())
        self._settle()
        self._finish(waiting, QueueResult.ABANDONED, reason="caller hung up")

    def _finish(
        self,
        waiting: _Waiting,
        result: QueueResult,
        agent_id: str | None = None,
        answered_at: float | None = None,
        reason: str = "",
    ) -> None:
        for task in waiting.rings.values():
            task.cancel()
        self._stop_company(waiting)
        for offer in waiting.offers:
            if offer.ended_at is None:
                offer.outcome, offer.ended_at = "withdrawn", self.wall()
        if not waiting.done.done():
            waiting.done.set_result(
                QueueOutcome(
                    result,
                    waiting.request.queue,
                    waiting.enqueued_at,
                    self.wall(),
                    agent_id,
                    answered_at,
                    reason,
                    tuple(waiting.offers),
                    agent_leg=waiting.agent_leg,
                )
            )
        if result is not QueueResult.CALLBACK:
            self._waiting.pop(waiting.request.contact_id, None)

    # -- the engine's decisions ----------------------------------------------------------
    def settle(self) -> None:
        """Carry out what the engine decided after a change made to it directly."""
        self._settle()

    def _settle(self) -> None:
        """Carry out every pending decision, pass events on, and re-arm the deadline timer."""
        decisions = self.engine.take_decisions()
        while decisions:
            for decision in decisions:
                try:
                    self._carry_out(decision)
                except Exception:
                    log.exception("routing decision %r failed", decision)
            decisions = self.engine.take_decisions()
        events = self.engine.take_events()
        if self.on_event is not None:
            for event in events:
                self.on_event(event)
        self._arm()
        if any(
            isinstance(e, AgentStateChanged) and e.new in _AWAY for e in events
        ):  # the last agent who could serve someone may just have gone
            for waiting in list(self._waiting.values()):
                self._leave_if_unstaffed(waiting)

    def _carry_out(self, decision: object) -> None:
        if isinstance(decision, Offer | DialCallback):
            waiting = self._waiting.get(decision.contact_id)
            if waiting is None:  # a contact we do not know (lost across a restart): drop it
                self._offer_failed(decision.contact_id, decision.agent_id, "rejected")
                return
            waiting.offers.append(OfferRecord(decision.agent_id, self.wall()))
            callback = isinstance(decision, DialCallback) or waiting.core is not None
            ringing = (
                self._dial_back(waiting, decision.agent_id)
                if callback
                else self._ring(waiting, decision.agent_id)
            )
            task = self._loop.create_task(ringing)
            waiting.rings[decision.agent_id] = task
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        elif isinstance(decision, CancelOffer):
            waiting = self._waiting.get(decision.contact_id)
            if waiting is not None:
                ring = waiting.rings.pop(decision.agent_id, None)
                if ring is not None:
                    ring.cancel()
                self._close_offer(waiting, decision.agent_id, _cancel_outcome(decision.reason))
        elif isinstance(decision, Reject):
            waiting = self._waiting.get(decision.contact_id)
            if waiting is not None:
                self._finish(waiting, QueueResult.REJECTED, reason=decision.reason)
        elif isinstance(decision, ToVoicemail):
            waiting = self._waiting.get(decision.contact_id)
            if waiting is not None:
                self._finish(waiting, QueueResult.VOICEMAIL, reason="queue voicemail")
        elif isinstance(decision, ToCallback):
            waiting = self._waiting.get(decision.contact_id)
            if waiting is not None:
                self._finish(waiting, QueueResult.CALLBACK, reason="callback")

    def _close_offer(self, waiting: _Waiting, agent_id: str, outcome: str) -> None:
        for offer in reversed(waiting.offers):
            if offer.agent_id == agent_id and offer.ended_at is None:
                offer.outcome, offer.ended_at = outcome, self.wall()
                return

    def _offer_failed(self, contact_id: str, agent_id: str, outcome: str) -> None:
        """Tell the engine an offer ended unanswered (it re-offers the contact)."""
        with contextlib.suppress(RoutingError):
            self.engine.offer_rejected(contact_id, agent_id, self.now())
        waiting = self._waiting.get(contact_id)
        if waiting is not None:
            self._close_offer(waiting, agent_id, outcome)
        self._settle()

    def _arm(self) -> None:
        deadline = self.engine.next_deadline()
        if self._timer is not None:
            if deadline is not None and self._timer.when() == deadline:
                return
            self._timer.cancel()
            self._timer = None
        if deadline is not None:
            self._timer = self._loop.call_at(deadline, self._tick)

    def _tick(self) -> None:
        self._timer = None
        self.engine.advance(self.now())
        self._settle()

    # -- ringing an agent ----------------------------------------------------------------
    async def _ring(self, waiting: _Waiting, agent_id: str) -> None:
        """Ring the agent's phones; on answer confirm the offer and connect the caller."""
        contact_id = waiting.request.contact_id
        try:
            agent_call, status = await waiting.call.reach(f"agent:{agent_id}", RING_LIMIT)
        except CallEnded:
            return  # the caller hung up: `_caller_gone` told the engine
        finally:
            if waiting.rings.get(agent_id) is asyncio.current_task():
                del waiting.rings[agent_id]
        if agent_call is None:
            if status == 404:  # no phone registered: ringing this agent again cannot work
                with contextlib.suppress(RoutingError):
                    self.engine.set_not_ready(agent_id, NO_PHONE, self.now())
            self._offer_failed(contact_id, agent_id, "rejected" if status < 500 else "no_answer")
            return
        try:
            self.engine.offer_answered(contact_id, agent_id, self.now())
        except RoutingError:  # withdrawn in the same instant (another phone won a ring-all)
            agent_call.terminate("offer-withdrawn")
            return
        waiting.connected = True
        self._stop_company(waiting)
        self._close_offer(waiting, agent_id, "answered")
        answered_at = self.wall()
        self._settle()
        await self._talk(waiting, agent_id, agent_call, answered_at)

    async def _talk(
        self, waiting: _Waiting, agent_id: str, agent_call: Call, answered_at: float
    ) -> None:
        """Connect caller and agent, record, and end the contact when either side leaves."""
        caller = waiting.call
        try:
            if not caller.ended:
                await caller.connect(agent_call)
                if waiting.record_to is not None:
                    caller.start_recording(waiting.record_to)
                ends: set[asyncio.Future[None]] = {
                    asyncio.ensure_future(caller.wait_ended()),
                    asyncio.ensure_future(agent_call.wait_ended()),
                }
                await asyncio.wait(ends, return_when=asyncio.FIRST_COMPLETED)
                for end in ends:
                    end.cancel()
        except CallEnded:
            pass
        finally:
            if not agent_call.ended:
                agent_call.terminate("caller-hangup")
            waiting.agent_leg = AgentLeg(
                agent_call.id, agent_call.number, answered_at, self.wall(), agent_call.end_reason
            )
            with contextlib.suppress(RoutingError):
                self.engine.contact_finished(waiting.request.contact_id, self.now())
            self._settle()
            self._finish(waiting, QueueResult.ANSWERED, agent_id, answered_at)

    async def _dial_back(self, waiting: _Waiting, agent_id: str) -> None:
        """A callback's turn: ring the agent, then dial the customer from the agent's call."""
        from seatline.switch.fork import ring

        contact_id = waiting.request.contact_id
        core = waiting.core if waiting.core is not None else waiting.call.core
        try:
            agent_call, status = await ring(
                core,
                f"agent:{agent_id}",
                waiting.callback_number,
                RING_LIMIT,
                tenant_id=waiting.call.tenant_id,
            )
        finally:
            if waiting.rings.get(agent_id) is asyncio.current_task():
                del waiting.rings[agent_id]
        if agent_call is None:
            self._offer_failed(contact_id, agent_id, "rejected" if status < 500 else "no_answer")
            return
        try:
            self.engine.offer_answered(contact_id, agent_id, self.now())
        except RoutingError:
            agent_call.terminate("offer-withdrawn")
            return
        waiting.connected = True
        self._close_offer(waiting, agent_id, "answered")
        self._settle()
        result, answered_at = QueueResult.ABANDONED, None
        try:
            customer, _ = await agent_call.connect(waiting.callback_number)
            if customer is not None:
                result, answered_at = QueueResult.ANSWERED, self.wall()
                if waiting.record_to is not None:
                    customer.start_recording(waiting.record_to)
                await agent_call.wait_unlinked()
        except CallEnded:
            pass
        finally:
            agent_call.terminate("callback-done")
            with contextlib.suppress(RoutingError):
                self.engine.contact_finished(contact_id, self.now())
            self._settle()
            self._waiting.pop(contact_id, None)
            if self.on_callback is not None:
                outcome = QueueOutcome(
                    result,
                    waiting.request.queue,
                    waiting.enqueued_at,
                    self.wall(),
                    agent_id,
                    answered_at,
                    "callback",
                    tuple(waiting.offers),
                    waiting.callback_number,
                )
                self.on_callback(contact_id, outcome)

    # -- life ----------------------------------------------------------------------------
    async def close(self) -> None:
        """Stop the timer and every ring in flight."""
        if self._timer is not None:
            self._timer.cancel()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


def _cancel_outcome(reason: str) -> str:
    """Map the engine's cancel reason to an offer outcome for the record."""
    if "timeout" in reason or "no answer" in reason:
        return "no_answer"
    return "withdrawn"
