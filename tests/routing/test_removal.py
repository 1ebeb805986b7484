"""Removing agents and queues live: nobody waiting is lost, no call is cut."""

from __future__ import annotations

import pytest

from seatline.routing import (
    AgentConfig,
    AgentRemoved,
    AgentState,
    AgentStateChanged,
    Channel,
    ConfigError,
    ContactMoved,
    DuplicateId,
    Ended,
    EndReason,
    IllegalAgentTransition,
    QueueConfig,
    QueueNotEmpty,
    QueueRemoved,
    UnknownAgent,
    UnknownQueue,
)

from .harness import Center, cancels, offers

S = AgentState


def changes(center: Center, agent_id: str) -> list[tuple[str, str, str | None]]:
    return [
        (e.old.value, e.new.value, e.reason)
        for e in center.events
        if isinstance(e, AgentStateChanged) and e.agent_id == agent_id
    ]


def move(center: Center, name: str, target: str) -> None:
    center.engine.remove_queue(name, center.now, move_to=target)
    center.drain()


def removed_agents(center: Center) -> list[str]:
    return [e.agent_id for e in center.events if isinstance(e, AgentRemoved)]


def agent_ids(center: Center) -> list[str]:
    return [a.agent_id for a in center.engine.snapshot(center.now).agents]


# -- agents --------------------------------------------------------------------------------
def test_removing_an_idle_agent_logs_it_out_and_forgets_it(center: Center) -> None:
    center.queue("q")
    center.agent("a")
    center.call(center.engine.remove_agent, "a")
    assert changes(center, "a")[-1] == ("available", "offline", None)
    assert removed_agents(center) == ["a"]
    assert agent_ids(center) == []
    assert offers(center.arrive("c", "q")) == []
    with pytest.raises(UnknownAgent):
        center.engine.set_ready("a", center.now)
    center.agent("a")  # the same id may come back at once
    assert offers(center.decisions)[-1] == ("c", "a")


def test_removing_an_offline_agent_emits_only_the_removal(center: Center) -> None:
    center.engine.add_agent(AgentConfig("a"), 0)
    center.call(center.engine.remove_agent, "a")
    assert changes(center, "a") == []
    assert removed_agents(center) == ["a"]


def test_a_reserved_agent_leaves_and_the_contact_keeps_its_place(center: Center) -> None:
    center.queue("q")
    center.agent("a")
    center.agent("busy")
    center.arrive("first", "q")  # rings a (longest idle)
    assert offers(center.decisions) == [("first", "a")]
    center.arrive("x", "q")  # busy agent takes x
    center.call(center.engine.offer_answered, "x", "busy")
    center.now = 5
    center.arrive("second", "q")
    decisions = center.call(center.engine.remove_agent, "a")
    assert cancels(decisions) == [("first", "a")]
    assert center.engine.waiting_order("q") == ["first", "second"]  # back at its place
    assert removed_agents(center) == ["a"]
    center.call(center.engine.contact_finished, "x")
    assert offers(center.decisions)[-1] == ("first", "busy")


def test_an_agent_on_a_call_leaves_after_the_call_and_its_wrap_up(center: Center) -> None:
    center.queue("q", wrap_up=10)
    center.agent("a")
    center.arrive("c", "q")
    center.call(center.engine.offer_answered, "c", "a")
    center.call(center.engine.remove_agent, "a")
    state = center.state("a")
    assert (state.state, state.leaving) == (S.ON_CONTACT, True)
    assert removed_agents(center) == []
    assert offers(center.arrive("next", "q")) == []  # no new work
    with pytest.raises(IllegalAgentTransition):
        center.engine.set_ready("a", center.now)
    with pytest.raises(DuplicateId, match="being removed"):
        center.engine.add_agent(AgentConfig("a"), center.now)
    center.call(center.engine.remove_agent, "a")  # twice: nothing more
    center.now = 60
    center.call(center.engine.contact_finished, "c")
    assert [e.reason for e in center.events if isinstance(e, Ended)] == [EndReason.COMPLETED]
    assert center.state("a").state is S.WRAP_UP
    center.at(70)
    assert changes(center, "a")[-1] == ("wrap_up", "offline", None)
    assert removed_agents(center) == ["a"]
    assert "a" not in agent_ids(center)
    center.agent("a")
    assert offers(center.decisions)[-1] == ("next", "a")


def test_an_agent_without_wrap_up_passes_by_not_ready(center: Center) -> None:
    center.queue("q")
    center.agent("a")
    center.arrive("c", "q")
    center.call(center.engine.offer_answered, "c", "a")
    center.call(center.engine.remove_agent, "a")
    center.call(center.engine.contact_finished, "c")
    assert changes(center, "a")[-2:] == [
        ("on_contact", "not_ready", "removed"),
        ("not_ready", "offline", None),
    ]
    assert removed_agents(center) == ["a"]


def test_a_chat_agent_leaves_after_its_last_contact(center: Center) -> None:
    center.queue("chat")
    center.agent("a", capacity={Channel.CHAT: 2})
    for name in ("c1", "c2"):
        center.arrive(name, "chat", channel=Channel.CHAT)
        center.call(center.engine.offer_answered, name, "a")
    center.call(center.engine.remove_agent, "a")
    center.call(center.engine.contact_finished, "c1")
    assert removed_agents(center) == []
    assert center.state("a").state is S.ON_CONTACT
    center.call(center.engine.contact_finished, "c2")
    assert removed_agents(center) == ["a"]


def test_logging_out_a_leaving_agent_in_wrap_up_completes_the_removal(center: Center) -> None:
    center.queue("q", wrap_up=30)
    center.agent("a")
    center.arrive("c", "q")
    center.handle("c", "a")
    center.call(center.engine.remove_agent, "a")
    assert removed_agents(center) == []
    center.call(center.engine.agent_logout, "a")
    assert removed_agents(center) == ["a"]
    assert center.engine.next_deadline() is None  # the wrap-up timer is void


def test_contacts_waiting_for_a_removed_sticky_agent_go_to_everyone(center: Center) -> None:
    center.queue("q", sticky_timeout=60)
    center.agent("fav")
    center.agent("other")
    center.arrive("x", "q", preferred_agent="fav")
    center.call(center.engine.offer_answered, "x", "fav")
    center.arrive("y", "q")  # rings "other"
    center.agent("third")
    center.arrive("c", "q", preferred_agent="fav")  # waits for fav only, though third is idle
    assert offers(center.decisions)[-1] == ("y", "other")
    decisions = center.call(center.engine.remove_agent, "fav")
    assert offers(decisions) == [("c", "third")]


def test_removing_an_unknown_agent_raises(center: Center) -> None:
    with pytest.raises(UnknownAgent):
        center.engine.remove_agent("ghost", 0)


# -- queues --------------------------------------------------------------------------------
def test_removing_an_empty_queue_drops_memberships_only(center: Center) -> None:
    center.queue("gone")
    center.queue("kept")
    center.agent("a")
    center.call(center.engine.remove_queue, "gone")
    removed = [e for e in center.events if isinstance(e, QueueRemoved)]
    assert removed == [QueueRemoved(0.0, "gone", None, 0)]
    assert [q.name for q in center.engine.snapshot(0).queues] == ["kept"]
    assert center.state("a").state is S.AVAILABLE  # nobody logged out
    with pytest.raises(UnknownQueue):
        center.arrive("c", "gone")
    assert offers(center.arrive("k", "kept")) == [("k", "a")]
    center.handle("k", "a")
    center.queue("gone")  # added again: agents join it again
    assert offers(center.arrive("c", "gone")) == [("c", "a")]


def test_a_queue_with_waiting_callers_needs_a_target(center: Center) -> None:
    center.queue("q")
    center.arrive("c", "q")
    with pytest.raises(QueueNotEmpty) as caught:
        center.engine.remove_queue("q", 0)
    assert (caught.value.waiting, caught.value.ringing) == (1, 0)
    assert center.engine.position("c") == 1  # nothing changed
    with pytest.raises(ConfigError):
        center.engine.remove_queue("q", 0, move_to="q")
    with pytest.raises(UnknownQueue):
        center.engine.remove_queue("q", 0, move_to="nowhere")
    with pytest.raises(UnknownQueue):
        center.engine.remove_queue("nowhere", 0)


def test_a_queue_with_a_ringing_contact_needs_a_target(center: Center) -> None:
    center.queue("q")
    center.agent("a")
    center.arrive("c", "q")
    with pytest.raises(QueueNotEmpty) as caught:
        center.engine.remove_queue("q", 0)
    assert (caught.value.waiting, caught.value.ringing) == (0, 1)


def test_moved_contacts_keep_arrival_and_priority_in_the_target(center: Center) -> None:
    center.queue("old")
    center.queue("new")
    center.arrive("n1", "new")  # t=0
    center.now = 1
    center.arrive("o1", "old")
    center.now = 2
    center.arrive("n2", "new")
    center.now = 3
    center.arrive("o2", "old", priority=3)
    center.now = 4
    center.arrive("o3", "old", vip=True)
    center.call(center.engine.request_callback, "o1")
    move(center, "old", "new")
    moves = [e for e in center.events if isinstance(e, ContactMoved)]
    assert [e.contact_id for e in moves] == ["o3", "o2", "o1"]  # serving order
    assert all((e.from_queue, e.to_queue) == ("old", "new") for e in moves)
    assert [e for e in center.events if isinstance(e, QueueRemoved)][-1].moved == 3
    assert center.engine.waiting_order("new") == ["o3", "o2", "n1", "o1", "n2"]
    snapshot = center.engine.snapshot(center.now).queues
    assert [(q.name, q.waiting, q.callbacks) for q in snapshot] == [("new", 5, 1)]
    center.agent("a")
    assert offers(center.decisions) == [("o3", "a")]


def test_moved_contacts_meet_idle_agents_of_the_target_in_order(center: Center) -> None:
    center.queue("old", requirement="x > 0")
    center.queue("new")
    center.agent("a")  # no skill x: idle, serves only "new"
    center.arrive("o1", "old")
    center.now = 1
    center.arrive("o2", "old", priority=2)
    assert offers(center.decisions) == []
    move(center, "old", "new")
    assert offers(center.decisions) == [("o2", "a")]
    assert center.engine.waiting_order("new") == ["o1"]


def test_a_ringing_contact_keeps_ringing_and_returns_to_the_target(center: Center) -> None:
    center.queue("old", offer_timeout=10)
    center.queue("new", requirement="y > 0", offer_timeout=10)
    center.agent("a")
    center.arrive("c", "old")
    move(center, "old", "new")
    assert cancels(center.decisions) == []
    center.at(10)  # no answer: back in line, now in "new" (where a cannot serve)
    assert cancels(center.decisions) == [("c", "a")]
    assert center.engine.waiting_order("new") == ["c"]
    center.agent("b", skills={"y": 1})
    assert offers(center.decisions)[-1] == ("c", "b")


def test_a_connected_contact_finishes_with_its_removed_queue(center: Center) -> None:
    center.queue("q", wrap_up=25)
    center.agent("a")
    center.arrive("c", "q")
    center.call(center.engine.offer_answered, "c", "a")
    center.call(center.engine.remove_queue, "q")  # nobody waits: no target needed
    center.now = 100
    center.call(center.engine.contact_finished, "c")
    ended = [e for e in center.events if isinstance(e, Ended)]
    assert [(e.contact_id, e.queue, e.reason) for e in ended] == [("c", "q", EndReason.COMPLETED)]
    assert center.engine.next_deadline() == 125  # the removed queue's wrap-up
    center.at(125)
    assert center.state("a").state is S.AVAILABLE


def test_contacts_widened_into_a_removed_queue_stay_in_their_own(center: Center) -> None:
    from seatline.routing import OverflowAction, OverflowStep

    center.queue("help", requirement="h > 0")
    center.queue(
        "home",
        requirement="z > 0",
        overflow=(OverflowStep(after=5, action=OverflowAction.WIDEN, queues=("help",)),),
    )
    center.agent("h", skills={"h": 1}, ready=False)
    center.arrive("c", "home")
    center.at(5)
    center.call(center.engine.remove_queue, "help")
    center.call(center.engine.set_ready, "h")
    assert offers(center.decisions) == []  # h no longer serves c through "help"
    assert center.engine.waiting_order("home") == ["c"]
    center.agent("z", skills={"z": 1})
    assert offers(center.decisions) == [("c", "z")]


def test_moved_contacts_follow_the_target_rules(center: Center) -> None:
    center.queue("old")
    center.queue("new", max_wait=30)
    center.arrive("c", "old")
    center.now = 10
    move(center, "old", "new")
    assert center.engine.next_deadline() == 30  # counted from the contact's arrival
    center.at(30)
    ended = [e for e in center.events if isinstance(e, Ended)]
    assert [(e.contact_id, e.queue, e.reason) for e in ended] == [("c", "new", EndReason.VOICEMAIL)]


def test_round_robin_memory_starts_afresh_for_a_queue_added_again(center: Center) -> None:
    from seatline.routing import Strategy

    center.engine.add_queue(QueueConfig("rr", strategy=Strategy.ROUND_ROBIN), 0)
    center.agent("a")
    center.agent("b")
    center.arrive("c1", "rr")
    center.handle("c1", offers(center.decisions)[-1][1])
    center.call(center.engine.remove_queue, "rr")
    center.engine.add_queue(QueueConfig("rr", strategy=Strategy.ROUND_ROBIN), 0)
    center.arrive("c2", "rr")
    assert offers(center.decisions)[-1] == ("c2", "a")  # as on a fresh queue
