"""Events in: what happened, each with the time `now` (POSIX seconds, from the driver's clock)."""

from __future__ import annotations

from dataclasses import dataclass

from .outcomes import CallResult


@dataclass(frozen=True, slots=True)
class AgentReady:
    """An agent became free for campaign calls (logged in, or finished wrap-up)."""

    now: float
    agent_id: str


@dataclass(frozen=True, slots=True)
class AgentAway:
    """An agent stopped taking campaign calls (not ready, logged out) when free."""

    now: float
    agent_id: str
    reason: str = ""


@dataclass(frozen=True, slots=True)
class PreviewAccepted:
    """The agent looked at the previewed lead and asks to dial it."""

    now: float
    agent_id: str
    lead_id: str


@dataclass(frozen=True, slots=True)
class PreviewSkipped:
    """The agent looked at the previewed lead and passed (it stays due for another attempt)."""

    now: float
    agent_id: str
    lead_id: str


@dataclass(frozen=True, slots=True)
class CallResolved:
    """The network or AMD resolved a dialled call; `answered_at`: when it was picked up."""

    now: float
    call_id: str
    result: CallResult
    # Answering machine detection listens after the answer, and that time counts in the
    # two-second rule: the person's wait for an agent runs from here, not from `now`.
    answered_at: float | None = None


@dataclass(frozen=True, slots=True)
class CallerHungUp:
    """The called person hung up before an agent took the call (counts as abandoned)."""

    now: float
    call_id: str


@dataclass(frozen=True, slots=True)
class CallEnded:
    """A connected call ended; its agent is now in wrap-up."""

    now: float
    call_id: str


@dataclass(frozen=True, slots=True)
class Dispositioned:
    """The agent set the call's disposition; `callback_at` schedules a callback (POSIX time)."""

    now: float
    call_id: str
    code: str
    callback_at: float | None = None


@dataclass(frozen=True, slots=True)
class Tick:
    """Time passed: the driver calls this at `next_deadline()` (or any time)."""

    now: float


DialerEvent = (
    AgentReady
    | AgentAway
    | PreviewAccepted
    | PreviewSkipped
    | CallResolved
    | CallerHungUp
    | CallEnded
    | Dispositioned
    | Tick
)
