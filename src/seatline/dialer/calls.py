"""The life of one dialled call: ringing, maybe waiting for an agent, connected, ended."""

from __future__ import annotations

from enum import StrEnum

from .errors import IllegalTransition
from .outcomes import AttemptOutcome


class CallState(StrEnum):
    """Where a dialled call is."""

    RINGING = "ringing"  # dialled, no result yet
    WAITING = "waiting"  # a person answered and waits (at most 2 s) for an agent
    CONNECTED = "connected"  # bridged to an agent
    ENDED = "ended"


_C = CallState

#: old state → states it may move to.
CALL_TRANSITIONS: dict[CallState, frozenset[CallState]] = {
    _C.RINGING: frozenset({_C.WAITING, _C.CONNECTED, _C.ENDED}),
    _C.WAITING: frozenset({_C.CONNECTED, _C.ENDED}),
    _C.CONNECTED: frozenset({_C.ENDED}),
    _C.ENDED: frozenset(),
}


class Call:
    """One dial attempt of a lead; `agent_id` is set once an agent is tied to it."""

    __slots__ = (
        "agent_id",
        "ahead",
        "answered_at",
        "call_id",
        "dialed_at",
        "lead_id",
        "order",
        "outcome",
        "state",
    )

    def __init__(
        self,
        call_id: str,
        order: int,
        lead_id: str,
        dialed_at: float,
        agent_id: str | None,
        ahead: bool,
    ) -> None:
        self.call_id = call_id
        self.order = order  # the campaign's dial counter
        self.lead_id = lead_id
        self.dialed_at = dialed_at
        self.agent_id = agent_id
        self.ahead = ahead  # dialled ahead of a free agent: its fate teaches the safety margin
        self.answered_at: float | None = None
        self.outcome: AttemptOutcome | None = None
        self.state = CallState.RINGING

    def move(self, new: CallState) -> None:
        """Change state through the transition table, or raise `IllegalTransition`."""
        if new not in CALL_TRANSITIONS[self.state]:
            raise IllegalTransition("call", self.call_id, self.state, new)
        self.state = new
