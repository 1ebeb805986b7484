"""The simulation loop: shifts, traces, answer delay, wrap-up, warm-up, sweeps, determinism."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from seatline.sim import load_scenario, scale_agents, scenario_from_dict, simulate, sweep
from seatline.sim.arrivals import plan_contacts
from seatline.sim.sweep import parse_range

EXAMPLES = Path(__file__).parents[2] / "src/seatline/sim/examples"


def _base(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "seed": 3,
        "duration": "2h",
        "queues": [{"name": "q", "service_level_target": 20}],
        "arrivals": [{"queue": "q", "rate_per_hour": 200}],
        "handle_time": {"distribution": "exponential", "mean": 120},
        "agents": [{"count": 10, "skills": {"q": 1}}],
    }
    data.update(changes)
    return data


def _trace(tmp_path: Path, rows: str, **changes: Any) -> dict[str, Any]:
    (tmp_path / "trace.csv").write_text("time,handle_time\n" + rows)
    scenario = _base(arrivals=[{"queue": "q", "trace": "trace.csv"}], **changes)
    return scenario


def test_shifts_log_agents_in_and_out(tmp_path: Path) -> None:
    data = _trace(
        tmp_path,
        "30m,60\n59m,300\n90m,60\n",
        duration="3h",
        agents=[
            {"name": "early", "count": 1, "skills": {"q": 1}, "shift": {"start": 0, "end": "1h"}},
            {"name": "late", "count": 1, "skills": {"q": 1}, "shift": {"start": "2h"}},
        ],
    )
    report = simulate(scenario_from_dict(data, tmp_path)).queues["q"]
    # 30m: answered at once. 59m: answered at once, the talk outlives the shift (not cut).
    # 90m: nobody is on shift until 2h, so it waits 30 minutes.
    assert (report.offered, report.answered, report.abandoned) == (3, 3, 0)
    assert report.longest_wait == pytest.approx(1800)
    assert report.asa == pytest.approx(600)
    assert report.service_level == pytest.approx(2 / 3)
    assert report.aht == pytest.approx((60 + 300 + 60) / 3)


def test_trace_callers_hang_up_when_patience_runs_out(tmp_path: Path) -> None:
    data = _trace(
        tmp_path,
        "0,600\n10,60\n",
        patience={"distribution": "fixed", "mean": 45},
        agents=[{"count": 1, "skills": {"q": 1}}],
    )
    report = simulate(scenario_from_dict(data, tmp_path)).queues["q"]
    assert (report.answered, report.abandoned) == (1, 1)
    assert report.longest_wait == pytest.approx(45)
    assert report.service_level == pytest.approx(0.5)  # the abandoned caller counts as a miss
    assert report.service_level_answered == 1.0


def test_wrap_up_keeps_the_agent_busy(tmp_path: Path) -> None:
    data = _trace(
        tmp_path,
        "0,100\n10,100\n",
        wrap_up={"distribution": "fixed", "mean": 50},
        agents=[{"count": 1, "skills": {"q": 1}}],
    )
    report = simulate(scenario_from_dict(data, tmp_path)).queues["q"]
    assert report.longest_wait == pytest.approx(140)  # talk 100 + wrap-up 50 - arrival 10
    assert report.aht == pytest.approx(150)


def test_wrap_up_is_drawn_per_contact(tmp_path: Path) -> None:
    data = _trace(
        tmp_path,
        "0,100\n10,100\n",
        wrap_up={"distribution": "exponential", "mean": 50},
        agents=[{"count": 1, "skills": {"q": 1}}],
    )
    scenario = scenario_from_dict(data, tmp_path)
    drawn = plan_contacts(scenario, 3).wrap_up
    report = simulate(scenario).queues["q"]
    assert drawn[0] != drawn[1]
    assert report.longest_wait == pytest.approx(90 + drawn[0])  # the engine used the draw
    assert report.aht == pytest.approx(100 + (drawn[0] + drawn[1]) / 2)


def test_answer_delay_is_the_ring_time() -> None:
    data = _base(answer_delay=4, agents=[{"count": 40, "skills": {"q": 1}}])
    report = simulate(scenario_from_dict(data)).queues["q"]
    assert report.answered == report.offered > 300
    assert report.asa == pytest.approx(4)
    assert report.longest_wait == pytest.approx(4)


def test_warmup_excludes_early_contacts() -> None:
    full = simulate(scenario_from_dict(_base())).queues["q"]
    late = simulate(scenario_from_dict(_base(warmup="1h"))).queues["q"]
    assert 0 < late.offered < full.offered
    assert abs(late.offered - full.offered / 2) < 0.25 * full.offered


def test_same_seed_same_report_other_seed_other_report() -> None:
    scenario = scenario_from_dict(_base())
    assert simulate(scenario) == simulate(scenario)
    assert simulate(scenario, seed=4) != simulate(scenario, seed=5)


def test_every_offered_contact_has_an_outcome_and_occupancies_add_up() -> None:
    report = simulate(load_scenario(EXAMPLES / "basic.yaml"))
    (q,) = report.queues.values()
    assert q.answered + q.abandoned + q.other == q.offered
    assert q.other == 0
    assert q.occupancy == pytest.approx(report.agents.occupancy, abs=0.002)
    assert 0.7 < q.occupancy < 0.95


def test_two_queue_example_with_overflow_and_shifts_runs() -> None:
    report = simulate(load_scenario(EXAMPLES / "two_queues.yaml"))
    assert set(report.queues) == {"sales", "support"}
    for q in report.queues.values():
        assert q.offered > 100
        assert q.answered + q.abandoned + q.other == q.offered
        assert 0 < q.service_level <= 1
    total = sum(q.occupancy for q in report.queues.values())
    assert total <= report.agents.occupancy + 1e-9  # ringing time is busy but not talk/wrap


def test_progress_is_reported_up_to_done() -> None:
    seen: list[float] = []
    simulate(scenario_from_dict(_base()), progress=seen.append)
    assert seen[-1] == 1.0
    assert seen == sorted(seen) and len(seen) > 10


def test_report_is_json_ready() -> None:
    data = simulate(scenario_from_dict(_base())).to_dict()
    text = json.dumps(data)
    q = json.loads(text)["queues"]["q"]
    for key in ("offered", "answered", "abandoned", "service_level", "asa", "aht", "occupancy"):
        assert key in q
    assert "longest_wait" in q and "floor" in data


def test_scaling_keeps_the_skill_mix() -> None:
    data = _base(
        agents=[
            {"name": "a", "count": 10, "skills": {"q": 1}},
            {"name": "b", "count": 5, "skills": {"q": 2}},
        ]
    )
    scenario = scenario_from_dict(data)
    assert [g.count for g in scale_agents(scenario, 18).agents] == [12, 6]
    assert [g.count for g in scale_agents(scenario, 16).agents] == [11, 5]
    assert [g.count for g in scale_agents(scenario, 0).agents] == [0, 0]
    assert scale_agents(scenario, 7).total_agents == 7


def test_sweep_replays_the_same_callers_so_more_agents_never_wait_longer() -> None:
    scenario = scenario_from_dict(_base(duration="3h"))
    points = sweep(scenario, [6, 7, 8])
    assert [p.agents for p in points] == [6, 7, 8]
    offered = {p.report.queues["q"].offered for p in points}
    assert len(offered) == 1  # common random numbers: same arrivals at every point
    asas = [p.report.queues["q"].asa for p in points]
    assert asas[0] >= asas[1] >= asas[2]
    assert asas[0] > asas[2]


def test_agent_ranges() -> None:
    assert parse_range("20:23") == [20, 21, 22, 23]
    assert parse_range("20:30:5") == [20, 25, 30]
    assert parse_range("7") == [7]
    for bad in ("30:20", "a:b", "1:2:0", "-1:3"):
        with pytest.raises(ValueError):
            parse_range(bad)


@pytest.mark.parametrize("action", ["voicemail", "reject", "callback"])
def test_max_wait_exits_are_carried_out(action: str) -> None:
    queue = {"name": "q", "service_level_target": 20, "max_wait": 60, "max_wait_action": action}
    data = _base(queues=[queue], agents=[{"count": 6, "skills": {"q": 1}}])  # overloaded
    q = simulate(scenario_from_dict(data)).queues["q"]
    assert q.answered + q.abandoned + q.other == q.offered
    if action == "callback":
        assert q.other == 0 and q.longest_wait > 60  # called back later, answered late
    else:
        assert q.other > 0 and q.longest_wait <= 60 + 1e-9


def test_concurrent_chats_share_the_agent_in_occupancy(tmp_path: Path) -> None:
    (tmp_path / "trace.csv").write_text("time,handle_time\n0,100\n0,100\n")
    data = _base(
        duration=200,
        queues=[{"name": "q"}],
        arrivals=[{"queue": "q", "trace": "trace.csv", "channel": "chat"}],
        agents=[{"count": 1, "skills": {"q": 1}, "capacity": {"chat": 2}}],
    )
    report = simulate(scenario_from_dict(data, tmp_path))
    q = report.queues["q"]
    assert (q.answered, q.longest_wait) == (2, 0)  # both chats at once: capacity 2
    assert report.agents.occupancy == pytest.approx(0.5)  # on contact 100 s of 200
    assert q.occupancy == pytest.approx(0.5)  # 2 × 100 s in slots of 1/2 agent each


def test_called_back_customers_no_longer_hang_up(tmp_path: Path) -> None:
    # A rings 5 s then talks 33 s (agent busy until 38 s). B, arrived at 1 s, is released to a
    # callback at 31 s; the callback rings from 38 s to 43 s. B's patience (41 s) must not
    # count any more once B hung up for the callback.
    data = _trace(
        tmp_path,
        "0,33\n1,60\n",
        queues=[{"name": "q", "max_wait": 30, "max_wait_action": "callback"}],
        answer_delay=5,
        patience={"distribution": "fixed", "mean": 40},
        agents=[{"count": 1, "skills": {"q": 1}}],
    )
    q = simulate(scenario_from_dict(data, tmp_path)).queues["q"]
    assert (q.answered, q.abandoned) == (2, 0)
    assert q.longest_wait == pytest.approx(42)
