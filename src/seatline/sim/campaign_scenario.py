"""Outbound campaign scenarios: what a dial meets (who answers, when), and the agents.

`standard_scenario()` is the reference of issue 6 used by `bench/dialer.py`: 50 agents for
8 hours; per dial 12 % a person answers after 4–16 s, 20 % a machine after 6–18 s, 8 % busy
(known after 3 s), the rest rings out (given up at 25 s); talk lognormal mean 90 s sd 60 s;
wrap-up 10 s. Manual dialing costs 8 s per number and 5 s listening to a machine.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from seatline.dialer import CallingWindow, Lead

from .distributions import Distribution, Kind

# A Tuesday, 15:00 UTC: 10:00 in New York; Los Angeles' window opens an hour into the run.
DEFAULT_START = dt.datetime(2026, 12, 1, 15, 0, tzinfo=dt.UTC).timestamp()
ZONES = ("America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles")
ZONE_SHARES = (0.45, 0.3, 0.1, 0.15)


@dataclass(frozen=True, slots=True)
class CampaignScenario:
    """One simulated campaign day; shares are per dial, times in seconds."""

    agents: int = 50
    duration: float = 8 * 3600.0
    person_share: float = 0.12
    person_ring: tuple[float, float] = (4.0, 16.0)  # uniform seconds of ringing
    machine_share: float = 0.20
    machine_ring: tuple[float, float] = (6.0, 18.0)
    busy_share: float = 0.08
    busy_after: float = 3.0
    failed_share: float = 0.0
    failed_after: float = 2.0
    ring_timeout: float = 25.0  # the rest rings out: given up after this long
    talk: Distribution = field(default_factory=lambda: Distribution(Kind.LOGNORMAL, 90.0, 60.0))
    wrap_up: Distribution = field(default_factory=lambda: Distribution(Kind.FIXED, 10.0))
    amd_accuracy: float = 1.0  # chance answering machine detection classifies an answer right
    manual_dial_seconds: float = 8.0  # an agent keying a number by hand
    machine_listen_seconds: float = 5.0  # an agent listening to a machine before hanging up
    preview_seconds: float = 5.0  # an agent reading a previewed lead before dialling
    leads: int = 160_000
    start: float = DEFAULT_START
    window: CallingWindow = field(default_factory=lambda: CallingWindow(8 * 60, 21 * 60))
    abandon_cap: float = 0.03

    def __post_init__(self) -> None:
        shares = (self.person_share, self.machine_share, self.busy_share, self.failed_share)
        if min(shares) < 0 or sum(shares) > 1.0:
            raise ValueError("outcome shares must be >= 0 and add up to at most 1")
        if not 0.0 <= self.amd_accuracy <= 1.0 or self.agents < 1 or self.duration <= 0:
            raise ValueError("bad amd_accuracy, agents or duration")

    @property
    def no_answer_share(self) -> float:
        """Share of dials nobody answers."""
        return 1.0 - self.person_share - self.machine_share - self.busy_share - self.failed_share


def standard_scenario() -> CampaignScenario:
    """The reference scenario of issue 6 (50 agents, 8 hours)."""
    return CampaignScenario()


def make_leads(scenario: CampaignScenario, seed: int) -> list[Lead]:
    """`scenario.leads` leads with distinct numbers, spread over four US time zones."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, 7]))
    zones = rng.choice(len(ZONES), size=scenario.leads, p=ZONE_SHARES).tolist()
    return [Lead(f"L{i}", f"+1555{i:07d}", ZONES[zone]) for i, zone in enumerate(zones)]
