"""Position in line and expected wait, for "you are caller number 3" announcements."""

from __future__ import annotations

import pytest

from seatline.routing import (
    Channel,
    IllegalContactOperation,
    OverflowAction,
    OverflowStep,
    UnknownContact,
    UnknownQueue,
)
from seatline.routing.queue import DEFAULT_TALK_TIME, HANDLE_WINDOW

from .harness import Center, offers


def busy_center(center: Center, agents: int = 2, wrap_up: float = 0.0) -> None:
    """A queue whose agents are all talking (so arrivals wait)."""
    center.queue("q", wrap_up=wrap_up)
    for i in range(agents):
        center.agent(f"a{i}")
        center.arrive(f"busy{i}", "q")
        center.call(center.engine.offer_answered, f"busy{i}", f"a{i}")


def test_position_follows_vip_priority_then_arrival(center: Center) -> None:
    busy_center(center, agents=1)
    center.arrive("plain1", "q")
    center.now = 1
    center.arrive("plain2", "q")
    center.now = 2
    center.arrive("urgent", "q", priority=5)
    center.now = 3
    center.arrive("vip", "q", vip=True)
    engine = center.engine
    order = ["vip", "urgent", "plain1", "plain2"]
    assert [engine.position(c) for c in order] == [1, 2, 3, 4]
    assert engine.waiting_order("q") == order


def test_position_with_priority_aging_is_the_serving_order(center: Center) -> None:
    center.queue("q", priority_aging_per_second=1.0)
    center.agent("a")
    center.arrive("busy", "q")
    center.arrive("old", "q")  # waited 10 s at t=10: effective priority 10
    center.now = 10
    center.arrive("high", "q", priority=5)  # effective 5 < 10
    center.arrive("higher", "q", priority=20)
    assert center.engine.waiting_order("q") == ["higher", "old", "high"]
    assert [center.engine.position(c) for c in ("higher", "old", "high")] == [1, 2, 3]
    center.handle("busy", "a")
    assert offers(center.decisions)[-1] == ("higher", "a")
    assert center.engine.position("old") == 1


def test_positions_count_per_channel(center: Center) -> None:
    center.queue("q")
    center.arrive("mail", "q", channel=Channel.EMAIL)
    center.arrive("call", "q")
    assert center.engine.position("call") == 1
    assert center.engine.position("mail") == 1
    assert center.engine.waiting_order("q", Channel.EMAIL) == ["mail"]


def test_positions_move_up_as_contacts_leave(center: Center) -> None:
    busy_center(center, agents=1)
    for name in ("c1", "c2", "c3"):
        center.arrive(name, "q")
    center.call(center.engine.contact_abandoned, "c1")
    assert center.engine.position("c3") == 2
    center.call(center.engine.contact_finished, "busy0")  # c2 is offered: out of the line
    assert center.engine.position("c3") == 1
    with pytest.raises(IllegalContactOperation):
        center.engine.position("c2")


def test_callbacks_keep_their_place_in_line(center: Center) -> None:
    busy_center(center, agents=1)
    center.arrive("early", "q")
    center.arrive("late", "q")
    center.call(center.engine.request_callback, "early")
    assert center.engine.position("late") == 2


def test_unknown_contact_or_queue(center: Center) -> None:
    center.queue("q")
    with pytest.raises(UnknownContact):
        center.engine.position("nobody")
    with pytest.raises(UnknownContact):
        center.engine.expected_wait("nobody", 0)
    with pytest.raises(UnknownQueue):
        center.engine.waiting_order("nowhere")


def test_no_agent_able_to_serve_means_no_estimate(center: Center) -> None:
    center.queue("q", requirement="sales > 0")
    center.agent("other", skills={"support": 3})
    center.arrive("c", "q")
    assert center.engine.expected_wait("c", 0) is None
    center.agent("paused", skills={"sales": 1}, ready=False)
    assert center.engine.expected_wait("c", 0) is None  # not ready: serves nobody now


def test_expected_wait_before_any_measure_uses_a_typical_talk(center: Center) -> None:
    busy_center(center, agents=2, wrap_up=20)
    center.arrive("c1", "q")
    center.arrive("c2", "q")
    center.arrive("c3", "q")
    handle = DEFAULT_TALK_TIME + 20
    assert center.engine.expected_wait("c1", 0) == pytest.approx(handle / 2)
    assert center.engine.expected_wait("c3", 0) == pytest.approx(3 * handle / 2)


def test_expected_wait_uses_measured_talk_plus_wrap_up(center: Center) -> None:
    center.queue("q", wrap_up=20)
    center.agent("a")
    center.agent("b")
    for i, talk in enumerate((60.0, 140.0)):  # handle times 80 and 160: mean 120
        center.arrive(f"m{i}", "q")
        agent = offers(center.decisions)[-1][1]
        center.call(center.engine.offer_answered, f"m{i}", agent)
        center.now += talk
        center.call(center.engine.contact_finished, f"m{i}")
        center.at(center.now + 20)
    center.arrive("x", "q")
    center.arrive("y", "q")  # both agents talk now
    center.arrive("c1", "q")
    center.arrive("c2", "q")
    assert center.engine.expected_wait("c1", center.now) == pytest.approx(120 / 2)
    assert center.engine.expected_wait("c2", center.now) == pytest.approx(2 * 120 / 2)


def test_wrap_up_override_is_what_gets_measured(center: Center) -> None:
    busy_center(center, agents=1, wrap_up=100)
    center.now = 30
    center.engine.contact_finished("busy0", center.now, wrap_up=10)
    center.arrive("c", "q")
    assert center.engine.expected_wait("c", center.now) == pytest.approx(40)


def test_handle_time_follows_recent_contacts() -> None:
    center = Center()
    center.queue("q")
    center.agent("a")
    for i in range(HANDLE_WINDOW * 6):
        talk = 100.0 if i < HANDLE_WINDOW else 300.0
        center.arrive(f"c{i}", "q")
        center.call(center.engine.offer_answered, f"c{i}", "a")
        center.now += talk
        center.call(center.engine.contact_finished, f"c{i}")
    center.arrive("busy", "q")
    center.arrive("w", "q")
    estimate = center.engine.expected_wait("w", center.now)
    assert estimate is not None
    assert 297 < estimate <= 300  # the old 100 s contacts have faded out (the mean: 267)


def test_servers_count_capacity_and_respect_contact_rules(center: Center) -> None:
    center.queue("chat")
    center.agent("a", skills={"fr": 1}, capacity={Channel.CHAT: 3})
    center.agent("b", skills={"de": 1}, capacity={Channel.CHAT: 2})
    for i in range(5):
        center.arrive(f"busy{i}", "chat", channel=Channel.CHAT)
        agent = offers(center.decisions)[-1][1]
        center.call(center.engine.offer_answered, f"busy{i}", agent)
    center.arrive("any", "chat", channel=Channel.CHAT)
    center.arrive("french", "chat", channel=Channel.CHAT, requirement="fr > 0")
    handle = DEFAULT_TALK_TIME
    assert center.engine.expected_wait("any", 0) == pytest.approx(handle / 5)
    assert center.engine.expected_wait("french", 0) == pytest.approx(2 * handle / 3)


def test_relaxed_and_widened_placements_add_their_agents(center: Center) -> None:
    center.queue(
        "q",
        requirement="sales >= 5",
        overflow=(
            OverflowStep(after=10, action=OverflowAction.RELAX, requirement="sales >= 1"),
            OverflowStep(after=20, action=OverflowAction.WIDEN, queues=("other",)),
        ),
    )
    center.queue("other", requirement="support > 0")
    for agent_id, skills in (("expert", {"sales": 5}), ("junior", {"sales": 1})):
        center.agent(agent_id, skills=skills)
    center.agent("helper", skills={"support": 1})
    center.arrive("b1", "q")
    center.arrive("b2", "q")
    center.arrive("b3", "other")
    for contact_id, agent_id in offers(center.decisions):
        center.call(center.engine.offer_answered, contact_id, agent_id)
    center.arrive("c", "q")
    # b2 waits for an expert too: c is second in line, and one agent may serve it.
    assert center.engine.expected_wait("c", 0) == pytest.approx(2 * DEFAULT_TALK_TIME / 1)
    center.at(10)  # both relax: b2 rings the junior, c is first for two agents
    assert offers(center.decisions)[-1] == ("b2", "junior")
    assert center.engine.expected_wait("c", 10) == pytest.approx(DEFAULT_TALK_TIME / 2)
    center.at(20)  # c widens to the support queue's agent
    assert center.engine.expected_wait("c", 20) == pytest.approx(DEFAULT_TALK_TIME / 3)
