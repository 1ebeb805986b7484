"""The discrete-event loop: a virtual clock driving the real `seatline.routing.RoutingEngine`.

The simulator plays the switch and the agents' phones: it delivers arrivals, answers offers
after `answer_delay`, ends talks after the drawn handle time, hangs callers up when their
patience runs out, and logs agents in and out at shift edges. Every routing decision (who
gets which contact, wrap-up, overflow, timeouts) is the engine's: nothing of routing is
re-implemented here, so the figures measure the code that ships.

Three time sources are merged: the pre-drawn arrivals (a sorted array), the simulator's own
heap (answers, talk ends, hang-ups, shifts) and the engine's `next_deadline()`.
"""

from __future__ import annotations

import gc
import heapq
import math
import random
from collections.abc import Callable, Mapping
from typing import Any

from seatline.routing import (
    AgentConfig,
    CancelOffer,
    Channel,
    ContactRequest,
    DialCallback,
    Offer,
    Reject,
    RoutingEngine,
    RoutingEvent,
    ToCallback,
    ToVoicemail,
)

from .arrivals import plan_contacts
from .report import SimulationReport
from .scenario import Scenario
from .stats import Collector

__all__ = ["Progress", "simulate"]

Progress = Callable[[float], None]  # called with the share of simulated time done, 0..1

# Simulator event kinds (ints keep heap tuples cheap to compare).
_ANSWER, _FINISH, _ABANDON, _LOGIN, _PAUSE = 1, 2, 3, 4, 5
# Contact status as seen by the simulated caller.
_WAITING, _RINGING, _TALKING, _DONE, _CALLBACK = 1, 2, 3, 4, 5


def simulate(
    scenario: Scenario, seed: int | None = None, progress: Progress | None = None
) -> SimulationReport:
    """Run `scenario` once (seed: argument, else the scenario's, else 0) and report."""
    seed = seed if seed is not None else (scenario.seed if scenario.seed is not None else 0)
    # A run allocates about ten objects per event and keeps many alive for a while (heap
    # entries, waiting contacts, per-contact records), so CPython's cyclic collector keeps
    # rescanning a growing heap: a third of the wall time of a 500-agent day. Traffic makes no
    # reference cycles (refcounting frees every contact, slot, event and decision; only the
    # engine's own agent/pool graph is cyclic, collected once after the run), so the collector
    # is paused for the run and restored after.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _run(scenario, seed, progress)
    finally:
        if collecting:
            gc.enable()


def _run(scenario: Scenario, seed: int, progress: Progress | None) -> SimulationReport:
    plan = plan_contacts(scenario, seed)
    engine = RoutingEngine(rng=random.Random(seed))
    for queue in scenario.queues:
        engine.add_queue(queue, 0.0)  # wrap-up times are drawn per contact, see _FINISH

    heap: list[tuple[float, int, int, Any]] = []
    seq = 0
    capacity: dict[str, Mapping[Channel, int]] = {}
    for group in scenario.agents:
        for k in range(group.count):
            agent_id = f"{group.name}-{k + 1}"
            capacity[agent_id] = group.capacity
            config = AgentConfig(agent_id, dict(group.skills), dict(group.capacity), group.weight)
            engine.add_agent(config, 0.0)
            seq += 1
            heap.append((group.shift_start, seq, _LOGIN, agent_id))
            if group.shift_end is not None:
                seq += 1
                heap.append((group.shift_end, seq, _PAUSE, agent_id))
    heapq.heapify(heap)

    queue_names = [q.name for q in scenario.queues]
    wrap = plan.wrap_up.tolist()
    collector = Collector(scenario, plan, wrap, capacity)
    on_events = collector.on_events
    streams = scenario.arrivals
    times = plan.times.tolist()
    stream_of = plan.stream.tolist()
    queue_of = plan.queue.tolist()
    handle = plan.handle.tolist()
    patience = plan.patience.tolist()
    # Contact ids are made once: each contact's id is passed to the engine three times.
    ids = [str(i) for i in range(len(times))]
    status = bytearray(len(times))
    ringing: dict[int, str] = {}
    released: set[int] = set()  # callers who hung up for a callback: patience no longer runs
    delay = scenario.answer_delay
    n_arrivals = len(times)
    next_arrival = 0
    inf = math.inf
    end = scenario.duration
    mark, step = 0.0, end / 100.0

    heappush, heappop = heapq.heappush, heapq.heappop
    take_decisions, take_events = engine.take_decisions, engine.take_events
    offer_answered = engine.offer_answered
    next_deadline = engine.next_deadline

    def connect(idx: int, agent_id: str, now: float) -> None:
        nonlocal seq
        offer_answered(ids[idx], agent_id, now)
        status[idx] = _TALKING
        seq += 1
        heappush(heap, (now + handle[idx], seq, _FINISH, idx))

    events: list[RoutingEvent] = []
    gather = events.extend

    def settle(now: float) -> None:
        """Carry out the engine's decisions until it has none left; buffer its events."""
        nonlocal seq
        decisions = take_decisions()
        while decisions:
            called = False  # only a call into the engine can produce further decisions
            for d in decisions:
                if type(d) is Offer or type(d) is DialCallback:
                    idx = int(d.contact_id)
                    if delay <= 0:
                        connect(idx, d.agent_id, now)
                        called = True
                    else:
                        status[idx] = _RINGING
                        ringing[idx] = d.agent_id
                        seq += 1
                        heappush(heap, (now + delay, seq, _ANSWER, (idx, d.agent_id)))
                elif isinstance(d, CancelOffer):
                    idx = int(d.contact_id)
                    if ringing.get(idx) == d.agent_id:
                        del ringing[idx]
                        if status[idx] == _RINGING:
                            status[idx] = _WAITING
                elif isinstance(d, Reject | ToVoicemail):
                    status[int(d.contact_id)] = _DONE
                elif isinstance(d, ToCallback):
                    status[int(d.contact_id)] = _CALLBACK
                    released.add(int(d.contact_id))
            decisions = take_decisions() if called else []
        # Statistics are consumed in large batches: one call per few thousand events.
        gather(take_events())
        if len(events) > 8192:
            on_events(events)
            events.clear()

    while True:
        t_arrival = times[next_arrival] if next_arrival < n_arrivals else inf
        t_heap = heap[0][0] if heap else inf
        t_engine = next_deadline()
        now = t_arrival if t_arrival < t_heap else t_heap
        if t_engine is not None and t_engine <= now:
            engine.advance(t_engine)
            settle(t_engine)
            continue
        if now == inf:
            break
        if progress is not None and now >= mark:
            progress(min(now / end, 1.0))
            mark = now + step
        if t_arrival <= t_heap:
            idx = next_arrival
            next_arrival += 1
            stream = streams[stream_of[idx]]
            status[idx] = _WAITING
            engine.contact_arrived(
                ContactRequest(
                    contact_id=ids[idx],
                    queue=queue_names[queue_of[idx]],
                    channel=stream.channel,
                    priority=stream.priority,
                    vip=stream.vip,
                    attributes=stream.attributes,
                ),
                now,
            )
            settle(now)
            # Most callers are answered on arrival: only the others need a hang-up timer.
            if patience[idx] < inf and (status[idx] == _WAITING or status[idx] == _RINGING):
                seq += 1
                heappush(heap, (now + patience[idx], seq, _ABANDON, idx))
            continue
        _, _, kind, payload = heappop(heap)
        if kind == _FINISH:
            idx = payload
            status[idx] = _DONE
            engine.contact_finished(ids[idx], now, wrap_up=wrap[idx])
            collector.finished(idx, now)
        elif kind == _ABANDON:
            idx = payload
            if (status[idx] != _WAITING and status[idx] != _RINGING) or idx in released:
                continue  # answered, gone, or waiting for a callback: nobody to hang up
            status[idx] = _DONE
            ringing.pop(idx, None)
            engine.contact_abandoned(ids[idx], now)
        elif kind == _ANSWER:
            idx, agent_id = payload
            if status[idx] != _RINGING or ringing.get(idx) != agent_id:
                continue  # the offer was cancelled while ringing
            del ringing[idx]
            connect(idx, agent_id, now)
        elif kind == _LOGIN:
            engine.agent_login(payload, now)
            engine.set_ready(payload, now)
        elif kind == _PAUSE:
            engine.set_not_ready(payload, "shift end", now)
        settle(now)

    on_events(events)
    if progress is not None:
        progress(1.0)
    return collector.report(seed)
