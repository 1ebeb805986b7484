"""The agent state machine: table, legal and illegal moves, reasons, time in state."""

from __future__ import annotations

import pytest

from seatline.routing import (
    TRANSITIONS,
    AgentConfig,
    AgentState,
    AgentStateChanged,
    DuplicateId,
    IllegalAgentTransition,
    RoutingError,
    UnknownAgent,
)

from .harness import Center, offers

S = AgentState


def changes(center: Center, agent_id: str) -> list[tuple[str, str, str | None]]:
    return [
        (e.old.value, e.new.value, e.reason)
        for e in center.events
        if isinstance(e, AgentStateChanged) and e.agent_id == agent_id
    ]


def test_table_shape() -> None:
    assert TRANSITIONS[S.OFFLINE] == {S.NOT_READY}
    assert S.AVAILABLE in TRANSITIONS[S.NOT_READY]
    assert S.OFFLINE not in TRANSITIONS[S.ON_CONTACT]
    assert S.ON_CONTACT not in TRANSITIONS[S.AVAILABLE]  # always through RESERVED
    assert set(TRANSITIONS) == set(AgentState)


def test_full_cycle_emits_each_state_with_time(center: Center) -> None:
    center.queue("q", wrap_up=10)
    center.agent("a")
    center.now = 5
    center.arrive("c", "q")
    center.now = 7
    center.call(center.engine.offer_answered, "c", "a")
    center.now = 60
    center.call(center.engine.contact_finished, "c")
    center.at(70)
    assert changes(center, "a") == [
        ("offline", "not_ready", "login"),
        ("not_ready", "available", None),
        ("available", "reserved", None),
        ("reserved", "on_contact", None),
        ("on_contact", "wrap_up", None),
        ("wrap_up", "available", None),
    ]
    times = [e.at for e in center.events if isinstance(e, AgentStateChanged)]
    assert times == [0, 0, 5, 7, 60, 70]
    center.now = 100
    assert center.state("a").time_in_state == 30


def test_not_ready_reason_is_visible_and_changes_are_announced(center: Center) -> None:
    center.queue("q")
    center.agent("a")
    center.now = 3
    center.call(center.engine.set_not_ready, "a", "lunch")
    center.now = 8
    center.call(center.engine.set_not_ready, "a", "training")
    snapshot = center.state("a")
    assert (snapshot.state, snapshot.reason, snapshot.time_in_state) == (S.NOT_READY, "training", 0)
    assert changes(center, "a")[-2:] == [
        ("available", "not_ready", "lunch"),
        ("not_ready", "not_ready", "training"),
    ]
    assert offers(center.arrive("c", "q")) == []  # not ready agents get nothing


def test_not_ready_during_a_contact_applies_after_it(center: Center) -> None:
    center.queue("q", wrap_up=5)
    center.agent("a")
    center.arrive("c1", "q")
    center.call(center.engine.offer_answered, "c1", "a")
    center.call(center.engine.set_not_ready, "a", "meeting")
    assert center.state("a").state is S.ON_CONTACT
    center.arrive("c2", "q")
    center.call(center.engine.contact_finished, "c1")
    center.at(5)
    assert center.state("a").state is S.NOT_READY
    assert center.state("a").reason == "meeting"
    assert offers(center.decisions) == [("c1", "a")]  # c2 was not offered


def test_illegal_moves_raise_named_errors(center: Center) -> None:
    center.queue("q")
    center.engine.add_agent(AgentConfig("a"), 0)
    with pytest.raises(IllegalAgentTransition) as caught:
        center.engine.set_ready("a", 0)
    assert (caught.value.old, caught.value.new) == (S.OFFLINE, S.AVAILABLE)
    assert "'a'" in str(caught.value)
    with pytest.raises(IllegalAgentTransition):
        center.engine.set_not_ready("a", "x", 0)
    center.engine.agent_login("a", 0)
    with pytest.raises(IllegalAgentTransition):
        center.engine.agent_login("a", 0)
    center.engine.set_ready("a", 0)
    center.arrive("c", "q")
    center.call(center.engine.offer_answered, "c", "a")
    with pytest.raises(IllegalAgentTransition):
        center.engine.agent_logout("a", 1)
    assert issubclass(IllegalAgentTransition, RoutingError)
    with pytest.raises(UnknownAgent):
        center.engine.set_ready("ghost", 0)
    with pytest.raises(DuplicateId):
        center.engine.add_agent(AgentConfig("a"), 0)


def test_logout_while_reserved_requeues_the_contact(center: Center) -> None:
    center.queue("q")
    center.agent("a")
    center.now = 1
    center.agent("b", ready=False)
    center.arrive("c", "q")
    center.call(center.engine.agent_logout, "a")
    assert center.state("a").state is S.OFFLINE
    assert offers(center.call(center.engine.set_ready, "b")) == [("c", "b")]
    assert changes(center, "a")[-1] == ("reserved", "offline", None)


def test_live_skill_change_moves_agent_between_queues(center: Center) -> None:
    center.queue("sales", requirement="sales >= 3")
    center.agent("a", {"sales": 1})
    center.arrive("c", "sales")
    assert offers(center.decisions) == []
    center.engine.update_agent(AgentConfig("a", skills={"sales": 3}), 1)
    assert offers(center.drain()) == [("c", "a")]
    assert center.state("a").state is S.RESERVED  # not logged out by the change
