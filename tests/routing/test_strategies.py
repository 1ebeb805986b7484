"""Each strategy picks the agent it promises, among several available ones."""

from __future__ import annotations

import itertools
import random
from collections import Counter

from seatline.routing import Strategy

from .harness import Center, cancels, offers


def first_offer(center: Center, contact_id: str, queue: str = "q") -> str:
    decisions = center.arrive(contact_id, queue)
    ((_, agent_id),) = offers(decisions)
    return agent_id


def test_longest_idle_is_the_default(center: Center) -> None:
    center.queue("q", wrap_up=0)
    for name in ("a", "b", "c"):
        center.agent(name)
    center.now = 10
    assert first_offer(center, "c1") == "a"  # all idle since 0: order of arrival breaks ties
    center.handle("c1", "a")  # a is free again at 10: now the least idle
    center.now = 20
    assert first_offer(center, "c2") == "b"
    center.handle("c2", "b")
    center.now = 30
    assert first_offer(center, "c3") == "c"
    center.handle("c3", "c")
    center.now = 40
    assert first_offer(center, "c4") == "a"


def test_round_robin_with_memory(center: Center) -> None:
    center.queue("q", strategy=Strategy.ROUND_ROBIN)
    center.queue("other", strategy=Strategy.ROUND_ROBIN)
    for name in ("a", "b", "c"):
        center.agent(name)
    picked = []
    for i in range(5):
        agent_id = first_offer(center, f"c{i}")
        picked.append(agent_id)
        center.handle(f"c{i}", agent_id)
    assert picked == ["a", "b", "c", "a", "b"]
    # The memory is per queue: another queue starts its own rotation.
    assert first_offer(center, "x", "other") == "a"


def test_fewest_contacts_beats_longest_idle(center: Center) -> None:
    center.queue("q", strategy=Strategy.FEWEST_CONTACTS)
    center.agent("veteran")
    center.agent("rookie", ready=False)
    center.now = 1
    assert first_offer(center, "c1") == "veteran"
    center.handle("c1", "veteran")
    center.now = 2
    center.call(center.engine.set_ready, "rookie")  # idle since 2, veteran since 1
    center.now = 3
    assert first_offer(center, "c2") == "rookie"  # fewer contacts wins over longer idle


def test_least_talk_time(center: Center) -> None:
    center.queue("q", strategy=Strategy.LEAST_TALK_TIME)
    center.agent("long")
    center.agent("short")
    center.now = 1
    assert first_offer(center, "c1") == "long"
    center.call(center.engine.offer_answered, "c1", "long")
    assert first_offer(center, "c2") == "short"
    center.call(center.engine.offer_answered, "c2", "short")
    center.now = 100
    center.call(center.engine.contact_finished, "c1")  # 99 s of talk
    center.now = 110
    center.call(center.engine.contact_finished, "c2")  # 109 s of talk, but freed later
    assert first_offer(center, "c3") == "long"  # less talk time wins although idle longer
    center.call(center.engine.offer_answered, "c3", "long")
    center.now = 300
    center.call(center.engine.contact_finished, "c3")  # long: 289 s in total
    assert first_offer(center, "c4") == "short"


def test_linear_hunts_in_configured_order(center: Center) -> None:
    center.queue("q", strategy=Strategy.LINEAR, linear_order=("c", "a"))
    for name in ("a", "b", "c"):
        center.agent(name)
    center.now = 5
    assert first_offer(center, "x1") == "c"
    assert first_offer(center, "x2") == "a"
    assert first_offer(center, "x3") == "b"  # unlisted agents follow, in the order added
    center.handle("x1", "c")
    assert first_offer(center, "x4") == "c"  # always back to the top of the list


def test_best_skill_level(center: Center) -> None:
    center.queue("q", strategy=Strategy.BEST_SKILL, requirement="sales >= 1")
    center.agent("good", {"sales": 3})
    center.agent("best", {"sales": 5})
    center.agent("ok", {"sales": 1})
    assert first_offer(center, "c1") == "best"
    assert first_offer(center, "c2") == "good"
    assert first_offer(center, "c3") == "ok"


def test_random_is_uniform_and_seeded() -> None:
    def run(seed: int) -> list[str]:
        center = Center(seed)
        center.queue("q", strategy=Strategy.RANDOM)
        for name in ("a", "b", "c", "d"):
            center.agent(name)
        picks = []
        for i in range(800):
            agent_id = first_offer(center, f"c{i}")
            picks.append(agent_id)
            center.handle(f"c{i}", agent_id)
        return picks

    picks = run(7)
    assert picks == run(7)  # deterministic for a seed
    counts = Counter(picks)
    assert set(counts) == {"a", "b", "c", "d"}
    assert all(150 <= n <= 250 for n in counts.values()), counts
    # Not a rotation in disguise: consecutive repeats happen.
    assert any(x == y for x, y in itertools.pairwise(picks))


def test_weighted_random_follows_weights() -> None:
    center = Center(3)
    center.queue("q", strategy=Strategy.WEIGHTED_RANDOM)
    center.agent("heavy", weight=3.0)
    center.agent("light", weight=1.0)
    counts: Counter[str] = Counter()
    for i in range(1000):
        agent_id = first_offer(center, f"c{i}")
        counts[agent_id] += 1
        center.handle(f"c{i}", agent_id)
    share = counts["heavy"] / 1000
    assert 0.68 <= share <= 0.82, counts  # expected 0.75


def test_ring_all_offers_everyone_first_answer_wins(center: Center) -> None:
    center.queue("q", strategy=Strategy.RING_ALL, requirement="support > 0")
    center.agent("a", {"support": 1})
    center.agent("b", {"support": 1})
    center.agent("c", {"support": 1})
    center.agent("x", {})  # not eligible
    decisions = center.arrive("c1", "q")
    assert sorted(agent for _, agent in offers(decisions)) == ["a", "b", "c"]
    assert {center.state(a).state.value for a in "abc"} == {"reserved"}
    decisions = center.call(center.engine.offer_answered, "c1", "b")
    assert sorted(agent for _, agent in cancels(decisions)) == ["a", "c"]
    assert center.state("a").state.value == "available"
    assert center.state("b").state.value == "on_contact"
    # The cancelled agents are free for the next contact at once.
    assert sorted(agent for _, agent in offers(center.arrive("c2", "q"))) == ["a", "c"]


def test_random_strategies_do_not_touch_the_global_random() -> None:
    state = random.getstate()
    center = Center(1)
    center.queue("q", strategy=Strategy.RANDOM)
    center.agent("a")
    center.arrive("c", "q")
    assert random.getstate() == state
