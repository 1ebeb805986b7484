"""The campaign simulator: determinism, the manual baseline, the modes, AMD accuracy."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from seatline.dialer import DialMode
from seatline.sim.campaign import simulate_campaign
from seatline.sim.campaign_scenario import CampaignScenario, standard_scenario
from seatline.sim.manual import simulate_manual


def _short(hours: float, **changes: Any) -> CampaignScenario:
    """The standard scenario, shortened (with leads to match)."""
    return replace(standard_scenario(), duration=hours * 3600, leads=int(25_000 * hours), **changes)


def test_same_seed_same_run() -> None:
    scenario = _short(0.5, agents=20)
    first = simulate_campaign(scenario, DialMode.PREDICTIVE, seed=4)
    again = simulate_campaign(scenario, DialMode.PREDICTIVE, seed=4)
    assert first == again
    other = simulate_campaign(scenario, DialMode.PREDICTIVE, seed=5)
    assert other.dials != first.dials


def test_manual_dialing_keeps_agents_busy_about_thirty_percent() -> None:
    # Per dial an agent spends 8 + 0.12·10 + 0.20·(12 + 5) + 0.08·3 + 0.60·25 = 27.84 s;
    # per connect 27.84 / 0.12 = 232 s of dialing for 100 s of talk and wrap-up: 30.1 %.
    report = simulate_manual(_short(2.0), seed=1)
    assert report.occupancy == pytest.approx(0.301, abs=0.025)
    assert report.abandon_rate == 0.0


def test_modes_rank_and_predictive_triples_manual() -> None:
    scenario = _short(2.0)
    manual = simulate_manual(scenario, seed=2)
    preview = simulate_campaign(scenario, DialMode.PREVIEW, seed=2)
    progressive = simulate_campaign(scenario, DialMode.PROGRESSIVE, seed=2)
    predictive = simulate_campaign(scenario, DialMode.PREDICTIVE, seed=2)
    assert manual.occupancy < preview.occupancy < progressive.occupancy < predictive.occupancy
    assert preview.abandoned == progressive.abandoned == 0  # an agent waits for each call
    assert predictive.occupancy > 0.88  # two hours include the learning start
    assert predictive.abandon_rate <= 0.03
    assert predictive.connects_per_agent_hour > 2.8 * manual.connects_per_agent_hour


def test_amd_errors_are_measured_not_assumed() -> None:
    scenario = _short(1.0, amd_accuracy=0.85)
    report = simulate_campaign(scenario, DialMode.PREDICTIVE, seed=3)
    assert report.machines_to_agents > 0  # machines AMD let through cost agents 5 s each
    assert report.persons_lost_to_amd > 0  # persons AMD hung up on count as abandoned
    assert report.abandon_rate_dialer <= 0.03  # what the dialer can see stays under the cap
    assert report.abandon_rate > report.abandon_rate_dialer
