"""Runtime record of one contact inside the engine, and its phases.

A contact is owned by exactly one phase at a time. While WAITING it may sit in several lanes
(its home queue, queues it widened to); heap entries carry `generation` so that moving the
contact (offered, re-queued, relaxed) makes old entries stale without searching for them.
"""

from __future__ import annotations

from enum import IntEnum
from typing import TYPE_CHECKING

from .config import Channel, ContactRequest
from .expr import Requirement

if TYPE_CHECKING:
    from .agent import Slot


class ContactPhase(IntEnum):
    """Where a contact is in its life inside the engine."""

    STICKY = 1  # waiting for its preferred agent only, until the sticky timeout
    WAITING = 2  # queued in its lanes
    OFFERED = 3  # ringing one agent (or several for ring-all)
    CONNECTED = 4  # an agent answered
    DONE = 5  # ended; the engine forgot it


class Contact:
    """One contact being routed."""

    __slots__ = (
        "arrival",
        "callback",
        "channel",
        "contact_id",
        "declined",
        "generation",
        "home",
        "next_step",
        "offers",
        "phase",
        "placements",
        "priority",
        "queued",
        "request",
        "requirement",
        "seq",
        "vip",
    )

    def __init__(
        self, request: ContactRequest, requirement: Requirement | None, seq: int, now: float
    ) -> None:
        self.request = request
        self.contact_id = request.contact_id
        self.home = request.queue
        self.channel: Channel = request.channel
        self.priority = request.priority
        self.vip = request.vip
        self.requirement = requirement
        self.arrival = now
        self.seq = seq
        self.phase = ContactPhase.WAITING
        self.generation = 0  # bumped whenever lane entries and timers must be forgotten
        self.placements: dict[str, int] = {request.queue: 0}  # queue → requirement level
        self.offers: dict[str, Slot] = {}  # agent id → slot, while OFFERED
        self.declined: set[str] = set()  # agents that rejected or missed this contact
        self.callback = False
        self.queued = False  # counted in the engine's per-channel count of queued contacts
        self.next_step = 0  # index of the next overflow step of the home queue

    def order_key(self, aging: float) -> tuple[int, float, float, int]:
        """Sort key in a queue with this aging rate: VIP, effective priority, arrival."""
        # p + aging·(now − arrival) orders like p − aging·arrival at every `now`, so the key
        # never changes while the contact waits (a heap needs that).
        return (0 if self.vip else 1, self.arrival * aging - self.priority, self.arrival, self.seq)
