"""Read-only views of the engine for wallboards: queues and agents at one instant."""

from __future__ import annotations

from dataclasses import dataclass

from .agent import AgentState
from .config import Channel


@dataclass(frozen=True, slots=True)
class QueueSnapshot:
    """One queue: contacts waiting (callbacks included), longest wait, and callbacks alone."""

    name: str
    waiting: int
    longest_wait: float
    callbacks: int
    offered: int  # contacts of this queue ringing an agent right now


@dataclass(frozen=True, slots=True)
class AgentSnapshot:
    """One agent: state with reason and time in state, load per channel, pending removal."""

    agent_id: str
    state: AgentState
    reason: str | None
    time_in_state: float
    load: dict[Channel, int]
    leaving: bool = False  # removed while busy: leaves when its current contacts end


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The whole engine at time `at`."""

    at: float
    queues: tuple[QueueSnapshot, ...]
    agents: tuple[AgentSnapshot, ...]
