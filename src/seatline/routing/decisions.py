"""Decisions: what the engine asks its driver (the switch, or the simulator) to do.

The engine never performs them; it queues them and the driver drains them with
`RoutingEngine.take_decisions()` and reports the outcome back as events (answered, ...).
"""

from __future__ import annotations

from dataclasses import dataclass

from .config import Channel, OverflowAction
from .fastinit import fast_init


@fast_init
@dataclass(frozen=True)
class Offer:
    """Ring agent `agent_id` with contact `contact_id` (the agent is now reserved)."""

    contact_id: str
    agent_id: str
    queue: str
    channel: Channel


@fast_init
@dataclass(frozen=True)
class DialCallback:
    """The agent is reserved for a callback contact: dial the customer back and bridge."""

    contact_id: str
    agent_id: str
    queue: str
    channel: Channel


@fast_init
@dataclass(frozen=True)
class CancelOffer:
    """Stop ringing `agent_id` for `contact_id` (answered elsewhere, timed out, abandoned)."""

    contact_id: str
    agent_id: str
    reason: str


@fast_init
@dataclass(frozen=True)
class Reject:
    """The contact cannot be queued or leaves the queue rejected (full, max wait...)."""

    contact_id: str
    queue: str
    reason: str


@fast_init
@dataclass(frozen=True)
class ToVoicemail:
    """Send the contact to the queue's voicemail; the engine forgets it."""

    contact_id: str
    queue: str


@fast_init
@dataclass(frozen=True)
class ToCallback:
    """Tell the caller we will call back and release the line; the contact keeps its place."""

    contact_id: str
    queue: str


@fast_init
@dataclass(frozen=True)
class Overflow:
    """An overflow step was applied (the driver may play an announcement)."""

    contact_id: str
    queue: str
    step: int
    action: OverflowAction
    to_queues: tuple[str, ...] = ()


Decision = Offer | DialCallback | CancelOffer | Reject | ToVoicemail | ToCallback | Overflow
