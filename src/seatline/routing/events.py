"""Statistics events: each thing that happened, with its time `at` (engine seconds).

They feed CDRs, the wallboard and interval reports; routing itself never reads them back.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .agent import AgentState
from .config import Channel, OverflowAction
from .fastinit import fast_init


class EndReason(StrEnum):
    """How a contact left the engine; every contact gets exactly one `Ended`."""

    COMPLETED = "completed"  # an agent handled it (talk ended)
    ABANDONED = "abandoned"  # caller hung up while waiting or ringing
    REJECTED = "rejected"  # queue full, max wait with REJECT, or overflow REJECT
    VOICEMAIL = "voicemail"
    CALLBACK_CANCELLED = "callback_cancelled"  # a virtual-hold callback was withdrawn


@fast_init
@dataclass(frozen=True)
class Enqueued:
    """A contact entered its queue; `queue_length` counts those waiting (0 = offered at once)."""

    at: float
    contact_id: str
    queue: str
    channel: Channel
    queue_length: int


@fast_init
@dataclass(frozen=True)
class Offered:
    """A contact was offered to an agent."""

    at: float
    contact_id: str
    agent_id: str
    queue: str


@fast_init
@dataclass(frozen=True)
class Answered:
    """An agent answered; `wait` is seconds since the contact arrived."""

    at: float
    contact_id: str
    agent_id: str
    queue: str
    wait: float


@fast_init
@dataclass(frozen=True)
class Abandoned:
    """The customer left while queued or ringing; `wait` seconds after arrival."""

    at: float
    contact_id: str
    queue: str
    wait: float


@fast_init
@dataclass(frozen=True)
class Overflowed:
    """An overflow step was applied to a waiting contact."""

    at: float
    contact_id: str
    queue: str
    step: int
    action: OverflowAction


@fast_init
@dataclass(frozen=True)
class CallbackRequested:
    """The caller chose virtual hold: hung up, keeps the place in line."""

    at: float
    contact_id: str
    queue: str


@fast_init
@dataclass(frozen=True)
class Ended:
    """A contact left the engine for good (exactly once per contact)."""

    at: float
    contact_id: str
    queue: str
    reason: EndReason
    agent_id: str | None


@fast_init
@dataclass(frozen=True)
class AgentStateChanged:
    """An agent moved from `old` to `new` state (`reason` for not-ready and the like)."""

    at: float
    agent_id: str
    old: AgentState
    new: AgentState
    reason: str | None


@fast_init
@dataclass(frozen=True)
class AgentRemoved:
    """An agent left the configuration (after its last contact, if it was busy)."""

    at: float
    agent_id: str


@fast_init
@dataclass(frozen=True)
class ContactMoved:
    """A contact of a removed queue moved to `to_queue`, keeping its arrival and priority."""

    at: float
    contact_id: str
    from_queue: str
    to_queue: str


@fast_init
@dataclass(frozen=True)
class QueueRemoved:
    """A queue left the configuration; `moved` of its contacts went to `moved_to`."""

    at: float
    queue: str
    moved_to: str | None
    moved: int


RoutingEvent = (
    Enqueued
    | Offered
    | Answered
    | Abandoned
    | Overflowed
    | CallbackRequested
    | Ended
    | AgentStateChanged
    | AgentRemoved
    | ContactMoved
    | QueueRemoved
)
