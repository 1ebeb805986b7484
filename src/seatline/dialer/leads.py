"""Leads and the state machine of a lead's attempts.

A lead waits (PENDING) until it is due, is shown to an agent (PREVIEWING) or dialled
(DIALING), may reach a person (CONNECTED), and then either waits again for a retry or a
callback, or is finished (DONE) or blocked (BLOCKED: on a do-not-call list).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum

from .errors import IllegalTransition
from .outcomes import AttemptOutcome


class LeadState(StrEnum):
    """Where a lead is in its campaign."""

    PENDING = "pending"
    PREVIEWING = "previewing"
    DIALING = "dialing"
    CONNECTED = "connected"
    DONE = "done"
    BLOCKED = "blocked"


_L = LeadState

#: old state → states it may move to.
LEAD_TRANSITIONS: dict[LeadState, frozenset[LeadState]] = {
    _L.PENDING: frozenset({_L.PREVIEWING, _L.DIALING, _L.BLOCKED, _L.DONE}),
    _L.PREVIEWING: frozenset({_L.DIALING, _L.PENDING, _L.BLOCKED, _L.DONE}),
    _L.DIALING: frozenset({_L.CONNECTED, _L.PENDING, _L.DONE}),
    _L.CONNECTED: frozenset({_L.PENDING, _L.DONE, _L.BLOCKED}),
    _L.DONE: frozenset(),
    _L.BLOCKED: frozenset(),
}


@dataclass(frozen=True, slots=True)
class Lead:
    """A person to call: `timezone` is an IANA name, used for the calling window."""

    lead_id: str
    number: str
    timezone: str = "UTC"


@dataclass(slots=True)
class LeadRecord:
    """A lead's mutable history inside a campaign."""

    lead: Lead
    state: LeadState = LeadState.PENDING
    attempts: int = 0
    outcomes: Counter[AttemptOutcome] = field(default_factory=Counter)
    last_dial: float | None = None
    due: float = 0.0
    callback_at: float | None = None
    disposition: str | None = None

    def move(self, new: LeadState) -> None:
        """Change state through the transition table, or raise `IllegalTransition`."""
        if new not in LEAD_TRANSITIONS[self.state]:
            raise IllegalTransition("lead", self.lead.lead_id, self.state, new)
        self.state = new
