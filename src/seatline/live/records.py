"""The contact record of a finished inbound call, built from what the flow and queue reported."""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from dataclasses import dataclass
from pathlib import Path

from seatline.flows import FlowOutcome
from seatline.live.acd import OfferRecord as LiveOffer
from seatline.live.acd import QueueOutcome, QueueResult
from seatline.live.flow_driver import FlowReport
from seatline.store.contacts import ContactRecord, LegRecord, OfferRecord
from seatline.store.enums import Channel, ContactDirection, ContactOutcome, LegRole, OfferOutcome

__all__ = ["CallFacts", "callback_record", "contact_record"]

_FLOW_OUTCOMES = {
    FlowOutcome.ANSWERED: ContactOutcome.ANSWERED,
    FlowOutcome.HANGUP: ContactOutcome.SELF_SERVICE,
    FlowOutcome.ABANDONED: ContactOutcome.ABANDONED,
    FlowOutcome.VOICEMAIL: ContactOutcome.VOICEMAIL,
    FlowOutcome.CALLBACK: ContactOutcome.CALLBACK,
    FlowOutcome.TRANSFERRED: ContactOutcome.TRANSFERRED,
    FlowOutcome.QUEUE_FAILED: ContactOutcome.REJECTED,
    FlowOutcome.ERROR: ContactOutcome.FAILED,
}
_QUEUE_OUTCOMES = {
    QueueResult.ANSWERED: ContactOutcome.ANSWERED,
    QueueResult.ABANDONED: ContactOutcome.ABANDONED,
    QueueResult.VOICEMAIL: ContactOutcome.VOICEMAIL,
    QueueResult.CALLBACK: ContactOutcome.CALLBACK,
    QueueResult.REJECTED: ContactOutcome.REJECTED,
}


@dataclass(frozen=True)
class CallFacts:
    """What the switch knows of the caller's leg."""

    tenant_id: uuid.UUID
    contact_id: uuid.UUID
    sip_call_id: str
    dialled: str
    caller: str
    caller_name: str
    arrived_at: dt.datetime
    ended_at: dt.datetime
    end_reason: str
    flow_id: uuid.UUID | None
    flow_name: str | None
    flow_version: int | None


def _at(seconds: float | None) -> dt.datetime | None:
    return None if seconds is None else dt.datetime.fromtimestamp(seconds, dt.UTC)


def _offer(offer: LiveOffer) -> OfferRecord | None:
    try:
        agent_id = uuid.UUID(offer.agent_id)
    except ValueError:
        return None  # an agent outside the store (a test switch): nothing to link the row to
    outcome = OfferOutcome(offer.outcome) if offer.outcome != "ringing" else OfferOutcome.WITHDRAWN
    return OfferRecord(
        agent_id, _at(offer.offered_at) or dt.datetime.now(dt.UTC), outcome, _at(offer.ended_at)
    )


def outcome_of(report: FlowReport) -> ContactOutcome:
    """The record's outcome: the queue's verdict when there was one, else the flow's."""
    if report.queue is not None:
        return _QUEUE_OUTCOMES[report.queue.result]
    if report.ended is None:
        return ContactOutcome.ABANDONED
    if report.ended.outcome is FlowOutcome.ABANDONED and report.voicemail is not None:
        return ContactOutcome.VOICEMAIL  # hanging up is how a voicemail ends
    return _FLOW_OUTCOMES[report.ended.outcome]


def contact_record(
    facts: CallFacts, report: FlowReport, recording: Path | None = None
) -> ContactRecord:
    """Build the store's record of one inbound call."""
    queue = report.queue
    answered_at = _at(queue.answered_at) if queue is not None else None
    agent_id = None
    if queue is not None and queue.agent_id and queue.result is QueueResult.ANSWERED:
        try:
            agent_id = uuid.UUID(queue.agent_id)
        except ValueError:
            agent_id = None
    talk = None
    if answered_at is not None and queue is not None:
        talk = max(queue.left_at - (queue.answered_at or queue.left_at), 0.0)
    caller_leg = LegRecord(
        facts.sip_call_id,
        LegRole.CALLER,
        facts.arrived_at,
        peer=facts.caller,
        answered_at=facts.arrived_at,
        ended_at=facts.ended_at,
        end_reason=facts.end_reason,
    )
    legs = [caller_leg]
    if queue is not None and queue.agent_leg is not None:
        leg = queue.agent_leg
        answered = _at(leg.answered_at) or facts.arrived_at
        legs.append(
            LegRecord(
                leg.sip_call_id,
                LegRole.AGENT,
                answered,
                peer=leg.peer,
                answered_at=answered,
                ended_at=_at(leg.ended_at),
                end_reason=leg.end_reason,
            )
        )
    ended = report.ended
    offers = [o for o in (_offer(x) for x in (queue.offers if queue else ())) if o is not None]
    return ContactRecord(
        tenant_id=facts.tenant_id,
        contact_id=facts.contact_id,
        channel=Channel.VOICE,
        direction=ContactDirection.INBOUND,
        arrived_at=facts.arrived_at,
        outcome=outcome_of(report),
        dialled_number=facts.dialled,
        caller_number=facts.caller,
        caller_name=facts.caller_name,
        # The IVR part ends when the caller is handed to a queue (or when the flow ends).
        flow_ended_at=_at(queue.enqueued_at) if queue else report.ended_at,
        enqueued_at=_at(queue.enqueued_at) if queue else None,
        answered_at=answered_at,
        ended_at=facts.ended_at,
        queue_name=queue.queue if queue else None,
        agent_id=agent_id,
        flow_id=facts.flow_id,
        flow_name=facts.flow_name,
        flow_version=facts.flow_version,
        flow_path=ended.path if ended else (),
        inputs=dict(ended.inputs) if ended else {},
        wait_seconds=queue.wait if queue else None,
        talk_seconds=talk,
        recording_path=str(recording) if recording is not None and recording.exists() else None,
        voicemail_path=str(report.voicemail) if report.voicemail is not None else None,
        end_reason=facts.end_reason,
        legs=tuple(legs),
        offers=tuple(offers),
    )


def callback_record(
    tenant_id: uuid.UUID, requested_by: str, outcome: QueueOutcome
) -> ContactRecord:
    """The record of a callback call: outbound, from the agent who took it to the customer."""
    agent_id = None
    with contextlib.suppress(ValueError, TypeError):
        agent_id = uuid.UUID(outcome.agent_id) if outcome.agent_id else None
    answered = outcome.result is QueueResult.ANSWERED
    ended_at = _at(outcome.left_at) or dt.datetime.now(dt.UTC)
    offers = [o for o in (_offer(x) for x in outcome.offers) if o is not None]
    return ContactRecord(
        tenant_id=tenant_id,
        contact_id=uuid.uuid4(),
        channel=Channel.VOICE,
        direction=ContactDirection.OUTBOUND,
        arrived_at=_at(outcome.enqueued_at) or ended_at,
        outcome=ContactOutcome.ANSWERED if answered else ContactOutcome.FAILED,
        dialled_number=outcome.number,
        answered_at=_at(outcome.answered_at),
        ended_at=ended_at,
        queue_name=outcome.queue,
        agent_id=agent_id,
        wait_seconds=outcome.wait,
        talk_seconds=(outcome.left_at - outcome.answered_at) if outcome.answered_at else None,
        end_reason=f"callback requested by contact {requested_by}",
        offers=tuple(offers),
    )
