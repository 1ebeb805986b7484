"""Benchmark of the routing engine: prints one JSON line of figures (fixed seed).

* contacts_per_second: full lifecycles (arrive, offer, answer, finish, wrap-up end) per wall
  second with 5,000 agents, 200 queues and 20 skills, at ~85 % occupancy so that some contacts
  wait and freed agents pick from their queues;
* decision_time_ratio_5000_vs_500: wall time per contact at 5,000 agents over 500 agents;
* day_500_agents_seconds: wall time for `seatline.sim` to simulate a day of a 500-agent
  center (~150,000 contacts), or null when the simulator does not offer that yet.
"""

from __future__ import annotations

import heapq
import itertools
import json
import random
import time
from pathlib import Path

from seatline.routing import (
    AgentConfig,
    ContactRequest,
    DialCallback,
    Offer,
    QueueConfig,
    RoutingEngine,
)

SEED = 20261129
SKILLS = [f"skill{i}" for i in range(20)]
TALK = 180.0
WRAP = 10.0


def build(agents: int, queues: int, rng: random.Random) -> RoutingEngine:
    """A center where every queue needs one skill at level 1-3 and every agent has three."""
    engine = RoutingEngine(rng=random.Random(SEED))
    for q in range(queues):
        skill = SKILLS[q % len(SKILLS)]
        level = 1 + (q // len(SKILLS)) % 3
        engine.add_queue(QueueConfig(name=f"q{q}", requirement=f"{skill} >= {level}", wrap_up=WRAP))
    for a in range(agents):
        skills = {s: rng.randint(1, 5) for s in rng.sample(SKILLS, 3)}
        engine.add_agent(AgentConfig(agent_id=f"a{a}", skills=skills), 0.0)
        engine.agent_login(f"a{a}", 0.0)
        engine.set_ready(f"a{a}", 0.0)
    return engine


def run(agents: int, window: int, windows: int, warmup: int) -> tuple[float, float]:
    """Drive lifecycles through one center; return (engine, whole loop) seconds per window.

    Each window is `window` consecutive completed contacts after `warmup` completions. The
    engine figure sums the time spent inside engine calls only (the driver's own heap and
    bookkeeping excluded); the loop figure is the wall time of the whole window. The best
    window of each is reported (as timeit does) because the machine is shared and noisy.
    """
    rng = random.Random(SEED)
    queues = 200
    engine = build(agents, queues, rng)
    engine.take_events()
    rate = 0.85 * agents / (TALK + WRAP)  # arrivals per virtual second
    inf = float("inf")
    total = warmup + window * windows + agents  # enough arrivals to finish the last window
    queue_names = [f"q{q}" for q in range(queues)]
    requests = [
        ContactRequest(contact_id=f"c{i}", queue=queue_names[rng.randrange(queues)])
        for i in range(total)
    ]
    talk_times = {f"c{i}": rng.expovariate(1.0 / TALK) for i in range(total)}
    gaps = [rng.expovariate(rate) for _ in range(total)]
    clock = time.perf_counter
    # The driver is a tiny discrete-event loop: the next of (arrival, talk end, engine timer).
    talk_ends: list[tuple[float, str]] = []
    next_arrival = 0.0
    arrived = ended = 0
    marks = {warmup + window * k for k in range(windows + 1)}
    inside = 0.0  # seconds spent in engine calls
    stamps: list[tuple[float, float]] = []
    last = warmup + window * windows
    while ended < last:
        started = clock()
        deadline = engine.next_deadline()
        if deadline is None:
            deadline = inf
        talk_end = talk_ends[0][0] if talk_ends else inf
        if talk_end <= deadline and talk_end <= next_arrival:
            now = talk_end
            engine.contact_finished(heapq.heappop(talk_ends)[1], now)
            ended += 1
        elif deadline <= next_arrival:
            now = deadline
            engine.advance(now)
        else:
            now = next_arrival
            engine.contact_arrived(requests[arrived], now)
            next_arrival = now + gaps[arrived] if arrived + 1 < total else inf
            arrived += 1
        decisions = engine.take_decisions()
        engine.take_events()
        inside += clock() - started
        for decision in decisions:
            if isinstance(decision, (Offer, DialCallback)):
                contact_id = decision.contact_id
                started = clock()
                engine.offer_answered(contact_id, decision.agent_id, now)
                inside += clock() - started
                heapq.heappush(talk_ends, (now + talk_times[contact_id], contact_id))
        engine.take_decisions()  # answering decides nothing here (no ring-all, no chats)
        if ended in marks:
            marks.discard(ended)
            stamps.append((inside, clock()))
    engine_best = min(b[0] - a[0] for a, b in itertools.pairwise(stamps))
    loop_best = min(b[1] - a[1] for a, b in itertools.pairwise(stamps))
    return engine_best, loop_best


def day_500_agents() -> float | None:
    """Wall seconds for seatline.sim to run its 500-agent day, or None if it cannot yet."""
    try:
        from seatline import sim

        path = Path(sim.__file__).parent / "examples" / "day_500_agents.yaml"
        scenario = sim.load_scenario(path)
        simulate = sim.simulate
    except (ImportError, AttributeError, OSError, ValueError):
        return None
    started = time.perf_counter()
    simulate(scenario, seed=SEED)
    return round(time.perf_counter() - started, 2)


def main() -> None:
    """Run every figure and print one JSON line."""
    window = 10_000
    big_engine, big_loop = run(agents=5000, window=window, windows=6, warmup=20_000)
    small_engine, _ = run(agents=500, window=window, windows=6, warmup=5_000)
    figures = {
        "contacts_per_second": round(window / big_engine),
        "contacts_per_second_with_driver": round(window / big_loop),
        "decision_time_ratio_5000_vs_500": round(big_engine / small_engine, 3),
        "day_500_agents_seconds": day_500_agents(),
        "agents": 5000,
        "queues": 200,
        "skills": 20,
        "seed": SEED,
        "timing": "best of 6 windows of 10,000 lifecycles; engine calls only unless noted",
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
