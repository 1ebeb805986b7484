"""Scenario loading: the documented format, defaults, and errors that name the field."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from seatline.routing import Strategy
from seatline.sim import Distribution, Kind, ScenarioError, load_scenario, parse_duration
from seatline.sim.arrivals import plan_contacts

BASIC = """
seed: 7
duration: 8h
queues:
  - name: sales
    service_level_target: 20
arrivals:
  - queue: sales
    rate_per_hour: 360
handle_time: {distribution: exponential, mean: 180}
patience: {distribution: exponential, mean: 120}
agents:
  - count: 20
    skills: {sales: 5}
"""

EXAMPLES = sorted((Path(__file__).parents[2] / "src/seatline/sim/examples").glob("*.yaml"))


def test_the_documented_example_loads() -> None:
    s = load_scenario(BASIC)
    assert s.seed == 7 and s.duration == 8 * 3600
    (queue,) = s.queues
    assert queue.name == "sales" and queue.service_level_target == 20
    assert queue.requirement == "sales > 0"  # agents with a skill named after the queue
    assert queue.strategy is Strategy.LONGEST_IDLE
    assert s.arrivals[0].intervals[0].rate_per_hour == 360
    assert s.handle_time == Distribution(Kind.EXPONENTIAL, 180.0)
    assert s.patience == Distribution(Kind.EXPONENTIAL, 120.0)
    assert s.total_agents == 20


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_every_shipped_example_loads(path: Path) -> None:
    assert load_scenario(path).total_agents > 0


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("8h", 28800), ("30m", 1800), ("1h30m", 5400), ("90s", 90), ("45.5", 45.5), (12, 12)],
)
def test_durations(text: str | int, seconds: float) -> None:
    assert parse_duration(text) == seconds


@given(h=st.integers(0, 48), m=st.integers(0, 59), s=st.integers(0, 59))
def test_duration_parts_add_up(h: int, m: int, s: int) -> None:
    assert parse_duration(f"{h}h{m}m{s}s") == h * 3600 + m * 60 + s
    assert parse_duration(f" {h}H {m}M ") == h * 3600 + m * 60


@pytest.mark.parametrize("text", ["", "h", "1x", "-5", "5h-3m", "inf", "nan", True, None, [1]])
def test_bad_durations(text: object) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"duration": "8 hours"}, "duration", "not a duration"),
        ({"duration": 0}, "duration", "greater than 0"),
        ({"arrivals": [{"queue": "sales"}]}, "arrivals.0", "exactly one of"),
        ({"arrivals": [{"queue": "nope", "rate_per_hour": 5}]}, "arrivals.0", "unknown queue"),
        ({"arrivals": [{"queue": "sales", "rate_per_hour": -5}]}, "arrivals.0", ">= 0"),
        ({"handle_time": {"distribution": "lognormal", "mean": 3}}, "handle_time", "'sd'"),
        ({"handle_time": {"distribution": "gamma", "mean": 3}}, "handle_time.distribution", ""),
        ({"agents": [{"count": -1}]}, "agents.0.count", "greater than or equal"),
        ({"agents": [{"count": 2, "skils": {}}]}, "agents.0.skils", "Extra inputs"),
        ({"queues": [{"name": "sales", "requirement": "sales >"}]}, "queues.0.requirement", ""),
        ({"queues": [{"name": "sales", "strategy": "fastest"}]}, "queues.0.strategy", ""),
        ({"queues": [{"name": "sales"}, {"name": "sales"}]}, "queues.1.name", "duplicate"),
        ({"warmup": "9h"}, "warmup", "shorter"),
        ({"queues": []}, "queues", "at least 1"),
        ({"answer_delay": 15}, "answer_delay", "offer_timeout"),
        ({"agents": [{"name": "a"}, {"name": "a"}]}, "agents.1.name", "duplicate"),
        ({"duration": None}, "duration", "not a duration"),
    ],
)
def test_bad_scenarios_name_the_field(change: dict[str, object], field: str, words: str) -> None:
    import yaml

    data = yaml.safe_load(BASIC)
    data.update(change)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(yaml.safe_dump(data))
    assert caught.value.field == field, str(caught.value)
    assert field in str(caught.value)
    assert words in str(caught.value)


def test_explicit_nulls_mean_the_default() -> None:
    s = load_scenario(BASIC.replace("service_level_target: 20", "max_wait: null"))
    assert s.queues[0].max_wait is None


def test_yaml_that_is_not_a_mapping() -> None:
    with pytest.raises(ScenarioError, match="mapping"):
        load_scenario("- just\n- a list\n")
    with pytest.raises(ScenarioError, match="invalid YAML"):
        load_scenario("duration: [8h\n")
    with pytest.raises(ScenarioError, match="cannot read"):
        load_scenario("missing.yaml")


def test_piecewise_rates_give_the_right_counts() -> None:
    s = load_scenario(
        BASIC.replace(
            "rate_per_hour: 360",
            "rate_per_hour:\n      - {start: 0h, end: 4h, rate_per_hour: 100}\n"
            "      - {start: 6h, end: 8h, rate_per_hour: 1000}",
        )
    )
    plan = plan_contacts(s, seed=3)
    times = plan.times
    assert np.all(np.diff(times) >= 0)
    assert not np.any((times >= 4 * 3600) & (times < 6 * 3600))  # the gap has no arrivals
    early, late = int((times < 4 * 3600).sum()), int((times >= 6 * 3600).sum())
    assert abs(early - 400) < 4 * math.sqrt(400)
    assert abs(late - 2000) < 4 * math.sqrt(2000)


def test_overlapping_intervals_are_rejected() -> None:
    text = BASIC.replace(
        "rate_per_hour: 360",
        "rate_per_hour:\n      - {start: 0h, end: 4h, rate_per_hour: 1}\n"
        "      - {start: 3h, end: 5h, rate_per_hour: 1}",
    )
    with pytest.raises(ScenarioError, match=r"arrivals\.0\.rate_per_hour: intervals overlap"):
        load_scenario(text)


def test_distributions_have_the_requested_moments() -> None:
    rng = np.random.default_rng(1)
    lognormal = Distribution(Kind.LOGNORMAL, 240.0, 120.0).sample(rng, 200_000)
    assert lognormal.mean() == pytest.approx(240, rel=0.01)
    assert lognormal.std() == pytest.approx(120, rel=0.03)
    assert Distribution(Kind.EXPONENTIAL, 50.0).sample(rng, 200_000).mean() == pytest.approx(
        50, rel=0.01
    )
    assert set(Distribution(Kind.FIXED, 7.0).sample(rng, 10)) == {7.0}


def test_same_seed_same_contacts_other_seed_other_contacts() -> None:
    s = load_scenario(BASIC)
    a, b, c = plan_contacts(s, 1), plan_contacts(s, 1), plan_contacts(s, 2)
    assert np.array_equal(a.times, b.times) and np.array_equal(a.handle, b.handle)
    assert not np.array_equal(a.times[:10], c.times[:10])


def test_csv_trace(tmp_path: Path) -> None:
    (tmp_path / "calls.csv").write_text(
        "time,queue,handle_time,patience\n10,sales,100,\n5,support,,30\n00:01:00,sales,,\n".replace(
            "00:01:00", "1m"
        )
    )
    (tmp_path / "s.yaml").write_text(
        BASIC.replace("  - queue: sales\n    rate_per_hour: 360", "  - trace: calls.csv").replace(
            "queues:\n", "queues:\n  - name: support\n"
        )
    )
    s = load_scenario(tmp_path / "s.yaml")
    rows = s.arrivals[0].trace
    assert [(r.time, r.queue) for r in rows] == [(5, "support"), (10, "sales"), (60, "sales")]
    plan = plan_contacts(s, 0)
    assert plan.times.tolist() == [5, 10, 60]
    assert plan.handle[1] == 100  # recorded handle time replayed
    assert plan.patience[0] == 30  # recorded patience replayed
    assert math.isfinite(plan.handle[0]) and math.isfinite(plan.patience[2])  # drawn


def test_trace_errors_name_the_field(tmp_path: Path) -> None:
    (tmp_path / "bad.csv").write_text("when,queue\n1,sales\n")
    (tmp_path / "s.yaml").write_text(
        BASIC.replace("  - queue: sales\n    rate_per_hour: 360", "  - trace: bad.csv")
    )
    with pytest.raises(ScenarioError, match=r"arrivals\.0\.trace: .*'time' column"):
        load_scenario(tmp_path / "s.yaml")
    (tmp_path / "bad.csv").write_text("time,queue\nsoon,sales\n")
    with pytest.raises(ScenarioError, match="line 2: not a duration"):
        load_scenario(tmp_path / "s.yaml")
    (tmp_path / "bad.csv").write_text("time,queue\n1,elsewhere\n")
    with pytest.raises(ScenarioError, match="unknown queue 'elsewhere'"):
        load_scenario(tmp_path / "s.yaml")
