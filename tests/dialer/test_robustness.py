"""The pacer holds the cap far from the standard scenario: 10 or 200 agents, 5–40 % of dials
answered by a person, talks of 30 s to 10 minutes. Nothing in the dialer knows these numbers:
it learns them from the events."""

from __future__ import annotations

import pytest

from seatline.dialer import DialMode
from seatline.sim.campaign import simulate_campaign
from seatline.sim.campaign_scenario import CampaignScenario
from seatline.sim.distributions import Distribution, Kind

CAP = 0.03
MAX_DIALS = 25_000  # keeps each case to a second or two


@pytest.mark.parametrize("agents", [10, 200])
@pytest.mark.parametrize("person_share", [0.05, 0.40])
@pytest.mark.parametrize("talk", [30.0, 600.0])
def test_cap_holds(agents: int, person_share: float, talk: float) -> None:
    rate = agents / (talk + 10.0) / person_share  # dials per second at full occupancy
    duration = min(3 * 3600.0, MAX_DIALS / rate)
    scenario = CampaignScenario(
        agents=agents,
        duration=duration,
        person_share=person_share,
        talk=Distribution(Kind.LOGNORMAL, talk, talk * 2 / 3),
        leads=int(rate * duration * 1.2) + 500,
    )
    report = simulate_campaign(scenario, DialMode.PREDICTIVE, seed=11)
    assert report.persons_answered > 30
    assert report.abandon_rate <= CAP
    assert report.abandon_rate_dialer <= CAP
    # It must still dial ahead, not hide behind one call per agent.
    progressive = simulate_campaign(scenario, DialMode.PROGRESSIVE, seed=11)
    assert report.occupancy > progressive.occupancy
