"""What-if sweeps: the same scenario (same seed, so the same callers) with other agent counts.

With several agent groups the total is shared out in proportion to each group's original
count (largest remainder rounding, ties to the earlier group), so the skill mix stays put:
groups of 10 and 5 agents scaled to 18 become 12 and 6.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from .errors import ScenarioError
from .report import SimulationReport
from .runner import simulate
from .scenario import Scenario

__all__ = ["SweepPoint", "parse_range", "scale_agents", "sweep"]


@dataclass(frozen=True, slots=True)
class SweepPoint:
    """One staffing level of a sweep and what the run measured."""

    agents: int
    report: SimulationReport


def scale_agents(scenario: Scenario, total: int) -> Scenario:
    """The scenario with `total` agents shared among its groups in proportion to their counts."""
    if total < 0:
        raise ScenarioError(f"agent count must be >= 0, got {total}", "agents")
    original = scenario.total_agents
    if original == 0:
        raise ScenarioError("cannot scale a scenario that has no agents", "agents")
    quotas = [group.count * total / original for group in scenario.agents]
    counts = [math.floor(q) for q in quotas]
    left = total - sum(counts)
    by_remainder = sorted(range(len(quotas)), key=lambda i: (-(quotas[i] - counts[i]), i))
    for i in by_remainder[:left]:
        counts[i] += 1
    groups = tuple(replace(g, count=c) for g, c in zip(scenario.agents, counts, strict=True))
    return replace(scenario, agents=groups)


def parse_range(text: str) -> list[int]:
    """`20:30` → 20..30 inclusive; `20:30:2` → every second count; `25` → [25]."""
    parts = text.split(":")
    try:
        numbers = [int(p) for p in parts]
    except ValueError:
        raise ScenarioError(f"not an agent range: {text!r} (use e.g. 20:30)", "agents") from None
    if len(numbers) == 1:
        numbers = [numbers[0], numbers[0]]
    if len(numbers) > 3 or numbers[0] < 0 or numbers[1] < numbers[0]:
        raise ScenarioError(f"not an agent range: {text!r} (use e.g. 20:30)", "agents")
    step = numbers[2] if len(numbers) == 3 else 1
    if step <= 0:
        raise ScenarioError(f"the step of {text!r} must be > 0", "agents")
    return list(range(numbers[0], numbers[1] + 1, step))


def sweep(
    scenario: Scenario,
    counts: Sequence[int],
    seed: int | None = None,
    on_point: Callable[[int, int], None] | None = None,
) -> list[SweepPoint]:
    """Simulate `scenario` once per agent count; `on_point(done, total)` reports progress."""
    points = []
    for done, total in enumerate(counts):
        points.append(SweepPoint(total, simulate(scale_agents(scenario, total), seed)))
        if on_point is not None:
            on_point(done + 1, len(counts))
    return points
