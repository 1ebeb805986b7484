"""Runs a contact flow on a live call: each `FlowRun` action becomes a `Call` API call.

The flow itself is pure (`seatline.flows`); this driver performs its actions in order, turns
what happened into the next event (digits, a lookup's result, how the queue ended, the caller
hanging up) and keeps what the contact record needs.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from seatline.flows import actions as a
from seatline.flows import events as e
from seatline.flows.model import LookupSource
from seatline.flows.model import QueueResult as FlowQueueResult
from seatline.flows.run import FlowRun
from seatline.live.acd import QueueOutcome, QueueResult
from seatline.switch import Call, CallEnded, SpeechUnavailable
from seatline.switch.prompts import tone

__all__ = ["FlowReport", "FlowServices", "drive_flow"]

log = logging.getLogger(__name__)

# How long a caller may pause between two keys of a longer entry.
INTER_DIGIT_SECONDS = 3.0


class FlowServices(Protocol):
    """What a flow needs from the rest of Seatline on a live call."""

    async def lookup(self, source: LookupSource, key: str) -> e.LookupResult | e.LookupFailed:
        """Look `key` up in the tenant's table or webhook."""
        ...

    async def enqueue(self, call: Call, action: a.Enqueue) -> QueueOutcome:
        """Queue the caller and wait until the queue is done with them."""
        ...

    def request_callback(self, call: Call, action: a.RequestCallback) -> None:
        """Book a callback outside a queue wait."""
        ...

    def prompt_path(self, prompt: str) -> Path:
        """The WAV file of a named prompt."""
        ...

    def voicemail_path(self, call: Call) -> Path:
        """Where this caller's voicemail goes."""
        ...


@dataclass
class FlowReport:
    """What the flow did on the call, for the contact record."""

    ended: a.FlowEnded | None = None
    ended_at: dt.datetime | None = None
    queue: QueueOutcome | None = None
    voicemail: Path | None = None
    transferred_to: str | None = None
    transfer_status: int | None = None  # 200: the target answered or a flow took the call
    callbacks: list[a.RequestCallback] = field(default_factory=list)


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def drive_flow(
    call: Call,
    run: FlowRun,
    services: FlowServices,
    started: e.Started,
    clock: Callable[[], dt.datetime] = _utc_now,
) -> FlowReport:
    """Run `run` on `call` from `started` until the flow ends; never raises for a hang-up."""
    report = FlowReport()
    actions = run.handle(started, clock())
    while True:
        event: e.FlowEvent | None = None
        try:
            for action in actions:
                log.debug("flow %s on %s: %r", run.flow.name, call.id, action)
                if isinstance(action, a.FlowEnded):
                    report.ended, report.ended_at = action, clock()
                    return report
                event = await _perform(call, action, services, report) or event
        except CallEnded:
            event = e.CallerHungUp()
            # A hang-up in the middle of a batch that already ends the flow (a voicemail's
            # beep, a goodbye) ends it as planned: the run has nothing more to say.
            planned = next((x for x in actions if isinstance(x, a.FlowEnded)), None)
            if planned is not None:
                report.ended, report.ended_at = planned, clock()
                return report
        if event is None:  # only actions that need no answer, and no end: the run is stuck
            log.error("flow %s stopped without ending on %s", run.flow.name, call)
            event = e.CallerHungUp()
        log.debug("flow %s on %s: event %r", run.flow.name, call.id, event)
        actions = run.handle(event, clock())
        if not actions:  # never spin: a run that answers nothing more has ended
            outcome = run.outcome or a.FlowOutcome.ABANDONED
            report.ended = a.FlowEnded(outcome, "caller hung up", run.path, run.inputs, {})
            report.ended_at = clock()
            return report


async def _perform(
    call: Call, action: a.Action, services: FlowServices, report: FlowReport
) -> e.FlowEvent | None:
    """Carry out one action; the event answering it, if it waits for one."""
    if isinstance(action, a.Say | a.Play):
        await _prompt(call, action, services)
        return e.PromptDone()
    if isinstance(action, a.CollectDigits):
        return await _collect(call, action, services)
    if isinstance(action, a.Lookup):
        return await services.lookup(action.source, action.key)
    if isinstance(action, a.Enqueue):
        if not call.answered:
            await call.answer()
        outcome = await services.enqueue(call, action)
        report.queue = outcome
        if outcome.result is QueueResult.ABANDONED:
            return e.CallerHungUp()
        return e.QueueOutcome(_FLOW_RESULTS[outcome.result], outcome.agent_id)
    if isinstance(action, a.RecordVoicemail):
        if action.prompt is not None:
            await _prompt(call, action.prompt, services)
        await call.play(tone((1000.0,), 0.3))  # the beep callers expect before speaking
        report.voicemail = await call.record(services.voicemail_path(call), action.max_seconds)
        return None
    if isinstance(action, a.RequestCallback):
        services.request_callback(call, action)
        report.callbacks.append(action)
        return None
    if isinstance(action, a.Transfer):
        report.transferred_to = action.number
        report.transfer_status = await call.transfer(action.number)
        return None
    if isinstance(action, a.HangUp):
        await call.hangup()
        return None
    raise TypeError(f"unknown flow action {action!r}")


async def _prompt(
    call: Call, prompt: a.Say | a.Play, services: FlowServices, barge_in: bool = False
) -> None:
    """Say or play a prompt (answering first: prompts need media)."""
    if not call.answered:
        await call.answer()
    if isinstance(prompt, a.Play):
        await call.play(services.prompt_path(prompt.prompt), barge_in=barge_in)
        return
    try:
        await call.say(prompt.text, barge_in=barge_in)
    except SpeechUnavailable:
        # No speech engine on this node: a short tone keeps the menu usable by its keys.
        log.warning("espeak-ng missing: cannot say %r", prompt.text)
        await call.play(tone((440.0,), 0.2), barge_in=barge_in)


async def _collect(
    call: Call, action: a.CollectDigits, services: FlowServices
) -> e.DigitsCollected | e.DigitsTimedOut:
    """Prompt (a key cuts it short) and collect the caller's digits."""
    if action.prompt is not None:
        await _prompt(call, action.prompt, services, barge_in=True)
    elif not call.answered:
        await call.answer()
    digits = await call.collect_digits(
        max_digits=action.max_digits,
        timeout=action.timeout_seconds,
        inter_digit_timeout=INTER_DIGIT_SECONDS,
        terminator=action.terminator,
    )
    return e.DigitsCollected(digits) if digits else e.DigitsTimedOut()


_FLOW_RESULTS = {
    QueueResult.ANSWERED: FlowQueueResult.ANSWERED,
    QueueResult.REJECTED: FlowQueueResult.REJECTED,
    QueueResult.VOICEMAIL: FlowQueueResult.VOICEMAIL,
    QueueResult.CALLBACK: FlowQueueResult.CALLBACK,
}
