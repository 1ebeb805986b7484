"""Timer fast paths: stale timers are skipped, a due wrap-up end fires after a driver call."""

from __future__ import annotations

import random

from seatline.routing import (
    AgentConfig,
    AgentState,
    AgentStateChanged,
    Channel,
    ContactRequest,
    Offer,
    QueueConfig,
    RoutingEngine,
)


def _engine() -> RoutingEngine:
    engine = RoutingEngine(rng=random.Random(1))
    engine.add_queue(QueueConfig(name="q", offer_timeout=30.0, wrap_up=5.0))
    engine.add_agent(AgentConfig("a1", skills={}), 0.0)
    engine.agent_login("a1", 0.0)
    engine.set_ready("a1", 0.0)
    return engine


def test_next_deadline_skips_the_timeout_of_an_answered_offer() -> None:
    engine = _engine()
    engine.contact_arrived(ContactRequest("c1", "q"), 0.0)
    engine.offer_answered("c1", "a1", 1.0)
    assert engine.next_deadline() is None  # its offer timeout is stale, skipped
    engine.contact_finished("c1", 10.0)
    assert engine.next_deadline() == 15.0  # the wrap-up end, not the stale offer timeout
    engine.take_events()
    engine.advance(15.0)
    changes = [e for e in engine.take_events() if isinstance(e, AgentStateChanged)]
    assert [(e.old, e.new, e.at) for e in changes] == [
        (AgentState.WRAP_UP, AgentState.AVAILABLE, 15.0)
    ]
    assert engine.next_deadline() is None


def test_driver_call_at_the_wrap_up_end_comes_first() -> None:
    engine = _engine()
    engine.contact_arrived(ContactRequest("c1", "q"), 0.0)
    engine.offer_answered("c1", "a1", 0.0)
    engine.contact_finished("c1", 10.0, wrap_up=5.0)
    engine.take_decisions()
    engine.contact_arrived(ContactRequest("c2", "q"), 15.0)  # the agent is still wrapping up
    assert engine.take_decisions() == []
    engine.advance(15.0)
    assert engine.take_decisions() == [Offer("c2", "a1", "q", Channel.VOICE)]


def test_wrap_up_end_fires_inside_a_later_driver_call() -> None:
    engine = _engine()
    engine.contact_arrived(ContactRequest("c1", "q"), 0.0)
    engine.offer_answered("c1", "a1", 0.0)
    engine.contact_finished("c1", 10.0)
    engine.take_decisions()
    engine.contact_arrived(ContactRequest("c2", "q"), 20.0)  # fires the wrap-up end first
    assert engine.take_decisions() == [Offer("c2", "a1", "q", Channel.VOICE)]
