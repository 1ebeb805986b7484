"""The campaign: the public face of `seatline.dialer`.

It turns events (agent ready, call resolved, person connected, timer) into decisions (dial
these leads, preview, bridge, play the abandon message, hang up). It never reads a clock,
sleeps or does I/O: the live server feeds it from the switch, the simulator from a virtual
clock, so both run the same pacing. Timers it needs (ring timeout, the two-second wait for an
agent, the next pacing step) come back through `next_deadline()` and a `Tick` event.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Iterable
from enum import IntEnum

import numpy as np

from .abandonment import AbandonWindow, SafetyMargin
from .agents import AgentPhase, AgentRecord
from .calls import Call, CallState
from .config import CampaignConfig, DialMode
from .decisions import Bridge, Decision, Dial, Hangup, PlayAbandonMessage, Preview
from .dnc import DoNotCall
from .errors import DuplicateId, IllegalTransition, UnknownAgent, UnknownCall
from .estimators import AnswerModel, DurationModel
from .events import (
    AgentAway,
    AgentReady,
    CallEnded,
    CallerHungUp,
    CallResolved,
    DialerEvent,
    Dispositioned,
    PreviewAccepted,
    PreviewSkipped,
    Tick,
)
from .leads import Lead, LeadRecord, LeadState
from .outcomes import AttemptOutcome, CallResult
from .pacing import Floor, predictive_dials
from .scheduler import LeadScheduler

SKIP_DELAY = 300.0  # a skipped preview comes back after this long, not to the same agent at once

_RESULT_OUTCOME = {
    CallResult.MACHINE: AttemptOutcome.MACHINE,
    CallResult.BUSY: AttemptOutcome.BUSY,
    CallResult.NO_ANSWER: AttemptOutcome.NO_ANSWER,
    CallResult.FAILED: AttemptOutcome.FAILED,
}


class _Timer(IntEnum):
    RING_TIMEOUT = 1
    AGENT_WAIT = 2


class Campaign:
    """One outbound campaign: its leads, its agents, its calls and its pacer."""

    def __init__(
        self,
        config: CampaignConfig,
        leads: Iterable[Lead] = (),
        dnc: DoNotCall | None = None,
        now: float = 0.0,
    ) -> None:
        self.config = config
        self.scheduler = LeadScheduler(config, dnc)
        self.scheduler.add(leads, now)
        pacing = config.pacing
        self.horizons = np.arange(1.0, math.ceil(config.ring_timeout) + 1.0)
        self.answers = AnswerModel(config.ring_timeout + 5.0, self.horizons, pacing.answer_memory)
        self.talk = DurationModel(pacing.talk_memory, prior_mean=120.0)
        self.wrap = DurationModel(pacing.talk_memory, prior_mean=15.0)
        self.abandons = AbandonWindow(config.abandon_cap, config.abandon_window)
        self.margin = SafetyMargin(
            pacing.initial_safety, pacing.safety_step, pacing.target_share * config.abandon_cap
        )
        self.agents: dict[str, AgentRecord] = {}
        self._idle: dict[str, None] = {}  # insertion order = longest idle first
        self._talking: dict[str, float] = {}  # agent → talk start
        self._wrapping: dict[str, float] = {}  # agent → wrap-up start
        self.calls: dict[str, Call] = {}
        self._ahead: dict[str, float] = {}  # ringing calls with no agent tied → dial time
        self._waiting: dict[str, float] = {}  # answered persons waiting → their answer time
        self._timers: list[tuple[float, int, _Timer, str]] = []
        self._seq = itertools.count()
        self._ids = itertools.count(1)
        self._next_pace: float | None = None
        self._ringing = 0
        self._issued = 1  # call serials below this were handed out
        self._out: list[Decision] = []

    # -- setup ------------------------------------------------------------------------------
    def add_agent(self, agent_id: str, now: float) -> None:
        """An agent joins the campaign, away until `AgentReady`."""
        if agent_id in self.agents:
            raise DuplicateId(f"agent {agent_id!r} already in campaign")
        self.agents[agent_id] = AgentRecord(agent_id, now)

    def add_leads(self, leads: Iterable[Lead], now: float) -> None:
        """Add leads, due at once."""
        self.scheduler.add(leads, now)

    def restore_leads(self, records: Iterable[LeadRecord], now: float) -> None:
        """Add leads saved by an earlier run (after a restart), keeping their history."""
        batch = list(records)
        # Check every id first, so a bad batch adds nothing rather than half of itself.
        seen = set(self.scheduler.records)
        for record in batch:
            lead_id = record.lead.lead_id
            if lead_id in seen:
                raise DuplicateId(f"lead {lead_id!r} already in campaign")
            seen.add(lead_id)
        for record in batch:
            self.scheduler.restore(record, now)

    def restore_live_answers(self, answers: Iterable[tuple[float, bool]], now: float) -> None:
        """Count live answers (time, abandoned) of an earlier run into the rolling window.

        The cap holds over the campaign's window, not over one run of the process: without
        this, a restart would forget the abandons it already spent.
        """
        for at, abandoned in sorted(answers):
            if at <= now:
                self.abandons.add(at, abandoned)
        self.abandons.expire(now)

    # -- the driver's interface -------------------------------------------------------------
    def handle(self, event: DialerEvent) -> list[Decision]:
        """Apply one event and return the decisions it leads to."""
        now = event.now
        self._fire_timers(now)
        if isinstance(event, CallResolved | CallerHungUp) and event.call_id not in self.calls:
            if not self._forgotten(event.call_id):
                raise UnknownCall(event.call_id)
        elif isinstance(event, CallResolved):
            self._resolved(self._call(event.call_id), event.result, now, event.answered_at)
        elif isinstance(event, AgentReady):
            self._agent_ready(self._agent(event.agent_id), now)
        elif isinstance(event, CallEnded):
            self._call_ended(self._call(event.call_id), now)
        elif isinstance(event, Dispositioned):
            call = self._call(event.call_id)
            record = self.scheduler.record(call.lead_id)
            if record.state is LeadState.CONNECTED:
                self.scheduler.dispositioned(record, event.code, event.callback_at, now)
            if call.state is CallState.ENDED:
                del self.calls[call.call_id]
        elif isinstance(event, CallerHungUp):
            self._caller_hung_up(self._call(event.call_id), now)
        elif isinstance(event, AgentAway):
            self._agent_away(self._agent(event.agent_id), now)
        elif isinstance(event, PreviewAccepted):
            self._preview_accepted(self._agent(event.agent_id), event.lead_id, now)
        elif isinstance(event, PreviewSkipped):
            self._preview_skipped(self._agent(event.agent_id), event.lead_id, now)
        elif not isinstance(event, Tick):  # pragma: no cover - the union is exhaustive
            raise TypeError(f"not a dialer event: {event!r}")
        if self.config.mode is not DialMode.PREDICTIVE or (
            self._next_pace is not None and self._next_pace <= now
        ):
            self._pace(now)
        out, self._out = self._out, []
        return out

    def next_deadline(self) -> float | None:
        """When the dialer next needs a `Tick` (None: only events can change anything)."""
        due = self._timers[0][0] if self._timers else math.inf
        if self._next_pace is not None:
            due = min(due, self._next_pace)
        return None if due == math.inf else due

    # -- figures ----------------------------------------------------------------------------
    @property
    def abandon_rate(self) -> float:
        """Abandoned ÷ live-answered over the rolling window."""
        return self.abandons.rate

    @property
    def ringing(self) -> int:
        """Calls dialled and not yet resolved."""
        return self._ringing

    # -- lookups ----------------------------------------------------------------------------
    def _call(self, call_id: str) -> Call:
        try:
            return self.calls[call_id]
        except KeyError:
            raise UnknownCall(call_id) from None

    def _forgotten(self, call_id: str) -> bool:
        """Whether `call_id` is one of ours that already ended (a late report, not a bug)."""
        prefix, _, serial = call_id.rpartition(":")
        return prefix == self.config.name and serial.isdigit() and int(serial) < self._issued

    def _agent(self, agent_id: str) -> AgentRecord:
        try:
            return self.agents[agent_id]
        except KeyError:
            raise UnknownAgent(agent_id) from None

    # -- agents -----------------------------------------------------------------------------
    def _agent_ready(self, agent: AgentRecord, now: float) -> None:
        if agent.phase is AgentPhase.IDLE:
            return  # repeated "ready" changes nothing
        if agent.phase is AgentPhase.WRAP_UP:
            self.wrap.record(now - self._wrapping.pop(agent.agent_id))
        agent.move(AgentPhase.IDLE, now)
        agent.call_id = None
        self._idle[agent.agent_id] = None
        if self._waiting:
            # The person answered first has the least of the two seconds left (AMD takes a
            # varying time, so the order of answers is not the order of arrival here).
            first = min(self._waiting, key=self._waiting.__getitem__)
            self._bridge(self.calls[first], agent, now)
        self._next_pace = now  # new capacity: pace at once rather than at the next step

    def _agent_away(self, agent: AgentRecord, now: float) -> None:
        if agent.phase is AgentPhase.AWAY:
            return
        if agent.phase is AgentPhase.PREVIEWING and agent.lead_id is not None:
            self.scheduler.put_back(self.scheduler.record(agent.lead_id), now)
            agent.lead_id = None
        elif agent.phase is AgentPhase.WRAP_UP:
            self._wrapping.pop(agent.agent_id, None)
        elif agent.phase not in (AgentPhase.IDLE, AgentPhase.PREVIEWING):
            raise IllegalTransition("agent", agent.agent_id, agent.phase, AgentPhase.AWAY)
        self._idle.pop(agent.agent_id, None)
        agent.move(AgentPhase.AWAY, now)
        if not self._idle and not self._talking and not self._wrapping and not self._ahead:
            self._next_pace = None  # nobody to dial for: stop ticking

    def _preview_accepted(self, agent: AgentRecord, lead_id: str, now: float) -> None:
        if agent.phase is not AgentPhase.PREVIEWING or agent.lead_id != lead_id:
            raise IllegalTransition("agent", agent.agent_id, agent.phase, AgentPhase.RESERVED)
        record = self.scheduler.record(lead_id)
        agent.lead_id = None
        # The window may have closed, or the number been blocked, while the agent read.
        if self.scheduler.dialable(record, now):
            agent.move(AgentPhase.RESERVED, now)
            self._dial(record, agent, now)
        else:
            if record.state is LeadState.PREVIEWING:
                record.move(LeadState.PENDING)  # postponed to its window by `dialable`
                self.scheduler.touched(record)
            agent.move(AgentPhase.IDLE, now)
            self._idle[agent.agent_id] = None

    def _preview_skipped(self, agent: AgentRecord, lead_id: str, now: float) -> None:
        if agent.phase is not AgentPhase.PREVIEWING or agent.lead_id != lead_id:
            raise IllegalTransition("agent", agent.agent_id, agent.phase, AgentPhase.IDLE)
        agent.lead_id = None
        self.scheduler.put_back(self.scheduler.record(lead_id), now + SKIP_DELAY)
        agent.move(AgentPhase.IDLE, now)
        self._idle[agent.agent_id] = None

    # -- calls ------------------------------------------------------------------------------
    def _dial(
        self, record: LeadRecord, agent: AgentRecord | None, now: float, *, ahead: bool = False
    ) -> None:
        order = next(self._ids)
        self._issued = order + 1
        call_id = f"{self.config.name}:{order}"
        self.scheduler.dialled(record, now)
        agent_id = agent.agent_id if agent is not None else None
        call = Call(call_id, order, record.lead.lead_id, now, agent_id, ahead=ahead)
        self.calls[call_id] = call
        self._ringing += 1
        if agent is None:
            self._ahead[call_id] = now
        else:
            agent.call_id = call_id
        self._schedule(now + self.config.ring_timeout, _Timer.RING_TIMEOUT, call_id)
        self._out.append(
            Dial(
                call_id,
                record.lead.lead_id,
                record.lead.number,
                self.config.name,
                agent_id,
                self.config.ring_timeout,
            )
        )

    def _resolved(
        self, call: Call, result: CallResult, now: float, answered_at: float | None
    ) -> None:
        if call.state is not CallState.RINGING:
            return  # a late report for a call we already gave up on
        self._ringing -= 1
        self._ahead.pop(call.call_id, None)
        self.answers.record(call.dialed_at, call.order, now, result is CallResult.PERSON)
        if result is CallResult.PERSON:
            # An answer reported later than now (or not a number) would stretch the wait past
            # the limit: only an earlier answer shortens it.
            answered = answered_at if answered_at is not None and answered_at <= now else now
            call.answered_at = answered
            agent = self.agents[call.agent_id] if call.agent_id is not None else None
            if agent is None and self._idle:
                agent = self.agents[next(iter(self._idle))]
            if agent is not None:
                self._bridge(call, agent, now)
                return
            call.move(CallState.WAITING)
            self._waiting[call.call_id] = answered
            deadline = answered + self.config.max_wait_for_agent
            if deadline < now:  # detection alone used up the wait: nobody may hold on longer
                self._abandon(call, now, play_message=True)
            else:
                self._schedule(deadline, _Timer.AGENT_WAIT, call.call_id)
            return
        outcome = _RESULT_OUTCOME[result]
        if result is CallResult.MACHINE:
            self._out.append(Hangup(call.call_id, outcome))
        self._end_unconnected(call, outcome, now)

    def _end_unconnected(self, call: Call, outcome: AttemptOutcome, now: float) -> None:
        call.move(CallState.ENDED)
        call.outcome = outcome
        del self.calls[call.call_id]
        if call.agent_id is not None:
            agent = self.agents[call.agent_id]
            agent.call_id = None
            agent.move(AgentPhase.IDLE, now)
            self._idle[agent.agent_id] = None
        self.scheduler.attempt_ended(self.scheduler.record(call.lead_id), outcome, now)

    def _bridge(self, call: Call, agent: AgentRecord, now: float) -> None:
        self._waiting.pop(call.call_id, None)
        self._idle.pop(agent.agent_id, None)
        call.move(CallState.CONNECTED)
        call.agent_id = agent.agent_id
        agent.move(AgentPhase.TALKING, now)
        agent.call_id = call.call_id
        self._talking[agent.agent_id] = now
        self._live_answer(call, abandoned=False, now=now)
        self.scheduler.attempt_ended(
            self.scheduler.record(call.lead_id), AttemptOutcome.CONNECTED, now
        )
        self._out.append(Bridge(call.call_id, agent.agent_id))

    def _abandon(self, call: Call, now: float, *, play_message: bool) -> None:
        del self._waiting[call.call_id]
        self._live_answer(call, abandoned=True, now=now)
        if play_message:
            self._out.append(PlayAbandonMessage(call.call_id))
        self._end_unconnected(call, AttemptOutcome.ABANDONED, now)

    def _live_answer(self, call: Call, *, abandoned: bool, now: float) -> None:
        self.abandons.add(now, abandoned)
        if call.ahead:
            self.margin.observe(abandoned)

    def _caller_hung_up(self, call: Call, now: float) -> None:
        if call.state is CallState.WAITING:
            self._abandon(call, now, play_message=False)
        elif call.state is CallState.CONNECTED:
            self._call_ended(call, now)
        elif call.state is CallState.RINGING:
            self._ringing -= 1
            self._ahead.pop(call.call_id, None)
            self._end_unconnected(call, AttemptOutcome.FAILED, now)

    def _call_ended(self, call: Call, now: float) -> None:
        if call.state is not CallState.CONNECTED or call.agent_id is None:
            return  # already ended (both sides reported the hang-up)
        call.move(CallState.ENDED)
        call.outcome = AttemptOutcome.CONNECTED
        agent = self.agents[call.agent_id]
        self.talk.record(now - self._talking.pop(agent.agent_id))
        agent.move(AgentPhase.WRAP_UP, now)
        self._wrapping[agent.agent_id] = now
        if self.scheduler.record(call.lead_id).state is not LeadState.CONNECTED:
            del self.calls[call.call_id]  # the disposition came first: nothing left to await

    # -- timers -----------------------------------------------------------------------------
    def _schedule(self, due: float, kind: _Timer, call_id: str) -> None:
        heapq.heappush(self._timers, (due, next(self._seq), kind, call_id))

    def _fire_timers(self, now: float) -> None:
        timers = self._timers
        while timers and timers[0][0] <= now:
            due, _, kind, call_id = heapq.heappop(timers)
            call = self.calls.get(call_id)
            if call is None:
                continue
            if kind is _Timer.RING_TIMEOUT and call.state is CallState.RINGING:
                self._ringing -= 1
                self._ahead.pop(call_id, None)
                self.answers.record(call.dialed_at, call.order, due, False)
                self._out.append(Hangup(call_id, AttemptOutcome.NO_ANSWER))
                self._end_unconnected(call, AttemptOutcome.NO_ANSWER, due)
            elif kind is _Timer.AGENT_WAIT and call.state is CallState.WAITING:
                self._abandon(call, due, play_message=True)

    # -- pacing -----------------------------------------------------------------------------
    def _pace(self, now: float) -> None:
        mode = self.config.mode
        if mode is DialMode.PREDICTIVE:
            self._next_pace = now + self.config.pacing.interval
            self._pace_predictive(now)
            return
        for agent_id in list(self._idle):
            record = self.scheduler.take(now)
            if record is None:
                # Nothing due: look again when the next lead is (or at the next event).
                self._next_pace = self.scheduler.next_due()
                return
            agent = self.agents[agent_id]
            del self._idle[agent_id]
            if mode is DialMode.PREVIEW:
                record.move(LeadState.PREVIEWING)
                self.scheduler.touched(record)
                agent.move(AgentPhase.PREVIEWING, now)
                agent.lead_id = record.lead.lead_id
                self._out.append(
                    Preview(agent_id, record.lead.lead_id, record.lead.number, self.config.name)
                )
            else:
                agent.move(AgentPhase.RESERVED, now)
                self._dial(record, agent, now)
        self._next_pace = None

    def _pace_predictive(self, now: float) -> None:
        pacing = self.config.pacing
        free = len(self._idle) - len(self._waiting)
        # One ringing call per free agent can never strand a person: always allowed.
        wanted = max(0, free - len(self._ahead))
        betting = False
        self.answers.admit(now)
        budget = self.abandons.budget(now)
        if (
            self.answers.n >= pacing.min_outcomes
            and self.talk.n >= pacing.min_talks
            # Dial ahead only while one more abandon would still keep the window under the
            # cap; otherwise only calls that cannot strand anyone.
            and budget >= 1.0
        ):
            floor = Floor(
                idle=len(self._idle),
                waiting=len(self._waiting),
                talk_elapsed=now - np.fromiter(self._talking.values(), np.float64),
                wrap_elapsed=now - np.fromiter(self._wrapping.values(), np.float64),
                ring_ages=now - np.fromiter(self._ahead.values(), np.float64),
            )
            grace = self.config.max_wait_for_agent
            # Less budget left under the cap, more slack: the margin rises smoothly instead of
            # switching dialling ahead off and on, which would dial in bursts.
            short = max(0.0, pacing.guard_abandons - budget) / pacing.guard_abandons
            z = self.margin.z + pacing.guard_safety * short
            # Never bet more abandons than the window can take beyond one (the budget is
            # what keeps the cap in a short or small campaign, where z is still learning).
            allowance = budget - 1.0 if budget < pacing.guard_abandons else math.inf
            ahead = predictive_dials(floor, self.answers, self.talk, self.wrap, z, grace, allowance)
            wanted = max(wanted, ahead)
            betting = True
        wanted = min(wanted, pacing.max_lines - self._ringing)
        for _ in range(wanted):
            record = self.scheduler.take(now)
            if record is None:
                break
            # Calls placed while dialling ahead share its risk: their fate teaches the margin.
            self._dial(record, None, now, ahead=betting)
