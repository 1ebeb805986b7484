"""What a simulated campaign reports, per dialing mode."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(slots=True)
class CampaignReport:
    """Figures of one simulated campaign run."""

    mode: str
    agents: int
    duration: float
    dials: int = 0
    connects: int = 0  # live persons who talked to an agent
    busy_seconds: float = 0.0  # agents' talk + wrap-up with persons, inside the run
    persons_answered: int = 0  # live persons who picked up
    abandoned: int = 0  # persons who got the abandon message (or were hung up on)
    machines_to_agents: int = 0  # machines AMD took for persons
    persons_lost_to_amd: int = 0  # persons AMD took for machines (hung up on)
    abandon_rate_dialer: float = 0.0  # as the dialer measured it (its own cap figure)

    @property
    def occupancy(self) -> float:
        """Talk + wrap-up with persons ÷ agent time staffed."""
        return self.busy_seconds / (self.agents * self.duration)

    @property
    def connects_per_agent_hour(self) -> float:
        """Persons who reached an agent, per agent-hour staffed."""
        return self.connects / (self.agents * self.duration / 3600.0)

    @property
    def abandon_rate(self) -> float:
        """Persons abandoned or hung up on ÷ persons who answered."""
        return self.abandoned / self.persons_answered if self.persons_answered else 0.0

    def to_dict(self) -> dict[str, Any]:
        """The bench's three figures, rounded."""
        return {
            "connects_per_agent_hour": round(self.connects_per_agent_hour, 2),
            "occupancy": round(self.occupancy, 4),
            "abandon_rate": round(self.abandon_rate, 4),
        }

    def busy(self, start: float, seconds: float) -> None:
        """Count an agent busy from `start` for `seconds`, clipped to the run."""
        self.busy_seconds += max(0.0, min(start + seconds, self.duration) - max(start, 0.0))
