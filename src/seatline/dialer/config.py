"""Campaign configuration: plain frozen dataclasses, validated on construction.

Pydantic validation belongs to the edge (API, files); inside, these are trusted once built.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from .errors import ConfigError
from .outcomes import AttemptOutcome

MIN_RING_SECONDS = 15.0  # giving up earlier hangs up on people still reaching the phone
THIRTY_DAYS = 30 * 86400.0


class DialMode(StrEnum):
    """How leads turn into calls."""

    PREVIEW = "preview"  # the agent sees the lead, then dials
    PROGRESSIVE = "progressive"  # one call per free agent, the agent reserved for it
    PREDICTIVE = "predictive"  # dials ahead of agents freeing up, within the abandonment cap


@dataclass(frozen=True, slots=True)
class RetryRule:
    """Retry after `spacing` seconds while this outcome happened under `max_attempts` times."""

    max_attempts: int
    spacing: float

    def __post_init__(self) -> None:
        if self.max_attempts < 0 or not (math.isfinite(self.spacing) and self.spacing >= 0):
            raise ConfigError(f"bad retry rule {self}")


def default_retries() -> Mapping[AttemptOutcome, RetryRule]:
    """Common industry defaults: busy soon, no answer and machines hours later."""
    return MappingProxyType(
        {
            AttemptOutcome.BUSY: RetryRule(3, 600.0),
            AttemptOutcome.NO_ANSWER: RetryRule(4, 7200.0),
            AttemptOutcome.MACHINE: RetryRule(2, 14400.0),
            AttemptOutcome.FAILED: RetryRule(2, 1800.0),
            AttemptOutcome.ABANDONED: RetryRule(2, 3600.0),
        }
    )


@dataclass(frozen=True, slots=True)
class CallingWindow:
    """Dial only from `start` to `end` (minutes after local midnight) on these ISO weekdays."""

    start: int = 9 * 60
    end: int = 21 * 60
    weekdays: frozenset[int] = frozenset({1, 2, 3, 4, 5, 6})

    def __post_init__(self) -> None:
        if not 0 <= self.start < self.end <= 24 * 60:
            raise ConfigError(f"calling window {self.start}-{self.end} is empty or out of a day")
        if not self.weekdays or not self.weekdays <= frozenset(range(1, 8)):
            raise ConfigError("calling window weekdays must be ISO numbers 1 (Monday) to 7")


@dataclass(frozen=True, slots=True)
class PacingConfig:
    """Tuning of the predictive pacer; the defaults are not fitted to any one scenario."""

    interval: float = 0.5  # seconds between pacing decisions
    initial_safety: float = 2.0  # z: standard deviations of slack before anything is learned
    safety_step: float = 0.1  # how far one abandon moves z (the down-step is scaled to match)
    target_share: float = 0.8  # aim the abandon rate at this share of the cap
    guard_abandons: float = 5.0  # below this many abandons left under the cap, add slack
    guard_safety: float = 2.0  # the extra z when no abandon is left under the cap
    min_outcomes: int = 100  # dial outcomes seen before the answer model is trusted
    min_talks: int = 20  # talk times seen before the handle model is trusted
    answer_memory: int = 3000  # recent dial outcomes the answer model remembers
    talk_memory: int = 1000  # recent talk times the handle model remembers
    max_lines: int = 5000  # trunk capacity: calls ringing at once

    def __post_init__(self) -> None:
        if self.interval <= 0 or not 0 < self.target_share <= 1 or self.safety_step <= 0:
            raise ConfigError("pacing interval, target share and safety step must be positive")
        if self.guard_abandons <= 0 or self.guard_safety < 0:
            raise ConfigError("guard_abandons must be positive and guard_safety not negative")
        if self.max_lines < 1 or self.min_outcomes < 1 or self.min_talks < 1:
            raise ConfigError("pacing counts must be at least 1")


@dataclass(frozen=True, slots=True)
class CampaignConfig:
    """One outbound campaign of a tenant."""

    name: str
    tenant: str = ""
    mode: DialMode = DialMode.PREDICTIVE
    abandon_cap: float = 0.03  # abandoned ÷ live-answered over the rolling window
    abandon_window: float = THIRTY_DAYS  # seconds: the rolling window of the cap
    max_wait_for_agent: float = 2.0  # an answered person waits no longer, then the message
    ring_timeout: float = 25.0
    max_attempts: int = 6  # dial attempts per lead, all outcomes together
    retries: Mapping[AttemptOutcome, RetryRule] = field(default_factory=default_retries)
    window: CallingWindow = field(default_factory=CallingWindow)
    pacing: PacingConfig = field(default_factory=PacingConfig)

    def __post_init__(self) -> None:
        if not self.name:
            raise ConfigError("a campaign needs a name")
        if not 0 < self.abandon_cap < 1:
            raise ConfigError(f"abandon_cap must be in (0, 1), got {self.abandon_cap}")
        if self.abandon_window <= 0:
            raise ConfigError("abandon_window must be positive")
        if not 0 <= self.max_wait_for_agent <= 2.0:
            raise ConfigError("max_wait_for_agent must be between 0 and 2 seconds")
        if not self.ring_timeout >= MIN_RING_SECONDS:
            raise ConfigError(f"ring_timeout must be at least {MIN_RING_SECONDS:g} s")
        if self.max_attempts < 1:
            raise ConfigError("max_attempts must be at least 1")
