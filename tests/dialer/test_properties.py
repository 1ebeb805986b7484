"""Property tests over long simulated campaigns: the pacer keeps the rules whatever the list.

Each example runs the real `Campaign` in the simulator with drawn team size, answer rate,
talk time, start hour, retry spacing and do-not-call share, and checks every decision.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seatline.dialer import (
    AttemptOutcome,
    Bridge,
    Campaign,
    Decision,
    Dial,
    DialMode,
    DoNotCall,
    PlayAbandonMessage,
    RetryRule,
    WindowClock,
)
from seatline.sim.campaign import campaign_config, simulate_campaign
from seatline.sim.campaign_scenario import CampaignScenario, make_leads
from seatline.sim.distributions import Distribution, Kind

CAP = 0.03


class Auditor:
    """Checks every decision of a run against the campaign's rules."""

    def __init__(self, scenario: CampaignScenario, seed: int, dnc_numbers: set[str]) -> None:
        self.leads = {lead.lead_id: lead for lead in make_leads(scenario, seed)}
        self.windows = WindowClock(scenario.window)
        self.start = scenario.start
        self.dnc_numbers = dnc_numbers
        self.dials: dict[str, list[float]] = defaultdict(list)
        self.answered = 0
        self.abandoned = 0
        self.worst_excess = 0.0  # abandons beyond the cap at any moment

    def __call__(self, decisions: list[Decision], t: float) -> None:
        now = self.start + t
        for d in decisions:
            if isinstance(d, Dial):
                lead = self.leads[d.lead_id]
                assert d.number not in self.dnc_numbers, "dialled a do-not-call number"
                assert self.windows.is_open(lead.timezone, now), "dialled outside the window"
                assert d.ring_timeout >= 15.0
                self.dials[d.lead_id].append(now)
            elif isinstance(d, Bridge):
                self.answered += 1
            elif isinstance(d, PlayAbandonMessage):
                self.answered += 1
                self.abandoned += 1
        self.worst_excess = max(self.worst_excess, self.abandoned - CAP * self.answered)


@settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    agents=st.integers(5, 40),
    person_share=st.floats(0.05, 0.4),
    talk=st.floats(30.0, 600.0),
    start_hour=st.integers(10, 16),
    spacing=st.floats(30.0, 900.0),
    dnc_share=st.sampled_from([0.0, 0.05, 0.1, 0.3]),
    window=st.sampled_from([3600.0, 30 * 86400.0]),
    seed=st.integers(0, 10_000),
)
def test_long_campaigns_keep_every_rule(
    agents: int,
    person_share: float,
    talk: float,
    start_hour: int,
    spacing: float,
    dnc_share: float,
    window: float,
    seed: int,
) -> None:
    start = dt.datetime(2026, 12, 4, start_hour, 0, tzinfo=dt.UTC).timestamp()  # a Friday
    hours = 3.0
    rate = agents / (talk + 10.0) / person_share  # dials per second at full occupancy
    scenario = CampaignScenario(
        agents=agents,
        duration=hours * 3600,
        person_share=person_share,
        talk=Distribution(Kind.LOGNORMAL, talk, talk * 2 / 3),
        leads=max(500, int(rate * 3600)),  # few leads: retries and their spacing bind
        start=start,
    )
    retries = {
        AttemptOutcome.BUSY: RetryRule(2, spacing),
        AttemptOutcome.NO_ANSWER: RetryRule(3, spacing * 2),
        AttemptOutcome.MACHINE: RetryRule(2, spacing * 3),
        AttemptOutcome.ABANDONED: RetryRule(2, spacing),
        AttemptOutcome.FAILED: RetryRule(1, spacing),
    }
    config = campaign_config(
        scenario, DialMode.PREDICTIVE, retries=retries, max_attempts=4, abandon_window=window
    )
    leads = make_leads(scenario, seed)
    blocked = (
        {lead.number for lead in leads[:: max(1, round(1 / dnc_share))]} if dnc_share else set()
    )
    dnc = DoNotCall()
    for k, number in enumerate(sorted(blocked)):
        if k % 2:
            dnc.add_platform(number)
        else:
            dnc.add("", number)  # the campaign's tenant ("")
    auditor = Auditor(scenario, seed, blocked)
    campaigns: list[Campaign] = []
    report = simulate_campaign(
        scenario,
        DialMode.PREDICTIVE,
        seed=seed,
        config=config,
        on_decisions=auditor,
        dnc=dnc,
        inspect=campaigns.append,
    )
    # The cap: at the end, and at every moment within one abandon (the first one can come
    # before 34 persons answered, when any single abandon is above 3 %).
    assert report.abandon_rate_dialer <= CAP
    if window >= scenario.duration:  # the window is the whole campaign
        assert report.abandon_rate <= CAP
        assert auditor.worst_excess <= 1.0
    [campaign] = campaigns
    assert campaign.abandons.rate <= CAP  # the rolling window, whatever its length
    # Attempts: never more than the rules allow, never sooner than the spacing.
    min_spacing = min(rule.spacing for rule in retries.values())
    for lead_id, times in auditor.dials.items():
        record = campaign.scheduler.record(lead_id)
        assert len(times) == record.attempts <= config.max_attempts
        for outcome, count in record.outcomes.items():
            if outcome in retries:
                assert count <= retries[outcome].max_attempts
        for earlier, later in itertools.pairwise(times):
            assert later - earlier >= min_spacing
