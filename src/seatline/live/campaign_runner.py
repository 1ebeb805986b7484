"""One outbound campaign on the live switch: the dialer's decisions become real calls.

The pure `seatline.dialer.Campaign` decides; this carries it out. A `Dial` rings the lead's
number through the trunk that routes it, the answer is listened to by answering machine
detection, a person is bridged to the agent the dialer picked (held away from inbound
routing meanwhile), and every attempt is written to the store as it goes. Agents are shared
with the tenant's inbound routing: an agent the routing engine sees available is free for
the campaign too, and whichever takes the agent first holds it.

Everything the dialer hears goes through one ordered inbox drained on the event loop, so
events caused by our own actions (holding an agent makes the routing engine publish a
change) never re-enter the dialer or the routing engine.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
import uuid
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from seatline.dialer import (
    AgentAway,
    AgentPhase,
    AgentReady,
    AttemptOutcome,
    Bridge,
    CallerHungUp,
    CallResolved,
    CallResult,
    CallState,
    Campaign,
    Decision,
    Dial,
    DialerError,
    DialerEvent,
    Dispositioned,
    Hangup,
    LeadRecord,
    PlayAbandonMessage,
    Preview,
    PreviewAccepted,
    PreviewSkipped,
    Tick,
)
from seatline.dialer.amd import AmdConfig, AmdVerdict
from seatline.dialer.results import result_for_status
from seatline.live.acd import NO_PHONE
from seatline.live.amd_listener import detect_machine
from seatline.live.bus import EventBus, LiveEvent
from seatline.live.campaign_records import AttemptLog, at
from seatline.routing import AgentRemoved, AgentState, AgentStateChanged, RoutingEvent
from seatline.store import campaigns as store
from seatline.switch import Call
from seatline.switch.errors import CallEnded
from seatline.switch.fork import ring

if TYPE_CHECKING:
    from seatline.live.center import TenantDesk
    from seatline.store.db import Database
    from seatline.switch.core import SipCore

__all__ = ["CampaignRunner", "LiveSettings"]

log = logging.getLogger(__name__)

AGENT_RING_SECONDS = 10.0  # an agent's phone that does not answer in this long is skipped
UNREACHED_RETRY = 600.0  # a person who got the message because the agent's phone failed
NO_ANSWER = "no answer"  # the routing engine's own pause reason, written to the store
BUSY_PHASES = frozenset(
    {AgentPhase.PREVIEWING, AgentPhase.RESERVED, AgentPhase.TALKING, AgentPhase.WRAP_UP}
)
_RESULT_OUTCOME = {
    CallResult.BUSY: AttemptOutcome.BUSY,
    CallResult.NO_ANSWER: AttemptOutcome.NO_ANSWER,
    CallResult.FAILED: AttemptOutcome.FAILED,
    CallResult.MACHINE: AttemptOutcome.MACHINE,
}


@dataclass(frozen=True)
class LiveSettings:
    """What the live side needs beyond the dialer's configuration."""

    campaign_id: uuid.UUID
    tenant_id: uuid.UUID
    tenant_slug: str
    name: str
    caller_id: str
    caller_name: str
    wrap_up_seconds: float
    amd: AmdConfig
    lead_fields: tuple[str, ...] = ()


@dataclass
class _Attempt:
    """One dial attempt as the switch sees it."""

    call_id: str
    lead_id: str
    number: str
    attempt_id: uuid.UUID = field(default_factory=uuid.uuid4)
    started: float = field(default_factory=time.time)
    ringing: asyncio.Task[tuple[Call | None, int]] | None = None
    leg: Call | None = None
    answered_at: float | None = None
    agent_id: str | None = None
    bridged_at: float | None = None
    outcome: AttemptOutcome | None = None


class CampaignRunner:
    """Runs one campaign's dialer against the switch, the tenant's agents and the store."""

    def __init__(
        self,
        campaign: Campaign,
        settings: LiveSettings,
        desk: TenantDesk,
        core: SipCore,
        database: Database,
        bus: EventBus,
        data_dir: Path,
        leads: Mapping[str, store.Lead] | None = None,
    ) -> None:
        self.campaign = campaign
        self.settings = settings
        self.desk = desk
        self.core = core
        self.database = database
        self.bus = bus
        self.data_dir = data_dir
        self.leads: dict[str, store.Lead] = dict(leads or {})  # lead id → stored row
        self.attempts: dict[str, _Attempt] = {}  # dialer call id → attempt
        self.stopped = False
        self._loop = asyncio.get_running_loop()
        self._inbox: list[Callable[[float], DialerEvent]] = []
        self._drain_soon: asyncio.Handle | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._wraps: dict[str, asyncio.TimerHandle] = {}
        self._last_now = 0.0
        self._tasks: set[asyncio.Task[None]] = set()
        self.log = AttemptLog(database, settings.tenant_id, settings.campaign_id, settings.name)
        self._unreachable: dict[str, str] = {}  # agent whose phone failed a bridge → pause
        self._dispositioned: set[str] = set()

    # -- start and stop ------------------------------------------------------------------
    def start(self) -> None:
        """Follow the tenant's agents and start dialling for the free ones."""
        self.desk.watchers.append(self._routing_event)
        snapshot = self.desk.engine.snapshot(self.desk.acd.now())
        for agent in snapshot.agents:
            if agent.agent_id in self.campaign.agents and agent.state is AgentState.AVAILABLE:
                self._post(partial(AgentReady, agent_id=agent.agent_id))
        self._post(Tick)

    def add_agent(self, agent_id: str) -> None:
        """A newly assigned agent: free for the campaign when routing has it available."""
        if agent_id in self.campaign.agents:
            return
        self.campaign.add_agent(agent_id, time.time())
        snapshot = self.desk.engine.snapshot(self.desk.acd.now())
        if any(a.agent_id == agent_id and a.state is AgentState.AVAILABLE for a in snapshot.agents):
            self._post(lambda now: AgentReady(now, agent_id))

    async def stop(self) -> None:
        """Stop dialling: ringing calls are cancelled, bridged ones talk on to their end."""
        self.stopped = True
        with contextlib.suppress(ValueError):
            self.desk.watchers.remove(self._routing_event)
        for handle in (self._timer, self._drain_soon, *self._wraps.values()):
            if handle is not None:
                handle.cancel()
        self._wraps.clear()
        stopped = {"end_reason": "campaign-stopped"}
        for attempt in list(self.attempts.values()):
            if attempt.ringing is not None and attempt.leg is None:
                attempt.ringing.cancel()
                if attempt.outcome is None:  # no outcome: the lead is due again, as it was
                    self.log.update(attempt.attempt_id, stopped | {"ended_at": at(time.time())})
            elif attempt.leg is not None and attempt.bridged_at is None:
                if attempt.outcome is None:
                    self.log.update(attempt.attempt_id, stopped)  # its watcher writes the end
                attempt.leg.terminate("campaign-stopped")
        for agent_id, record in self.campaign.agents.items():
            if record.phase is not AgentPhase.TALKING:
                self.desk.release(agent_id)  # a talking agent is released when the call ends
        await self.sync_leads()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.log.close()

    # -- the inbox -----------------------------------------------------------------------
    def _post(self, make: Callable[[float], DialerEvent]) -> None:
        """Queue an event for the dialer (stamped with the time it is handled)."""
        if self.stopped:
            return
        self._inbox.append(make)
        if self._drain_soon is None:
            self._drain_soon = self._loop.call_soon(self._drain)

    def _drain(self) -> None:
        self._drain_soon = None
        while self._inbox and not self.stopped:
            now = max(time.time(), self._last_now)
            self._last_now = now
            event = self._inbox.pop(0)(now)
            if not self._acceptable(event):
                continue
            self._observe(event)
            try:
                decisions = self.campaign.handle(event)
            except DialerError as error:
                log.warning("campaign %s: %s ignored: %s", self.settings.name, event, error)
                continue
            for decision in decisions:
                try:
                    self._carry_out(decision)
                except Exception:  # one bad call must not stop the campaign
                    log.exception("campaign %s: %s failed", self.settings.name, decision)
        self._sync_agents()
        self._forget_finished()
        self._arm()

    def _forget_finished(self) -> None:
        """Drop attempts that are over for the dialer and the switch alike."""
        calls = self.campaign.calls
        for call_id, attempt in list(self.attempts.items()):
            if call_id in calls or (attempt.leg is not None and not attempt.leg.ended):
                continue
            if attempt.ringing is None or attempt.ringing.done():
                del self.attempts[call_id]
                self._dispositioned.discard(call_id)

    def _acceptable(self, event: DialerEvent) -> bool:
        """Drop reports the dialer must not see in its agent's current phase."""
        if isinstance(event, AgentAway):
            record = self.campaign.agents.get(event.agent_id)
            return record is not None and record.phase in (AgentPhase.IDLE, AgentPhase.PREVIEWING)
        if isinstance(event, AgentReady):
            record = self.campaign.agents.get(event.agent_id)
            return record is not None and record.phase is not AgentPhase.TALKING
        return True

    def _observe(self, event: DialerEvent) -> None:
        """Learn, before the dialer forgets it, what an attempt ends as."""
        if isinstance(event, CallerHungUp):
            call = self.campaign.calls.get(event.call_id)
            attempt = self.attempts.get(event.call_id)
            if call is not None and attempt is not None:
                if call.state is CallState.WAITING:
                    self._ended(attempt, AttemptOutcome.ABANDONED, "person-hung-up")
                elif call.state is CallState.RINGING:
                    self._ended(attempt, AttemptOutcome.FAILED, "hung-up-during-detection")
        elif isinstance(event, CallResolved) and event.result is not CallResult.PERSON:
            attempt = self.attempts.get(event.call_id)
            if attempt is not None:
                outcome = _RESULT_OUTCOME[event.result]
                if event.result is not CallResult.MACHINE:  # a machine ends with our Hangup
                    self._ended(attempt, outcome, event.result.value)

    def _arm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        due = self.campaign.next_deadline()
        if due is not None and not self.stopped:
            delay = max(0.0, due - time.time())
            self._timer = self._loop.call_later(delay, self._post, Tick)

    def _routing_event(self, event: RoutingEvent) -> None:
        """The tenant's routing engine changed an agent: free or not for the campaign."""
        if isinstance(event, AgentStateChanged):
            agent_id = event.agent_id
            if agent_id not in self.campaign.agents or agent_id in self.desk.held:
                return
            if event.new is AgentState.AVAILABLE:
                self._post(lambda now: AgentReady(now, agent_id))
            else:
                self._post(lambda now: AgentAway(now, agent_id, event.reason or event.new.value))
        elif isinstance(event, AgentRemoved) and event.agent_id in self.campaign.agents:
            removed = event.agent_id
            self._post(lambda now: AgentAway(now, removed, "removed"))

    def _sync_agents(self) -> None:
        """Hold agents the campaign occupies; give back the ones it freed; time wrap-ups."""
        reason = f"outbound {self.settings.name}"
        for agent_id, record in self.campaign.agents.items():
            busy = record.phase in BUSY_PHASES
            if busy and agent_id not in self.desk.held:
                self.desk.hold(agent_id, reason)
            elif not busy and agent_id in self._unreachable:
                self.desk.release(agent_id, pause=self._unreachable.pop(agent_id))
            elif not busy and self.desk.held.get(agent_id) == reason:
                self.desk.release(agent_id)
            wrapping = record.phase is AgentPhase.WRAP_UP
            if wrapping and agent_id not in self._wraps:
                # Dispositioned while still talking: the wrap-up's work is already done.
                done = record.call_id in self._dispositioned
                self._wraps[agent_id] = self._loop.call_later(
                    0.0 if done else self.settings.wrap_up_seconds, self._wrap_over, agent_id
                )
            elif not wrapping and agent_id in self._wraps:
                self._wraps.pop(agent_id).cancel()

    def _wrap_over(self, agent_id: str) -> None:
        self._wraps.pop(agent_id, None)
        self._post(lambda now: AgentReady(now, agent_id))

    # -- what the API reports -----------------------------------------------------------
    def dispositioned(self, attempt_id: uuid.UUID, code: str, callback_at: float | None) -> None:
        """The agent set the disposition: close the lead, and end its wrap-up now."""
        # By attempt, not by the dialer's call id: a restarted runner numbers calls afresh.
        call_id = next((c for c, a in self.attempts.items() if a.attempt_id == attempt_id), None)
        call = self.campaign.calls.get(call_id) if call_id is not None else None
        if call_id is None or call is None or call_id in self._dispositioned:
            return
        self._dispositioned.add(call_id)  # the bus and the store poll may both report it
        agent_id = call.agent_id
        self._post(lambda now: Dispositioned(now, call_id, code, callback_at))
        record = self.campaign.agents.get(agent_id) if agent_id else None
        if agent_id is not None and record is not None and record.call_id == call_id:
            self._post(lambda now: AgentReady(now, agent_id))

    def preview_answered(self, agent_id: str, lead_id: str, dial: bool) -> None:
        """The agent chose to dial the previewed lead, or to skip it."""
        record = self.campaign.agents.get(agent_id)
        if record is None or record.lead_id != lead_id:
            return
        if dial:
            self._post(lambda now: PreviewAccepted(now, agent_id, lead_id))
        else:
            self._post(lambda now: PreviewSkipped(now, agent_id, lead_id))

    def awaiting_disposition(self) -> dict[uuid.UUID, str]:
        """Attempt id → dialer call id of connected calls with no disposition yet."""
        return {
            attempt.attempt_id: call_id
            for call_id, attempt in self.attempts.items()
            if attempt.bridged_at is not None and call_id in self.campaign.calls
        }

    # -- decisions -----------------------------------------------------------------------
    def _carry_out(self, decision: Decision) -> None:
        if isinstance(decision, Dial):
            # The dialer's own ring timeout decides "no answer"; the switch waits a bit longer.
            ring_for = decision.ring_timeout + 5.0
            attempt = _Attempt(decision.call_id, decision.lead_id, decision.number)
            self.attempts[decision.call_id] = attempt
            # The ringing is a task of its own: cancelling it (the dialer gave up) never loses
            # a leg that answered in the same instant, which `_dial` then hangs up.
            attempt.ringing = self._loop.create_task(
                ring(
                    self.core,
                    decision.number,
                    self.settings.caller_id,
                    timeout=ring_for,
                    tenant_id=str(self.settings.tenant_id),
                )
            )
            self._spawn(self._dial(attempt, attempt.ringing))
        elif isinstance(decision, Bridge):
            attempt = self.attempts[decision.call_id]
            attempt.agent_id = decision.agent_id
            self._spawn(self._bridge(attempt, decision.agent_id))
        elif isinstance(decision, PlayAbandonMessage):
            attempt = self.attempts[decision.call_id]
            self._ended(attempt, AttemptOutcome.ABANDONED, "no-agent-in-time")
            self._spawn(self._abandon_message(attempt))
        elif isinstance(decision, Hangup):
            attempt = self.attempts[decision.call_id]
            self._ended(attempt, decision.outcome, decision.outcome.value)
            if attempt.leg is not None:
                attempt.leg.terminate(decision.outcome.value)
            elif attempt.ringing is not None:
                attempt.ringing.cancel()  # cancels the INVITE
        elif isinstance(decision, Preview):
            self._show_lead(decision.agent_id, decision.lead_id, "LeadPreview")

    def _spawn(self, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = self._loop.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _dial(
        self, attempt: _Attempt, ringing: asyncio.Task[tuple[Call | None, int]]
    ) -> None:
        """Await the ringing; a failure resolves the call, an answer goes to machine detection."""
        a = attempt
        self.log.insert(a.attempt_id, a.call_id, a.lead_id, a.number, a.started)
        try:
            leg, status = await ringing
        except asyncio.CancelledError:
            if ringing.cancelled():
                return  # the dialer gave up on the ringing (its Hangup recorded why)
            raise
        if leg is not None and (attempt.outcome is not None or self.stopped):
            leg.terminate("given-up")  # answered just as the dialer stopped waiting
            return
        if leg is None:
            result = result_for_status(status)
            self.log.update(attempt.attempt_id, {"sip_status": status, "result": result.value})
            self._post(lambda now: CallResolved(now, attempt.call_id, result))
            return
        attempt.leg = leg
        attempt.answered_at = answered = time.time()
        self._spawn(self._watch_leg(attempt, leg))
        values: dict[str, Any] = {
            "sip_status": 200,
            "sip_call_id": leg.id,
            "answered_at": at(answered),
        }
        verdict = await detect_machine(leg, self.settings.amd)
        if verdict is None:
            self.log.update(attempt.attempt_id, values)
            return  # hung up while we listened: the leg watcher reports it
        # Not sure counts as a person: hanging up on a maybe-human is the worse mistake.
        machine = verdict.verdict is AmdVerdict.MACHINE
        result = CallResult.MACHINE if machine else CallResult.PERSON
        values |= {
            "result": result.value,
            "amd_result": verdict.verdict.value,
            "amd_confidence": verdict.confidence,
            "amd_seconds": verdict.seconds,
        }
        self.log.update(attempt.attempt_id, values)
        self._post(lambda now: CallResolved(now, attempt.call_id, result, answered_at=answered))

    async def _watch_leg(self, attempt: _Attempt, leg: Call) -> None:
        """Report the lead's hang-up, and close the record of a talk that ended."""
        await leg.wait_ended()
        now = time.time()
        self._post(lambda when: CallerHungUp(when, attempt.call_id))
        if attempt.agent_id in self._unreachable:
            # The person heard the message instead of an agent: no wrap-up for the agent, and
            # the lead is called again later rather than closed.
            agent_id, call_id = attempt.agent_id, attempt.call_id
            again = now + UNREACHED_RETRY
            self._post(lambda when: Dispositioned(when, call_id, "agent_unreachable", again))
            self._post(lambda when: AgentReady(when, agent_id))
        if attempt.bridged_at is not None:
            values = {
                "ended_at": at(now),
                "talk_seconds": round(now - attempt.bridged_at, 3),
                "end_reason": leg.end_reason,
            }
            self.log.update(attempt.attempt_id, values)
            if self.stopped and attempt.agent_id is not None:
                self.desk.release(attempt.agent_id)
        else:  # a machine, an abandoned person: the call lasted until now (the message played)
            self.log.update(attempt.attempt_id, {"ended_at": at(now)})

    async def _bridge(self, attempt: _Attempt, agent_id: str) -> None:
        """Ring the agent's phones and connect the person; the agent's screen gets the lead."""
        leg = attempt.leg
        assert leg is not None and attempt.answered_at is not None
        try:
            partner, status = await leg.connect(f"agent:{agent_id}", timeout=AGENT_RING_SECONDS)
        except CallEnded:
            return  # the person hung up while the agent's phone rang: the watcher reports it
        if partner is None:
            log.warning(
                "campaign %s: agent %s unreachable (%s)", self.settings.name, agent_id, status
            )
            # Paused, not made free, once this call is over: for want of a phone, or of an answer.
            self._unreachable[agent_id] = NO_PHONE if status == 404 else NO_ANSWER
            self._ended(attempt, AttemptOutcome.ABANDONED, "agent-unreachable")
            await self._abandon_message(attempt)
            return
        bridged = attempt.bridged_at = time.time()
        day = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d")
        recording = (
            self.data_dir
            / "recordings"
            / self.settings.tenant_slug
            / day
            / f"{attempt.attempt_id}.wav"
        )
        recording.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(Exception):
            leg.start_recording(recording)
        values = {
            "agent_id": uuid.UUID(agent_id),
            "bridged_at": at(bridged),
            "wait_seconds": round(bridged - attempt.answered_at, 3),
            "outcome": AttemptOutcome.CONNECTED.value,
            "recording_path": str(recording),
        }
        attempt.outcome = AttemptOutcome.CONNECTED
        self.log.update(attempt.attempt_id, values)
        self._show_lead(agent_id, attempt.lead_id, "LeadConnected", attempt)

    async def _abandon_message(self, attempt: _Attempt) -> None:
        """Say who called and how to call back, then hang up (the law asks for both).

        The tenant's own recording `prompts/<tenant>/<campaign>-abandon.wav` plays if there is
        one; otherwise the message is spoken from the campaign's caller name and number.
        """
        leg = attempt.leg
        if leg is None or leg.ended:
            return
        settings = self.settings
        recorded = (
            self.data_dir
            / "prompts"
            / settings.tenant_slug
            / f"{Path(settings.name).name}-abandon.wav"
        )
        number = " ".join(settings.caller_id)
        text = (
            f"Hello, this is {settings.caller_name or 'a call'} for you. "
            f"Nobody is free to take your call right now; we will call you again. "
            f"You can reach us on {number}."
        )
        try:
            await (leg.play(recorded) if recorded.is_file() else leg.say(text))
        except CallEnded:
            return  # the person hung up during the message
        except Exception:  # no speech engine, a broken file: the hang-up still comes
            log.warning("campaign %s: abandon message not played", settings.name, exc_info=True)
        if not leg.ended:
            leg.terminate("abandoned")

    def _show_lead(
        self, agent_id: str, lead_id: str, kind: str, attempt: _Attempt | None = None
    ) -> None:
        """Put the lead on the agent's screen (the live event stream)."""
        lead = self.leads.get(lead_id)
        data: dict[str, Any] = {
            "agent_id": agent_id,
            "campaign_id": str(self.settings.campaign_id),
            "campaign": self.settings.name,
            "lead_id": lead_id,
        }
        if lead is not None:
            shown = self.settings.lead_fields
            data |= {
                "number": lead.number,
                "external_id": lead.external_id,
                "fields": {k: v for k, v in (lead.fields or {}).items() if k in shown},
            }
        if attempt is not None:
            data |= {"attempt_id": str(attempt.attempt_id), "call_id": attempt.call_id}
        self.bus.publish(LiveEvent("agent", str(self.settings.tenant_id), kind, data))

    # -- the store -----------------------------------------------------------------------
    def _ended(self, attempt: _Attempt, outcome: AttemptOutcome, reason: str) -> None:
        """An attempt that reached no agent is over: record its outcome once."""
        if attempt.outcome is not None:
            return
        attempt.outcome = outcome
        now = time.time()
        values: dict[str, Any] = {"outcome": outcome.value, "end_reason": reason}
        if attempt.leg is None or attempt.leg.ended:
            values["ended_at"] = at(now)  # else the leg's watcher writes when it is over
        if outcome is AttemptOutcome.ABANDONED and attempt.answered_at is not None:
            values["wait_seconds"] = round(now - attempt.answered_at, 3)
        self.log.update(attempt.attempt_id, values)

    async def sync_leads(self) -> None:
        """Write every lead whose state changed since the last write."""
        scheduler = self.campaign.scheduler
        await self.log.sync_leads([scheduler.records[i] for i in scheduler.take_changed()])

    def mark_persisted(self, record: LeadRecord) -> None:
        """A lead as loaded from the store needs no write until it changes."""
        self.log.mark_persisted(record)
