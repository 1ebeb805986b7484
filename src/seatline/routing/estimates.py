"""Answers for announcements: a waiting contact's place in line and its expected wait.

Nothing here runs on the routing paths: each answer is computed when asked, in one pass over
the contact's queue (its waiting contacts, or its member agents). The only bookkeeping they
need on the hot path is the handle-time average that `contact_finished` keeps per queue.
"""

from __future__ import annotations

from .config import Channel
from .contact import Contact
from .core import WAITING_PHASES, EngineCore
from .errors import IllegalContactOperation
from .filters import agent_filter


class WaitEstimates(EngineCore):
    """`position` and `expected_wait` of waiting contacts (mixed into `RoutingEngine`)."""

    __slots__ = ()

    def position(self, contact_id: str) -> int:
        """1-based place of a waiting contact in its queue's serving order, for its channel.

        The order is the queue's exact one: VIP first, then effective priority (with the
        queue's aging), then arrival. It counts every contact of the same channel whose home
        is this queue and that waits (callbacks and sticky contacts included; contacts ringing
        an agent are no longer in line). Skill filters are deliberately ignored: a contact
        ahead that needs other skills still counts, so the number is the place in the one
        line the queue serves, and `position - 1` bounds the contacts of this queue that an
        agent able to take this one will serve first. Raises `IllegalContactOperation` when
        the contact is not waiting (ringing or connected).
        """
        contact = self._waiting(contact_id)
        queue = self._queues[contact.home]
        aging = queue.aging
        key = contact.order_key(aging)
        channel = contact.channel
        ahead = 0
        for other in queue.waiting.values():
            if other.channel is channel and other.order_key(aging) < key:
                ahead += 1
        return ahead + 1

    def expected_wait(self, contact_id: str, now: float) -> float | None:
        """Seconds a waiting contact may still wait from `now`; None if no agent can serve it.

        position × recent handle time (talk + wrap-up, measured per queue and channel) ÷
        servers, where servers counts the capacity on the contact's channel of the agents
        that are ready (available or busy, not paused or offline) and may take this contact
        in one of its placements (its queue, relaxed levels, widened queues; contact rules
        and declines applied). Each server frees up on average once per handle time, so the
        line moves by `servers` contacts per handle time. Before a queue has measured a
        contact, a typical talk time plus the queue's wrap-up stands in. `now` only dates
        the question: the engine reads no clock and the estimate is the same at any `now`
        until the next event changes the line or the agents.
        """
        contact = self._waiting(contact_id)
        servers = self._servers(contact)
        if not servers:
            return None
        queue = self._queues[contact.home]
        handle = queue.handling[contact.channel].seconds(queue.config.wrap_up)
        return self.position(contact_id) * handle / servers

    def waiting_order(self, queue: str, channel: Channel = Channel.VOICE) -> list[str]:
        """Ids of the contacts waiting in `queue` on `channel`, in serving order.

        The contact at index i has `position` i + 1: one call serves the announcements of a
        whole queue in O(n log n) instead of n calls of O(n).
        """
        line = self._queue(queue)
        aging = line.aging
        waiting = [c for c in line.waiting.values() if c.channel is channel]
        waiting.sort(key=lambda c: c.order_key(aging))
        return [c.contact_id for c in waiting]

    def _waiting(self, contact_id: str) -> Contact:
        contact = self._contact(contact_id)
        if contact.phase not in WAITING_PHASES:
            raise IllegalContactOperation(f"contact {contact_id!r} is not waiting")
        return contact

    def _servers(self, contact: Contact) -> int:
        """Capacity on the contact's channel of the ready agents that may take it."""
        channel = contact.channel
        seen: set[str] = set()
        total = 0
        for name, level in contact.placements.items():
            queue = self._queues[name]
            accept = agent_filter(queue.lanes[(level, channel)], contact)
            for agent_id, agent in queue.members.items():
                capacity = agent.capacity[channel]
                if (
                    not capacity
                    or not agent.ready
                    or agent_id in seen
                    or level not in agent.memberships[name]
                ):
                    continue
                if accept is None or accept(agent):
                    seen.add(agent_id)
                    total += capacity
        return total
