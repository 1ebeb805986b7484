"""Decisions out: what the dialer asks its driver (the switch, or the simulator) to do."""

from __future__ import annotations

from dataclasses import dataclass

from .outcomes import AttemptOutcome


@dataclass(frozen=True, slots=True)
class Dial:
    """Place call `call_id` to `number`; `agent_id` is set when an agent waits for this call."""

    call_id: str
    lead_id: str
    number: str
    campaign: str
    agent_id: str | None
    ring_timeout: float


@dataclass(frozen=True, slots=True)
class Preview:
    """Show lead `lead_id` to agent `agent_id`, who decides to dial it or skip it."""

    agent_id: str
    lead_id: str
    number: str
    campaign: str


@dataclass(frozen=True, slots=True)
class Bridge:
    """Connect the answered person on `call_id` to agent `agent_id`."""

    call_id: str
    agent_id: str


@dataclass(frozen=True, slots=True)
class PlayAbandonMessage:
    """No agent within the limit: play the recorded message on `call_id`, then hang up."""

    call_id: str


@dataclass(frozen=True, slots=True)
class Hangup:
    """Release `call_id` (machine, ring timeout, cancelled); `outcome` is what it counts as."""

    call_id: str
    outcome: AttemptOutcome


Decision = Dial | Preview | Bridge | PlayAbandonMessage | Hangup
