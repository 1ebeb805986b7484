"""Configuration: validation, and live changes that keep everyone waiting."""

from __future__ import annotations

import pytest

from seatline.routing import (
    ConfigError,
    DuplicateId,
    OverflowAction,
    OverflowStep,
    QueueConfig,
    RequirementSyntaxError,
)

from .harness import Center, offers


def test_bad_configs_are_refused() -> None:
    with pytest.raises(ConfigError):
        QueueConfig("q", wrap_up=-1)
    with pytest.raises(ConfigError):
        QueueConfig("q", max_wait_action=OverflowAction.RELAX)
    with pytest.raises(ConfigError):
        OverflowStep(after=5, action=OverflowAction.RELAX)
    with pytest.raises(ConfigError):
        QueueConfig(
            "q",
            overflow=(
                OverflowStep(after=50, action=OverflowAction.VOICEMAIL),
                OverflowStep(after=10, action=OverflowAction.CALLBACK),
            ),
        )
    center = Center()
    with pytest.raises(RequirementSyntaxError):
        center.queue("q", requirement="sales >")
    center.queue("ok")
    with pytest.raises(DuplicateId):
        center.queue("ok")


def test_update_queue_keeps_waiting_contacts_in_order(center: Center) -> None:
    center.queue("q", requirement="sales >= 5")
    center.agent("a", {"sales": 3})
    center.arrive("first", "q")
    center.now = 1
    center.arrive("second", "q", priority=1)
    center.now = 2
    center.arrive("third", "q")
    assert offers(center.decisions) == []
    # Lower the bar live: the agent now qualifies; nobody waiting is lost or reordered.
    center.engine.update_queue(QueueConfig("q", requirement="sales >= 3"), center.now)
    assert offers(center.drain()) == [("second", "a")]
    center.handle("second", "a")
    assert offers(center.decisions)[-1] == ("first", "a")
    snapshot = center.engine.snapshot(center.now)
    assert snapshot.queues[0].waiting == 1


def test_update_queue_rearms_timers_with_the_new_limits(center: Center) -> None:
    center.queue("q", max_wait=100)
    center.arrive("c", "q")
    center.engine.update_queue(QueueConfig("q", max_wait=30), 10)
    assert center.engine.next_deadline() == 30


def test_add_queue_after_agents_makes_them_members(center: Center) -> None:
    center.agent("a", {"fr": 1})
    center.queue("french", requirement="fr > 0")
    assert offers(center.arrive("c", "french")) == [("c", "a")]
