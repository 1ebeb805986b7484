"""Routing rules: priority and VIP, aging, overflow, limits, sticky agent, timeouts, callbacks."""

from __future__ import annotations

import pytest

from seatline.routing import (
    Abandoned,
    Channel,
    DialCallback,
    Ended,
    EndReason,
    Enqueued,
    Overflow,
    OverflowAction,
    OverflowStep,
    Reject,
    ToCallback,
    ToVoicemail,
    UnknownContact,
    UnknownQueue,
)

from .harness import Center, cancels, offers


def serve_in_order(center: Center, agent_id: str, count: int) -> list[str]:
    """Let one agent take `count` contacts back to back; return them in offer order."""
    served = []
    center.call(center.engine.set_ready, agent_id)
    for _ in range(count):
        ((contact_id, _),) = offers(center.decisions[-1:])
        served.append(contact_id)
        center.handle(contact_id, agent_id)
    return served


def test_waiting_contacts_are_served_by_priority_then_arrival(center: Center) -> None:
    center.queue("q")
    center.agent("a", ready=False)
    for i, priority in enumerate([0, 5, 0, 5, 9]):
        center.now = i
        center.arrive(f"c{i}", "q", priority=priority)
    assert serve_in_order(center, "a", 5) == ["c4", "c1", "c3", "c0", "c2"]


def test_vip_overtakes_every_priority(center: Center) -> None:
    center.queue("q")
    center.agent("a", ready=False)
    center.arrive("urgent", "q", priority=100)
    center.now = 1
    center.arrive("vip", "q", vip=True)
    assert serve_in_order(center, "a", 2) == ["vip", "urgent"]


def test_priority_aging_lets_old_contacts_overtake(center: Center) -> None:
    center.queue("q", priority_aging_per_second=0.1)
    center.agent("a", ready=False)
    center.arrive("old", "q", priority=0)
    center.now = 30
    center.arrive("fresh", "q", priority=2)  # old has aged to 3 by now
    assert serve_in_order(center, "a", 2) == ["old", "fresh"]
    center2 = Center()
    center2.queue("q", priority_aging_per_second=0.1)
    center2.agent("a", ready=False)
    center2.arrive("old", "q", priority=0)
    center2.now = 10
    center2.arrive("fresh", "q", priority=2)  # old has aged to 1 only
    assert serve_in_order(center2, "a", 2) == ["fresh", "old"]


def test_freed_agent_takes_best_head_across_its_queues(center: Center) -> None:
    center.queue("sales", requirement="sales > 0")
    center.queue("support", requirement="support > 0")
    center.agent("both", {"sales": 1, "support": 1}, ready=False)
    center.arrive("s1", "sales")
    center.now = 1
    center.arrive("t1", "support", priority=1)
    center.now = 2
    center.arrive("s2", "sales", vip=True)
    assert serve_in_order(center, "both", 3) == ["s2", "t1", "s1"]


def test_requirement_filters_agents_and_contact_requirement_adds_to_it(center: Center) -> None:
    center.queue("q", requirement="sales >= 3")
    center.agent("junior", {"sales": 2})
    center.agent("senior", {"sales": 4})
    center.agent("french", {"sales": 3, "french": 1})
    assert offers(center.arrive("c1", "q")) == [("c1", "senior")]
    assert offers(center.arrive("c2", "q", requirement="french > 0")) == [("c2", "french")]
    assert offers(center.arrive("c3", "q")) == []  # junior never qualifies


def test_requirement_on_contact_attributes(center: Center) -> None:
    center.queue("q", requirement="contact.lang == 'fr' and french > 0 or contact.lang != 'fr'")
    center.agent("english", {})
    center.now = 1
    center.agent("bilingual", {"french": 1})
    assert offers(center.arrive("fr", "q", attributes={"lang": "fr"})) == [("fr", "bilingual")]
    assert offers(center.arrive("en", "q", attributes={"lang": "en"})) == [("en", "english")]


def test_overflow_relax_fires_at_its_time_and_not_before(center: Center) -> None:
    step = OverflowStep(after=60, action=OverflowAction.RELAX, requirement="sales >= 1")
    center.queue("q", requirement="sales >= 4", overflow=(step,))
    center.agent("junior", {"sales": 2})
    assert offers(center.arrive("c", "q")) == []
    assert center.engine.next_deadline() == 60
    assert center.at(59.999) == []
    decisions = center.at(60)
    assert offers(decisions) == [("c", "junior")]
    assert [d for d in decisions if isinstance(d, Overflow)] == [
        Overflow("c", "q", 0, OverflowAction.RELAX, ())
    ]


def test_overflow_widen_lets_other_queue_agents_take_it(center: Center) -> None:
    widen = OverflowStep(after=30, action=OverflowAction.WIDEN, queues=("backup",))
    center.queue("main", requirement="main > 0", overflow=(widen,))
    center.queue("backup", requirement="backup > 0")
    center.agent("b", {"backup": 1})
    center.arrive("c", "main")
    assert center.at(29) == []
    assert offers(center.at(30)) == [("c", "b")]


def test_overflow_voicemail_and_callback_steps(center: Center) -> None:
    steps = (
        OverflowStep(after=10, action=OverflowAction.CALLBACK),
        OverflowStep(after=20, action=OverflowAction.VOICEMAIL),
    )
    center.queue("q", overflow=steps)
    center.queue("vm", overflow=(OverflowStep(after=5, action=OverflowAction.VOICEMAIL),))
    center.arrive("cb", "q")
    center.arrive("v", "vm")
    assert ToVoicemail("v", "vm") in center.at(5)
    assert ToCallback("cb", "q") in center.at(10)
    # A callback has left the line: no more escalation, it keeps its place until an agent frees.
    assert center.at(25) == []
    center.agent("a")
    assert [d for d in center.decisions if isinstance(d, DialCallback)] == [
        DialCallback("cb", "a", "q", Channel.VOICE)
    ]
    ended = [e for e in center.events if isinstance(e, Ended)]
    assert [(e.contact_id, e.reason) for e in ended] == [("v", EndReason.VOICEMAIL)]


def test_max_wait_goes_to_voicemail_or_reject(center: Center) -> None:
    center.queue("vm", max_wait=120)
    center.queue("rej", max_wait=60, max_wait_action=OverflowAction.REJECT)
    center.arrive("a", "vm")
    center.arrive("b", "rej")
    assert center.at(59) == []
    assert center.at(60) == [Reject("b", "rej", "max wait")]
    assert center.at(119) == []
    assert center.at(120) == [ToVoicemail("a", "vm")]
    assert center.engine.next_deadline() is None
    with pytest.raises(UnknownQueue):
        center.arrive("z", "nope")


def test_max_length_rejects_when_full(center: Center) -> None:
    center.queue("q", max_length=2)
    center.arrive("c1", "q")
    center.arrive("c2", "q")
    assert center.arrive("c3", "q") == [Reject("c3", "q", "queue full")]
    assert Ended(0.0, "c3", "q", EndReason.REJECTED, None) in center.events
    center.call(center.engine.contact_abandoned, "c1")
    assert center.arrive("c4", "q") == []  # room again
    assert center.engine.snapshot(0).queues[0].waiting == 2


def test_sticky_agent_wins_within_its_timeout(center: Center) -> None:
    center.queue("q", sticky_timeout=20)
    center.agent("other")
    center.agent("mine")
    center.call(center.engine.set_not_ready, "mine", "lunch")
    center.arrive("c", "q", preferred_agent="mine")
    assert offers(center.decisions) == []  # "other" is free but the contact waits for "mine"
    center.now = 10
    assert offers(center.call(center.engine.set_ready, "mine")) == [("c", "mine")]


def test_sticky_preference_expires_after_its_timeout(center: Center) -> None:
    center.queue("q", sticky_timeout=20)
    center.agent("other")
    center.agent("mine", ready=False)
    center.arrive("c", "q", preferred_agent="mine")
    assert center.at(19.5) == []
    assert offers(center.at(20)) == [("c", "other")]
    center2 = Center()
    center2.queue("q", sticky_timeout=20)
    center2.agent("mine")
    center2.agent("other")
    center2.now = 5
    # Offered at once when the preferred agent is free, although "other" is idle as long.
    center2.call(center2.engine.set_not_ready, "mine", "x")
    center2.call(center2.engine.set_ready, "mine")
    assert offers(center2.arrive("c", "q", preferred_agent="mine")) == [("c", "mine")]


def test_offer_timeout_reoffers_and_sets_agent_not_ready(center: Center) -> None:
    center.queue("q", offer_timeout=15)
    center.agent("sleepy")
    center.now = 1
    center.agent("awake")
    assert offers(center.arrive("c", "q")) == [("c", "sleepy")]
    assert center.at(15.9) == []  # offered at 1
    decisions = center.at(16)
    assert cancels(decisions) == [("c", "sleepy")]
    assert offers(decisions) == [("c", "awake")]
    sleepy = center.state("sleepy")
    assert (sleepy.state.value, sleepy.reason) == ("not_ready", "no answer")


def test_offer_rejected_goes_to_next_agent_keeping_place(center: Center) -> None:
    center.queue("q")
    center.agent("a")
    center.now = 1
    center.agent("b", ready=False)
    center.arrive("first", "q")
    center.arrive("second", "q")
    center.call(center.engine.offer_rejected, "first", "a")
    # "a" stays ready; "first" keeps its place ahead of "second" but skips the agent who declined.
    assert offers(center.decisions)[-1] == ("second", "a")
    assert offers(center.call(center.engine.set_ready, "b")) == [("first", "b")]


def test_chat_capacity_three_and_voice_one(center: Center) -> None:
    center.queue("chat")
    center.queue("voice")
    center.agent("a", capacity={Channel.CHAT: 3, Channel.VOICE: 1})
    for i in range(4):
        center.arrive(f"chat{i}", "chat", channel=Channel.CHAT)
    assert [c for c, _ in offers(center.decisions)] == ["chat0", "chat1", "chat2"]
    for i in range(3):
        center.call(center.engine.offer_answered, f"chat{i}", "a")
    assert offers(center.arrive("v1", "voice")) == [("v1", "a")]
    assert offers(center.arrive("v2", "voice")) == []
    assert center.state("a").load == {Channel.CHAT: 3, Channel.VOICE: 1}
    center.call(center.engine.contact_finished, "chat1")
    assert offers(center.decisions)[-1] == ("chat3", "a")


def test_virtual_hold_callback_keeps_the_place(center: Center) -> None:
    center.queue("q")
    center.agent("a", ready=False)
    center.arrive("first", "q")
    center.now = 1
    center.arrive("second", "q")
    center.call(center.engine.request_callback, "first")
    center.now = 50
    decisions = center.call(center.engine.set_ready, "a")
    assert decisions == [DialCallback("first", "a", "q", Channel.VOICE)]
    # Abandoning a callback withdraws it without an Abandoned event.
    center.arrive("third", "q")
    center.call(center.engine.request_callback, "third")
    center.call(center.engine.contact_abandoned, "third")
    assert not any(isinstance(e, Abandoned) and e.contact_id == "third" for e in center.events)
    assert Ended(50, "third", "q", EndReason.CALLBACK_CANCELLED, None) in center.events


def test_wrap_up_time_is_per_queue(center: Center) -> None:
    center.queue("short", wrap_up=5)
    center.queue("long", wrap_up=30)
    center.agent("a")
    center.arrive("c1", "short")
    center.handle("c1", "a")
    assert center.state("a").state.value == "wrap_up"
    assert center.engine.next_deadline() == 5
    center.at(5)
    center.arrive("c2", "long")
    center.handle("c2", "a")
    assert center.at(34) == [] and center.state("a").state.value == "wrap_up"
    center.at(35)
    assert center.state("a").state.value == "available"


def test_abandon_while_ringing_cancels_the_offer(center: Center) -> None:
    center.queue("q")
    center.agent("a")
    center.arrive("c", "q")
    center.now = 4
    decisions = center.call(center.engine.contact_abandoned, "c")
    assert cancels(decisions) == [("c", "a")]
    assert center.state("a").state.value == "available"
    assert Abandoned(4, "c", "q", 4) in center.events
    with pytest.raises(UnknownContact):
        center.engine.offer_answered("c", "a", 5)


def test_enqueued_reports_queue_length(center: Center) -> None:
    center.queue("q")
    center.arrive("c1", "q")
    center.arrive("c2", "q")
    lengths = [e.queue_length for e in center.events if isinstance(e, Enqueued)]
    assert lengths == [1, 2]
