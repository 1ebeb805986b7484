"""A waiting contact sent to voicemail leaves the line at once and is never offered."""

from __future__ import annotations

import pytest

from seatline.routing import (
    Abandoned,
    AgentConfig,
    ContactRequest,
    Ended,
    EndReason,
    IllegalContactOperation,
    QueueConfig,
    RoutingEngine,
    ToVoicemail,
)


def test_voicemail_ends_the_contact_without_counting_it_abandoned() -> None:
    engine = RoutingEngine()
    engine.add_queue(QueueConfig("support"))
    engine.contact_arrived(ContactRequest("c1", "support"), 0.0)
    assert engine.expected_wait("c1", 0.0) is None  # nobody logged in
    engine.send_to_voicemail("c1", 1.0)
    assert engine.take_decisions() == [ToVoicemail("c1", "support")]
    events = engine.take_events()
    assert [e for e in events if isinstance(e, Ended)] == [
        Ended(1.0, "c1", "support", EndReason.VOICEMAIL, None)
    ]
    assert not any(isinstance(e, Abandoned) for e in events)
    engine.add_agent(AgentConfig("a"), 2.0)
    engine.agent_login("a", 2.0)
    engine.set_ready("a", 2.0)
    assert engine.take_decisions() == []  # gone: nobody is offered it


def test_only_a_waiting_contact_can_be_sent() -> None:
    engine = RoutingEngine()
    engine.add_queue(QueueConfig("support"))
    engine.add_agent(AgentConfig("a"), 0.0)
    engine.agent_login("a", 0.0)
    engine.set_ready("a", 0.0)
    engine.contact_arrived(ContactRequest("c1", "support"), 0.0)  # offered at once
    with pytest.raises(IllegalContactOperation):
        engine.send_to_voicemail("c1", 0.5)
