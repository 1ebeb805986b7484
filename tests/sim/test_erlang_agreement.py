"""The simulator, driving the real routing engine, reproduces Erlang C and Erlang A.

Each case runs five independent replications (seeds 0..4, one batch each) after a 30-minute
warm-up, and checks that the Erlang figure lies inside the 99 % Student-t confidence interval
of the replication means (plus a small absolute slack for figures near 0 or 1). Seeds are
fixed, so the test is deterministic; a routing bug that idles agents while callers wait, or
a reporting bug, moves the means by many standard errors.
"""

from __future__ import annotations

import statistics
from typing import Any

import pytest

from seatline.sim import scenario_from_dict, simulate
from seatline.stats.erlang import forecast

SEEDS = range(5)
T_99 = 4.604  # two-sided 99 % Student t quantile, 4 degrees of freedom
AGENTS, AHT, TARGET = 10, 100.0, 20.0


def _scenario(rate_per_hour: float, hours: float, patience: float | None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "duration": f"{hours}h",
        "warmup": "30m",
        "queues": [{"name": "q", "service_level_target": TARGET}],
        "arrivals": [{"queue": "q", "rate_per_hour": rate_per_hour}],
        "handle_time": {"distribution": "exponential", "mean": AHT},
        "agents": [{"count": AGENTS, "skills": {"q": 1}}],
    }
    if patience is not None:
        data["patience"] = {"distribution": "exponential", "mean": patience}
    return data


def _inside(values: list[float], expected: float, slack: float) -> None:
    mean = statistics.fmean(values)
    half_width = T_99 * statistics.stdev(values) / len(values) ** 0.5 + slack
    assert abs(mean - expected) <= half_width, (mean, expected, half_width, values)


@pytest.mark.parametrize(
    ("occupancy", "hours"),
    [(0.70, 20), (0.85, 30), (0.93, 60)],
)
def test_mmc_matches_erlang_c(occupancy: float, hours: float) -> None:
    rate = occupancy * AGENTS / AHT  # per second
    scenario = scenario_from_dict(_scenario(rate * 3600, hours, None))
    reports = [simulate(scenario, seed=s).queues["q"] for s in SEEDS]
    erlang = forecast(AGENTS, rate, AHT, TARGET)
    _inside([r.service_level for r in reports], erlang.service_level, 0.005)
    _inside([r.asa for r in reports], erlang.asa, 0.2)
    _inside([r.occupancy for r in reports], erlang.occupancy, 0.005)
    assert all(r.abandoned == 0 and r.answered == r.offered for r in reports)


@pytest.mark.parametrize(("occupancy", "patience"), [(0.9, 60.0), (1.1, 60.0)])
def test_mmc_with_patience_matches_erlang_a(occupancy: float, patience: float) -> None:
    rate = occupancy * AGENTS / AHT
    scenario = scenario_from_dict(_scenario(rate * 3600, 20, patience))
    reports = [simulate(scenario, seed=s).queues["q"] for s in SEEDS]
    erlang = forecast(AGENTS, rate, AHT, TARGET, patience)
    # Both count abandoned callers in the service-level denominator.
    _inside([r.service_level for r in reports], erlang.service_level, 0.005)
    _inside([r.abandon_rate for r in reports], erlang.abandonment, 0.002)
    _inside([r.asa for r in reports], erlang.asa, 0.1)
