"""Lanes and agent pools: the indexes that keep a decision independent of the center's size.

A *lane* is one (queue, requirement level, channel) and holds the waiting contacts, keyed by
(VIP class, effective priority, arrival, seq). An *agent pool* holds available agents keyed by
a strategy's key; queues whose level has the same requirement text, channel and strategy key
share one pool, so an agent that frees up is pushed once per distinct rule, not once per queue.

Both heaps are lazily invalidated: an agent entry is live only while its version equals the
agent's current version for the channel and the agent can still take the channel; a contact
entry is live only while the contact is WAITING in this lane with the same generation. Stale
entries are dropped when they surface, and a heap is compacted when it grows past twice its
live size, so the amortised cost of every operation stays O(log n).

This module knows nothing about strategies or rules: callers pass keys and `accept` checks.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING

from .config import Channel
from .contact import ContactPhase
from .expr import Requirement

if TYPE_CHECKING:
    from .agent import Agent
    from .contact import Contact

AgentEntry = tuple[float, float, int, int, "Agent"]  # key1, key2, agent order, version, agent
ContactEntry = tuple[tuple[int, float, float, int], int, "Contact"]  # key, generation, contact
PoolKey = tuple[str | None, Channel, Hashable]  # requirement text, channel, strategy signature
AgentKey = Callable[["Agent", Channel, "AgentPool"], tuple[float, float]]

COMPACT_SLACK = 32  # a heap may hold this many stale entries beyond twice the live ones


class AgentPool:
    """Available agents sharing one requirement, channel and strategy key.

    Entries live in two sorted containers: a FIFO for keys that arrive in non-decreasing
    order (LONGEST_IDLE parks agents with key `now`, which only grows), and a heap for the
    rest. The best entry is the smaller of the two heads; the FIFO makes the common push and
    pop O(1), which is what keeps a decision as fast at 5,000 agents as at 500.
    """

    __slots__ = (
        "channel",
        "clock",
        "fast",
        "fifo",
        "heap",
        "key",
        "live_count",
        "members",
        "pool_key",
    )

    def __init__(self, pool_key: PoolKey, key: AgentKey, fast: bool) -> None:
        self.pool_key = pool_key
        self.channel = pool_key[1]
        self.key = key
        self.fast = fast  # LONGEST_IDLE: the key is just the agent's last free time
        self.fifo: deque[AgentEntry] = deque()
        self.heap: list[AgentEntry] = []
        self.members = 0
        # Agents parked here and still available, kept by the engine (park/unpark). Only used
        # to decide when to compact, so a drift could cost time but never a wrong answer.
        self.live_count = 0
        self.clock = 0.0  # RANDOM strategies: key of the last agent picked (see queue.py)

    def live(self, entry: AgentEntry) -> bool:
        """Whether an agent entry still stands for an available agent."""
        agent = entry[4]
        channel = self.channel
        return (
            entry[3] == agent.versions[channel]
            and agent.ready
            and agent.load[channel] < agent.capacity[channel]
        )

    def push(self, entry: AgentEntry) -> None:
        """Add an agent entry, compacting when stale entries dominate."""
        fifo = self.fifo
        if not fifo or entry >= fifo[-1]:
            fifo.append(entry)
        else:
            heapq.heappush(self.heap, entry)
        if len(fifo) + len(self.heap) > 2 * self.live_count + COMPACT_SLACK:
            self.compact()

    def compact(self) -> None:
        """Drop every stale entry in one sweep (far cheaper than popping them one by one)."""
        live = self.live
        self.fifo = deque(e for e in self.fifo if live(e))
        heap = [e for e in self.heap if live(e)]
        heapq.heapify(heap)
        self.heap = heap

    def _spill(self) -> list[AgentEntry]:
        """Move the FIFO into the heap (for the rare walks that need one ordered container)."""
        heap = self.heap
        if self.fifo:
            heap.extend(self.fifo)
            self.fifo.clear()
            heapq.heapify(heap)
        return heap

    def pop(self, accept: Callable[[Agent], bool] | None) -> Agent | None:
        """Remove and return the best live agent that `accept`s (None = any)."""
        fifo, heap, channel = self.fifo, self.heap, self.channel
        while fifo:  # drop stale heads (agents taken through another pool, paused...)
            head = fifo[0]
            agent = head[4]
            if (
                head[3] == agent.versions[channel]
                and agent.ready
                and agent.load[channel] < agent.capacity[channel]
            ):
                break
            fifo.popleft()
        while heap:
            head = heap[0]
            agent = head[4]
            if (
                head[3] == agent.versions[channel]
                and agent.ready
                and agent.load[channel] < agent.capacity[channel]
            ):
                break
            heapq.heappop(heap)
        if fifo and (not heap or fifo[0] < heap[0]):
            entry = fifo[0]
            if accept is None or accept(entry[4]):
                fifo.popleft()
                self.clock = entry[0]
                return entry[4]
        elif heap:
            entry = heap[0]
            if accept is None or accept(entry[4]):
                heapq.heappop(heap)
                self.clock = entry[0]
                return entry[4]
        else:
            return None
        # Rare path (contact-specific rules): walk in order, then restore what was skipped.
        heap = self._spill()
        skipped: list[AgentEntry] = []
        found: Agent | None = None
        while heap:
            entry = heapq.heappop(heap)
            if not self.live(entry):
                continue
            if accept is not None and accept(entry[4]):
                found = entry[4]
                self.clock = entry[0]
                break
            skipped.append(entry)
        for entry in skipped:
            heapq.heappush(heap, entry)
        return found

    def pop_all(self, accept: Callable[[Agent], bool] | None) -> list[Agent]:
        """Remove and return every live agent that `accept`s, best first (ring-all)."""
        heap = self._spill()
        skipped: list[AgentEntry] = []
        found: list[Agent] = []
        while heap:
            entry = heapq.heappop(heap)
            if not self.live(entry):
                continue
            if accept is None or accept(entry[4]):
                found.append(entry[4])
            else:
                skipped.append(entry)
        for entry in skipped:
            heapq.heappush(heap, entry)
        return found


class Lane:
    """Waiting contacts of one (queue, level, channel), and the pool of agents serving it."""

    __slots__ = ("contact_limit", "contacts", "exact", "level", "pool", "queue", "requirement")

    def __init__(
        self, queue: str, level: int, requirement: Requirement | None, pool: AgentPool
    ) -> None:
        self.queue = queue
        self.level = level
        self.requirement = requirement
        self.pool = pool
        # Only requirements that read contact attributes need a check per (agent, contact);
        # the others were settled once, when membership was computed.
        self.exact = requirement is not None and requirement.uses_contact
        self.contacts: list[ContactEntry] = []
        self.contact_limit = COMPACT_SLACK

    # -- contacts ------------------------------------------------------------------------
    def contact_live(self, entry: ContactEntry) -> bool:
        """Whether a contact entry still stands for a contact waiting in this lane."""
        contact = entry[2]
        return (
            entry[1] == contact.generation
            and contact.phase is ContactPhase.WAITING
            and contact.placements.get(self.queue) == self.level
        )

    def push_contact(self, entry: ContactEntry) -> None:
        """Add a waiting contact entry, compacting the heap when stale entries dominate."""
        contacts = self.contacts
        heapq.heappush(contacts, entry)
        if len(contacts) > self.contact_limit:
            live = [e for e in contacts if self.contact_live(e)]
            heapq.heapify(live)
            self.contacts = live
            self.contact_limit = max(COMPACT_SLACK, 2 * len(live))

    def first_contact(self, accept: Callable[[Contact], bool] | None) -> ContactEntry | None:
        """The best live waiting contact that `accept`s, left in place (None if none)."""
        contacts = self.contacts
        while contacts and not self.contact_live(contacts[0]):
            heapq.heappop(contacts)
        if not contacts:
            return None
        if accept is None or accept(contacts[0][2]):
            return contacts[0]
        # Rare path (contact-specific rules): walk the heap in order, then restore it.
        skipped: list[ContactEntry] = []
        found: ContactEntry | None = None
        while contacts:
            entry = heapq.heappop(contacts)
            if not self.contact_live(entry):
                continue
            skipped.append(entry)
            if accept(entry[2]):
                found = entry
                break
        for entry in skipped:
            heapq.heappush(contacts, entry)
        return found

    def live_contacts(self) -> list[Contact]:
        """Every contact currently waiting in this lane (for reconfiguration)."""
        return [entry[2] for entry in self.contacts if self.contact_live(entry)]
