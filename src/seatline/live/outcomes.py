"""How a caller's time in a queue ended: the vocabulary LiveAcd reports and records read."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["AgentLeg", "OfferRecord", "QueueOutcome", "QueueResult"]


class QueueResult(StrEnum):
    """How a caller left a queue."""

    ANSWERED = "answered"  # an agent took the call; the outcome comes when the talk ended
    ABANDONED = "abandoned"  # the caller hung up while waiting or ringing
    VOICEMAIL = "voicemail"  # the queue sent the caller to voicemail (max wait, overflow)
    CALLBACK = "callback"  # the caller keeps the place and will be called back
    REJECTED = "rejected"  # queue full or closed


@dataclass
class OfferRecord:
    """One offer of the contact to an agent, for the contact record."""

    agent_id: str
    offered_at: float  # wall-clock seconds (time.time())
    outcome: str = "ringing"  # answered, no_answer, rejected, withdrawn
    ended_at: float | None = None


@dataclass(frozen=True)
class AgentLeg:
    """The agent's SIP leg of an answered contact, for the record (wall-clock times)."""

    sip_call_id: str
    peer: str
    answered_at: float
    ended_at: float
    end_reason: str


@dataclass(frozen=True)
class QueueOutcome:
    """What happened to a caller in a queue, with wall-clock times for the record."""

    result: QueueResult
    queue: str
    enqueued_at: float
    left_at: float
    agent_id: str | None = None
    answered_at: float | None = None
    reason: str = ""
    offers: tuple[OfferRecord, ...] = ()
    number: str = ""  # the number a callback dialled
    agent_leg: AgentLeg | None = None

    @property
    def wait(self) -> float:
        """Seconds from enqueueing to answer (or to leaving the queue)."""
        return (self.answered_at or self.left_at) - self.enqueued_at
