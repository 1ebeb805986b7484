"""The agent state machine: states, the transition table, and the per-agent runtime record.

This module owns which state moves are legal and the bookkeeping of an agent's slots (one per
contact it is reserved for, talking to, or wrapping up). It does not know about queues or
strategies: the engine tells it what happened and reads back `state`.

The visible state is *derived* from the slots, because a chat agent can hold several contacts
at once: any active contact → ON_CONTACT; else any pending offer → RESERVED; else any wrap-up →
WRAP_UP; else AVAILABLE or NOT_READY (or OFFLINE). Each derived change is checked against
`TRANSITIONS`, so a bug that would skip a state raises `IllegalAgentTransition`.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum
from typing import TYPE_CHECKING

from .config import AgentConfig, Channel

if TYPE_CHECKING:
    from .contact import Contact
    from .lanes import AgentPool, Lane


class AgentState(StrEnum):
    """What an agent is doing, as shown on the wallboard (stored as its string value)."""

    OFFLINE = "offline"
    AVAILABLE = "available"
    NOT_READY = "not_ready"
    RESERVED = "reserved"
    ON_CONTACT = "on_contact"
    WRAP_UP = "wrap_up"


_S = AgentState

#: old state → states it may move to (a new not-ready reason is not a state change).
TRANSITIONS: dict[AgentState, frozenset[AgentState]] = {
    _S.OFFLINE: frozenset({_S.NOT_READY}),
    _S.NOT_READY: frozenset({_S.AVAILABLE, _S.OFFLINE}),
    _S.AVAILABLE: frozenset({_S.NOT_READY, _S.RESERVED, _S.OFFLINE}),
    _S.RESERVED: frozenset({_S.ON_CONTACT, _S.AVAILABLE, _S.NOT_READY, _S.WRAP_UP, _S.OFFLINE}),
    _S.ON_CONTACT: frozenset({_S.WRAP_UP, _S.RESERVED, _S.AVAILABLE, _S.NOT_READY}),
    _S.WRAP_UP: frozenset({_S.AVAILABLE, _S.NOT_READY, _S.RESERVED, _S.ON_CONTACT, _S.OFFLINE}),
}


class SlotPhase(IntEnum):
    """Where one of an agent's contacts is: ringing, connected, or in wrap-up."""

    OFFERED = 1
    ACTIVE = 2
    WRAP = 3


SLOT_STATE = {
    SlotPhase.OFFERED: AgentState.RESERVED,
    SlotPhase.ACTIVE: AgentState.ON_CONTACT,
    SlotPhase.WRAP: AgentState.WRAP_UP,
}


class Slot:
    """One contact held by an agent (occupies one unit of the channel's capacity)."""

    __slots__ = ("agent", "channel", "contact_id", "generation", "phase", "queue", "since")

    def __init__(
        self, agent: Agent, contact_id: str, channel: Channel, queue: str, now: float
    ) -> None:
        self.agent = agent
        self.contact_id = contact_id
        self.channel = channel
        self.queue = queue
        self.phase = SlotPhase.OFFERED
        self.since = now
        self.generation = 0  # bumped when a timer on this slot must be forgotten


class Agent:
    """Runtime record of one agent: config, state, slots, and the keys strategies rank by."""

    __slots__ = (
        "agent_id",
        "answered",
        "capacity",
        "config",
        "lanes",
        "last_free",
        "leaving",
        "load",
        "logged_in",
        "memberships",
        "order",
        "parked",
        "pools",
        "ready",
        "reason",
        "rr_memory",
        "since",
        "slots",
        "state",
        "sticky",
        "talk_time",
        "versions",
    )

    def __init__(self, config: AgentConfig, order: int, now: float) -> None:
        self.agent_id = config.agent_id
        self.config = config
        self.order = order
        # Every channel has an entry (capacity 0 when absent) so lookups never miss.
        self.capacity: dict[Channel, int] = {c: config.capacity.get(c, 0) for c in Channel}
        self.load: dict[Channel, int] = dict.fromkeys(Channel, 0)
        self.versions: dict[Channel, int] = dict.fromkeys(Channel, 0)
        self.last_free: dict[Channel, float] = dict.fromkeys(Channel, now)
        self.logged_in = False
        self.ready = False
        self.reason: str | None = None
        self.state = AgentState.OFFLINE
        self.since = now
        self.slots: dict[str, Slot] = {}
        self.answered = 0
        self.talk_time = 0.0
        self.rr_memory: dict[str, int] = {}  # queue → sequence number of its last offer here
        self.memberships: dict[str, tuple[int, ...]] = {}  # queue → requirement levels matched
        self.lanes: dict[Channel, list[Lane]] = {c: [] for c in Channel}  # to find contacts
        self.pools: dict[Channel, list[AgentPool]] = {c: [] for c in Channel}  # to park in
        self.parked: dict[Channel, bool] = dict.fromkeys(Channel, False)  # counted in pool.live
        self.sticky: list[Contact] = []  # contacts waiting for this agent only (sticky)
        # Removed while on a contact: takes no new work and leaves when its last slot frees.
        self.leaving = False

    def can_take(self, channel: Channel) -> bool:
        """Whether a new offer on `channel` is possible right now."""
        return self.ready and self.load[channel] < self.capacity[channel]

    def derive_state(self) -> AgentState:
        """The state the slots and flags imply (see the module docstring)."""
        if not self.logged_in:
            return AgentState.OFFLINE
        slots = self.slots
        if slots:
            if len(slots) == 1:  # the usual case: one contact
                for slot in slots.values():
                    return SLOT_STATE[slot.phase]
            offered = False
            for slot in slots.values():
                phase = slot.phase
                if phase is SlotPhase.ACTIVE:
                    return AgentState.ON_CONTACT
                if phase is SlotPhase.OFFERED:
                    offered = True
            return AgentState.RESERVED if offered else AgentState.WRAP_UP
        return AgentState.AVAILABLE if self.ready else AgentState.NOT_READY
