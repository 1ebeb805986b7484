"""Contact records built from what the flow and the queue reported (pure)."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

from seatline.flows import FlowEnded, FlowOutcome
from seatline.live import OfferRecord, QueueOutcome, QueueResult
from seatline.live.flow_driver import FlowReport
from seatline.live.records import CallFacts, callback_record, contact_record, outcome_of
from seatline.store.enums import ContactDirection, ContactOutcome, OfferOutcome

T0 = 1_800_000_000.0
AGENT = uuid.uuid4()


def facts() -> CallFacts:
    arrived = dt.datetime.fromtimestamp(T0, dt.UTC)
    return CallFacts(
        uuid.uuid4(),
        uuid.uuid4(),
        "sip-call-id",
        "9100",
        "+4930999",
        "",
        arrived,
        arrived + dt.timedelta(seconds=100),
        "remote-bye",
        None,
        "demo-main",
        3,
    )


def queued(result: QueueResult) -> QueueOutcome:
    offers = (
        OfferRecord("not-a-uuid", T0 + 10, "no_answer", T0 + 25),
        OfferRecord(str(AGENT), T0 + 25, "answered", T0 + 30),
    )
    return QueueOutcome(result, "support", T0 + 8, T0 + 90, str(AGENT), T0 + 30, "", offers)


def test_an_answered_call_has_its_queue_agent_times_and_offers() -> None:
    ended = FlowEnded(
        FlowOutcome.ANSWERED,
        "answered",
        ("hours", "main-menu", "support"),
        {"main-menu": ("2",)},
        {},
    )
    report = FlowReport(ended=ended, queue=queued(QueueResult.ANSWERED))
    record = contact_record(facts(), report)
    assert record.outcome is ContactOutcome.ANSWERED
    assert record.agent_id == AGENT and record.queue_name == "support"
    assert record.flow_ended_at == record.enqueued_at  # the IVR ended when the queue began
    assert record.wait_seconds == 22.0 and record.talk_seconds == 60.0
    assert record.flow_path == ("hours", "main-menu", "support")
    assert record.inputs == {"main-menu": ("2",)}
    # The offer to an agent outside the store cannot be linked; the real one is kept.
    assert [(o.agent_id, o.outcome) for o in record.offers] == [(AGENT, OfferOutcome.ANSWERED)]


def test_outcomes_follow_the_queue_then_the_flow() -> None:
    hangup = FlowEnded(FlowOutcome.HANGUP, "served", ("bye",), {}, {})
    assert outcome_of(FlowReport(ended=hangup)) is ContactOutcome.SELF_SERVICE
    assert outcome_of(FlowReport(queue=queued(QueueResult.ABANDONED))) is ContactOutcome.ABANDONED
    assert outcome_of(FlowReport()) is ContactOutcome.ABANDONED  # hung up before the flow ended
    gone = FlowEnded(FlowOutcome.ABANDONED, "caller hung up", ("leave-message",), {}, {})
    voicemail = FlowReport(ended=gone, voicemail=Path("vm.wav"))
    assert outcome_of(voicemail) is ContactOutcome.VOICEMAIL


def test_a_callback_call_is_an_outbound_record_of_its_own() -> None:
    tenant = uuid.uuid4()
    outcome = QueueOutcome(
        QueueResult.ANSWERED,
        "support",
        T0,
        T0 + 200,
        str(AGENT),
        T0 + 120,
        "callback",
        (),
        "+4930999",
    )
    record = callback_record(tenant, "c-1", outcome)
    assert record.direction is ContactDirection.OUTBOUND
    assert record.outcome is ContactOutcome.ANSWERED and record.agent_id == AGENT
    assert record.dialled_number == "+4930999" and record.talk_seconds == 80.0
    assert "c-1" in record.end_reason
