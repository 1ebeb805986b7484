"""What a run measured: per-queue figures built from the routing engine's own statistics events.

Definitions (the Erlang tests compare against exactly these):
* offered: contacts that arrived in the measured window [warmup, duration);
* service_level: answered within the queue's target / offered. Abandoned, rejected and
  unfinished contacts stay in the denominator (the Erlang A definition of `seatline.stats`);
  `service_level_answered` divides by answered contacts instead;
* asa: mean wait of answered contacts; longest_wait: longest wait, answered or abandoned;
* aht: mean talk + wrap-up of answered contacts;
* occupancy: talk + wrap-up seconds spent on the queue's contacts inside the window, divided by
  the agent-seconds staffed (busy or available, not paused) inside the window; a contact held in
  one of k concurrent slots (k chats at once) counts 1/k. With one voice queue this is the
  classic occupancy; with several, the queues' figures add up to at most the floor's (more
  only when agents hold contacts on several channels at once).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["AgentsReport", "QueueReport", "SimulationReport"]


@dataclass(frozen=True, slots=True)
class QueueReport:
    """Figures for one queue over the measured window."""

    offered: int
    answered: int
    abandoned: int
    other: int  # rejected, voicemail, callback withdrawn, or still waiting at the end
    service_level: float
    service_level_answered: float
    asa: float
    aht: float
    occupancy: float
    longest_wait: float
    target: float  # the queue's service-level target (seconds)

    @property
    def abandon_rate(self) -> float:
        """Abandoned / offered (0 when nothing was offered)."""
        return self.abandoned / self.offered if self.offered else 0.0


@dataclass(frozen=True, slots=True)
class AgentsReport:
    """The floor as a whole over the measured window."""

    agents: int
    occupancy: float  # (reserved + on contact + wrap-up) / (that + available)
    staffed_seconds: float


@dataclass(frozen=True, slots=True)
class SimulationReport:
    """Everything one run measured."""

    seed: int
    duration: float
    warmup: float
    contacts: int  # all contacts simulated, warm-up included
    queues: dict[str, QueueReport]
    agents: AgentsReport

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: `queues` keyed by name, `floor` (all agents), the run's settings."""
        return {
            "queues": {
                name: {**asdict(q), "abandon_rate": q.abandon_rate}
                for name, q in self.queues.items()
            },
            "floor": asdict(self.agents),
            "seed": self.seed,
            "duration": self.duration,
            "warmup": self.warmup,
            "contacts": self.contacts,
        }
