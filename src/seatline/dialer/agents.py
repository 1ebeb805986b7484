"""The dialer's view of an agent: a small explicit state machine."""

from __future__ import annotations

from enum import StrEnum

from .errors import IllegalTransition


class AgentPhase(StrEnum):
    """What an agent is doing for the campaign."""

    AWAY = "away"  # logged out or not ready
    IDLE = "idle"  # free: may take a call now
    PREVIEWING = "previewing"  # looking at a lead before dialling it
    RESERVED = "reserved"  # waiting for the result of the call dialled for this agent
    TALKING = "talking"
    WRAP_UP = "wrap_up"


_A = AgentPhase

#: old phase → phases it may move to.
AGENT_TRANSITIONS: dict[AgentPhase, frozenset[AgentPhase]] = {
    _A.AWAY: frozenset({_A.IDLE}),
    _A.IDLE: frozenset({_A.AWAY, _A.PREVIEWING, _A.RESERVED, _A.TALKING}),
    _A.PREVIEWING: frozenset({_A.RESERVED, _A.IDLE, _A.AWAY}),
    _A.RESERVED: frozenset({_A.TALKING, _A.IDLE}),
    _A.TALKING: frozenset({_A.WRAP_UP}),
    _A.WRAP_UP: frozenset({_A.IDLE, _A.AWAY}),
}


class AgentRecord:
    """One agent of the campaign: its phase, since when, and the lead or call it holds."""

    __slots__ = ("agent_id", "call_id", "lead_id", "phase", "since")

    def __init__(self, agent_id: str, now: float) -> None:
        self.agent_id = agent_id
        self.phase = AgentPhase.AWAY
        self.since = now
        self.call_id: str | None = None
        self.lead_id: str | None = None

    def move(self, new: AgentPhase, now: float) -> None:
        """Change phase through the transition table, or raise `IllegalTransition`."""
        if new not in AGENT_TRANSITIONS[self.phase]:
            raise IllegalTransition("agent", self.agent_id, self.phase, new)
        self.phase = new
        self.since = now
