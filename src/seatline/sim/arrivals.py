"""The contacts of one run, drawn up front: arrival times, queues, handle, wrap-up, patience.

Drawing everything before the run keeps the event loop lean, and each arrival stream has its
own child seed, so changing the number of agents (a what-if sweep) replays exactly the same
callers: differences between sweep points come from staffing, not from luck.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .distributions import Distribution
from .scenario import ArrivalStream, Scenario

__all__ = ["ContactPlan", "plan_contacts"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class ContactPlan:
    """Column arrays, one entry per contact, sorted by arrival time."""

    times: FloatArray
    stream: IntArray  # index into scenario.arrivals
    queue: IntArray  # index into scenario.queues
    handle: FloatArray
    wrap_up: FloatArray
    patience: FloatArray  # +inf: never hangs up

    def __len__(self) -> int:
        return len(self.times)


def _poisson_times(stream: ArrivalStream, horizon: float, rng: np.random.Generator) -> FloatArray:
    """Arrival times of a Poisson process, piecewise constant rate, on [0, horizon)."""
    chunks = [np.zeros(0)]
    for interval in stream.intervals:
        start, end = max(interval.start, 0.0), min(interval.end, horizon)
        if end <= start or interval.rate_per_hour <= 0:
            continue
        # Given the count, Poisson arrival times are sorted uniforms on the interval.
        count = int(rng.poisson(interval.rate_per_hour / 3600.0 * (end - start)))
        chunks.append(np.sort(rng.uniform(start, end, count)))
    return np.concatenate(chunks)


def _draw(
    given: list[float | None], dist: Distribution | None, rng: np.random.Generator
) -> FloatArray:
    """Per-contact values: the recorded one when present, else a draw (inf when `dist` is None)."""
    drawn = dist.sample(rng, len(given)) if dist is not None else np.full(len(given), math.inf)
    return np.array([d if g is None else g for g, d in zip(given, drawn, strict=True)], float)


def plan_contacts(scenario: Scenario, seed: int) -> ContactPlan:
    """Draw every contact of the run from `seed` (same seed, same contacts)."""
    queue_index = {q.name: i for i, q in enumerate(scenario.queues)}
    children = np.random.SeedSequence(seed).spawn(len(scenario.arrivals))
    parts: list[tuple[FloatArray, IntArray, IntArray, FloatArray, FloatArray, FloatArray]] = []
    for k, (stream, child) in enumerate(zip(scenario.arrivals, children, strict=True)):
        times_rng, handle_rng, wrap_rng, patience_rng = (
            np.random.Generator(np.random.PCG64(s)) for s in child.spawn(4)
        )
        handle_dist = stream.handle_time or scenario.handle_time
        patience_dist = stream.patience or scenario.patience
        if stream.trace:
            rows = [row for row in stream.trace if row.time < scenario.duration]
            times = np.array([row.time for row in rows], float)
            queues = np.array([queue_index[row.queue] for row in rows], np.int64)
            handle = _draw([row.handle_time for row in rows], handle_dist, handle_rng)
            patience = _draw([row.patience for row in rows], patience_dist, patience_rng)
        else:
            times = _poisson_times(stream, scenario.duration, times_rng)
            queues = np.full(len(times), queue_index[stream.queue], np.int64)
            handle = handle_dist.sample(handle_rng, len(times))
            patience = _draw([None] * len(times), patience_dist, patience_rng)
        wrap = np.zeros(len(times))
        for q, name in enumerate(q.name for q in scenario.queues):
            dist = scenario.wrap_up.get(name)
            mask = queues == q
            if dist is not None and mask.any():
                wrap[mask] = dist.sample(wrap_rng, int(mask.sum()))
        parts.append((times, np.full(len(times), k, np.int64), queues, handle, wrap, patience))
    columns = [np.concatenate([p[i] for p in parts]) for i in range(6)]
    order = np.argsort(columns[0], kind="stable")
    times, stream_ids, queue_ids, handle, wrap, patience = (c[order] for c in columns)
    return ContactPlan(
        times=times.astype(np.float64),
        stream=stream_ids.astype(np.int64),
        queue=queue_ids.astype(np.int64),
        handle=handle.astype(np.float64),
        wrap_up=wrap.astype(np.float64),
        patience=patience.astype(np.float64),
    )
