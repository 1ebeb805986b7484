"""Whole lifecycles and edge cases: wrap-up override, ring-all timeout, logout, snapshots."""

from __future__ import annotations

import pytest

from seatline.routing import (
    AgentConfig,
    AgentState,
    Channel,
    DuplicateId,
    Ended,
    EndReason,
    IllegalContactOperation,
    OverflowAction,
    Strategy,
    ToCallback,
)

from .harness import Center, cancels, offers


def test_wrap_up_override_per_contact(center: Center) -> None:
    center.queue("q", wrap_up=30)
    center.agent("a")
    center.arrive("c", "q")
    center.call(center.engine.offer_answered, "c", "a")
    center.engine.contact_finished("c", 10, wrap_up=2.5)
    assert center.engine.next_deadline() == 12.5
    center.at(12.5)
    assert center.state("a").state is AgentState.AVAILABLE


def test_ring_all_timeout_cancels_everyone_and_retries_later(center: Center) -> None:
    center.queue("q", strategy=Strategy.RING_ALL, offer_timeout=10, no_answer_not_ready=False)
    center.agent("a")
    center.agent("b")
    assert len(offers(center.arrive("c", "q"))) == 2
    decisions = center.at(10)
    assert sorted(cancels(decisions)) == [("c", "a"), ("c", "b")]
    # Both stay ready; the contact keeps waiting (they declined by not answering).
    assert offers(decisions) == []
    assert center.state("a").state is AgentState.AVAILABLE
    center.agent("late")
    assert offers(center.decisions)[-1] == ("c", "late")


def test_preferred_agent_offline_means_no_stickiness(center: Center) -> None:
    center.queue("q", sticky_timeout=30)
    center.agent("other")
    center.engine.add_agent(AgentConfig("gone"), 0)  # never logged in
    assert offers(center.arrive("c", "q", preferred_agent="gone")) == [("c", "other")]


def test_max_wait_callback_keeps_the_contact_queued(center: Center) -> None:
    center.queue("q", max_wait=30, max_wait_action=OverflowAction.CALLBACK)
    center.arrive("c", "q")
    assert center.at(30) == [ToCallback("c", "q")]
    assert center.engine.snapshot(30).queues[0].callbacks == 1
    center.agent("a")
    assert offers(center.decisions) == [("c", "a")]


def test_logout_during_wrap_up_is_allowed(center: Center) -> None:
    center.queue("q", wrap_up=60)
    center.agent("a")
    center.arrive("c", "q")
    center.handle("c", "a")
    center.call(center.engine.agent_logout, "a")
    assert center.state("a").state is AgentState.OFFLINE
    assert center.engine.next_deadline() is None


def test_chat_agent_state_is_derived_from_all_its_contacts(center: Center) -> None:
    center.queue("chat", wrap_up=5)
    center.agent("a", capacity={Channel.CHAT: 2})
    center.arrive("x", "chat", channel=Channel.CHAT)
    center.call(center.engine.offer_answered, "x", "a")
    center.arrive("y", "chat", channel=Channel.CHAT)
    assert center.state("a").state is AgentState.ON_CONTACT  # talking beats ringing
    center.call(center.engine.contact_finished, "x")
    assert center.state("a").state is AgentState.RESERVED  # y still ringing
    center.call(center.engine.offer_answered, "y", "a")
    center.call(center.engine.contact_finished, "y")
    assert center.state("a").state is AgentState.WRAP_UP
    center.at(5)
    assert center.state("a").state is AgentState.AVAILABLE


def test_snapshot_reports_waiting_and_longest_wait(center: Center) -> None:
    center.queue("q")
    center.arrive("c1", "q")
    center.now = 7
    center.arrive("c2", "q")
    queue = center.engine.snapshot(12).queues[0]
    assert (queue.waiting, queue.longest_wait, queue.offered) == (2, 12, 0)


def test_misuse_is_refused_with_named_errors(center: Center) -> None:
    center.queue("q")
    center.arrive("c", "q")
    with pytest.raises(DuplicateId):
        center.arrive("c", "q")
    with pytest.raises(IllegalContactOperation):
        center.engine.contact_finished("c", 1)
    with pytest.raises(IllegalContactOperation):
        center.engine.offer_answered("c", "nobody", 1)


def test_each_contact_ends_once_with_its_reason(center: Center) -> None:
    center.queue("q", max_length=1)
    center.agent("a")
    center.arrive("served", "q")
    center.handle("served", "a")
    center.arrive("ringing", "q")  # offered to "a" at once
    center.arrive("waiting", "q")
    center.arrive("full", "q")
    center.call(center.engine.contact_abandoned, "ringing")
    ended = [(e.contact_id, e.reason) for e in center.events if isinstance(e, Ended)]
    assert ended == [
        ("served", EndReason.COMPLETED),
        ("full", EndReason.REJECTED),
        ("ringing", EndReason.ABANDONED),
    ]
