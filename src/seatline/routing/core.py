"""The engine's core: its state and the matching and bookkeeping primitives.

`RoutingEngine` (engine.py) is the public face and validates every call; this class holds
what the public methods share and must never be used on its own. Two directions of matching,
both through lanes and pools (see lanes.py), so neither scans the center:

* a contact that needs an agent pops the best live agent from its lanes' pools;
* an agent that frees up looks at the head contact of each lane it belongs to and takes the
  best by (VIP, effective priority, arrival), or else parks itself in its pools.

Invariant: within a lane there is never a live agent and a live contact that accept each other.
"""

from __future__ import annotations

import heapq
import random

from .agent import SLOT_STATE, TRANSITIONS, Agent, Slot
from .config import Channel
from .contact import Contact
from .decisions import (
    Decision,
    DialCallback,
    Offer,
)
from .errors import (
    IllegalAgentTransition,
    UnknownAgent,
    UnknownContact,
    UnknownQueue,
)
from .events import (
    AgentRemoved,
    AgentStateChanged,
    Ended,
    EndReason,
    Offered,
    RoutingEvent,
)
from .expr import Requirement
from .filters import agent_filter, contact_filter
from .lanes import COMPACT_SLACK, AgentKey, AgentPool, PoolKey
from .members import (
    AGENT_AVAILABLE,
    AGENT_NOT_READY,
    AGENT_ON_CONTACT,
    CONTACT_DONE,
    CONTACT_OFFERED,
    CONTACT_STICKY,
    CONTACT_WAITING,
    STRATEGY_RING_ALL,
    STRATEGY_ROUND_ROBIN,
    TIMER_MAX_WAIT,
    TIMER_OFFER_TIMEOUT,
    TIMER_OVERFLOW,
)
from .queue import Queue
from .timers import Timers

WAITING_PHASES = (CONTACT_WAITING, CONTACT_STICKY)


class EngineCore:
    """State and primitives shared by the public methods of `RoutingEngine`."""

    __slots__ = (
        "_agent_seq",
        "_agents",
        "_compiled",
        "_contact_seq",
        "_contacts",
        "_decisions",
        "_events",
        "_pools",
        "_queued",
        "_queues",
        "_retired",
        "_rng",
        "_timer_heap",
        "_timers",
    )

    def __init__(self, rng: random.Random | None = None) -> None:
        self._rng = rng if rng is not None else random.Random(0)
        self._queues: dict[str, Queue] = {}
        # Removed queues whose connected contacts still finish there (wrap-up, handle time).
        self._retired: dict[str, Queue] = {}
        self._agents: dict[str, Agent] = {}
        self._contacts: dict[str, Contact] = {}
        self._timers = Timers()
        self._timer_heap = self._timers.heap  # peeked before each call: skip _fire when idle
        self._decisions: list[Decision] = []
        self._events: list[RoutingEvent] = []
        self._compiled: dict[str, Requirement] = {}
        self._pools: dict[PoolKey, AgentPool] = {}
        # Contacts sitting in lanes, per channel: when zero, a freed agent skips its lanes.
        self._queued: dict[Channel, int] = dict.fromkeys(Channel, 0)
        self._contact_seq = 0
        self._agent_seq = 0

    # -- lookups -------------------------------------------------------------------------
    def _queue(self, name: str) -> Queue:
        try:
            return self._queues[name]
        except KeyError:
            raise UnknownQueue(name) from None

    def _agent(self, agent_id: str) -> Agent:
        try:
            return self._agents[agent_id]
        except KeyError:
            raise UnknownAgent(agent_id) from None

    def _contact(self, contact_id: str) -> Contact:
        try:
            return self._contacts[contact_id]
        except KeyError:
            raise UnknownContact(contact_id) from None

    def _compile(self, text: str) -> Requirement:
        requirement = self._compiled.get(text)
        if requirement is None:
            requirement = self._compiled[text] = Requirement(text)
        return requirement

    def _pool_for(self, key: PoolKey, agent_key: AgentKey, fast: bool) -> AgentPool:
        pool = self._pools.get(key)
        if pool is None:
            pool = self._pools[key] = AgentPool(key, agent_key, fast)
        return pool

    # -- membership ----------------------------------------------------------------------
    def _join(
        self, agent: Agent, queue: Queue, memo: dict[Requirement, bool] | None = None
    ) -> bool:
        """Make the agent a member of the queue's levels it matches; False if none."""
        if agent.leaving:
            return False  # removed: it only finishes what it holds
        levels = queue.member_levels(agent, memo)
        if not levels:
            return False
        agent.memberships[queue.name] = levels
        queue.members[agent.agent_id] = agent
        for channel, capacity in agent.capacity.items():
            if capacity > 0:
                for level in levels:
                    agent.lanes[channel].append(queue.lanes[(level, channel)])
        return True

    def _leave(self, agent: Agent, name: str) -> None:
        if agent.memberships.pop(name, None) is None:
            return
        queue = self._queues.get(name)
        if queue is not None:
            del queue.members[agent.agent_id]
        for channel, lanes in agent.lanes.items():
            agent.lanes[channel] = [lane for lane in lanes if lane.queue != name]

    def _regroup(self, agent: Agent) -> None:
        """Recompute the distinct pools behind the agent's lanes (after joins and leaves)."""
        self._unpark(agent)  # callers re-park it through _refresh_agent
        for channel, lanes in agent.lanes.items():
            for pool in agent.pools[channel]:
                pool.members -= 1
            pools = list(dict.fromkeys(lane.pool for lane in lanes))
            for pool in pools:
                pool.members += 1
            agent.pools[channel] = pools

    # -- agents --------------------------------------------------------------------------
    def _sync(self, agent: Agent, now: float) -> None:
        """Move the agent to the state its slots imply, checked against TRANSITIONS."""
        slots = agent.slots
        count = len(slots)
        # The two usual cases (one contact, or none) inline; Agent.derive_state is the rule.
        if count == 1 and agent.logged_in:
            for slot in slots.values():
                new = SLOT_STATE[slot.phase]
        elif count == 0 and agent.logged_in:
            new = AGENT_AVAILABLE if agent.ready else AGENT_NOT_READY
        else:
            new = agent.derive_state()
        old = agent.state
        if new is not old:
            if new not in TRANSITIONS[old]:
                raise IllegalAgentTransition(agent.agent_id, old, new)
            agent.state = new
            agent.since = now
            reason = agent.reason if new is AGENT_NOT_READY else None
            self._events.append(AgentStateChanged(now, agent.agent_id, old, new, reason))

    def _refresh_agent(self, agent: Agent, now: float) -> None:
        """Re-rank or re-match the agent on every channel it can take now."""
        for channel, capacity in agent.capacity.items():
            if capacity and agent.ready and agent.load[channel] < capacity:
                self._agent_free(agent, channel, now)

    def _agent_free(self, agent: Agent, channel: Channel, now: float) -> None:
        """Give the agent the best contact it may take on `channel`, or park it in its lanes."""
        while agent.ready and agent.load[channel] < agent.capacity[channel]:
            if not agent.sticky and not self._queued[channel]:
                self._park(agent, channel)  # nobody waits anywhere: skip the lane walk
                return
            found = self._best_contact(agent, channel, now)
            if found is None:
                self._park(agent, channel)
                return
            contact, queue = found
            self._offer_to(contact, [agent], queue, now)

    def _park(self, agent: Agent, channel: Channel) -> None:
        """Push the available agent into its pools with fresh keys (older entries go stale)."""
        version = agent.versions[channel] + 1
        agent.versions[channel] = version
        order = agent.order
        counted = agent.parked[channel]
        agent.parked[channel] = True
        shared = (agent.last_free[channel], 0.0, order, version, agent)  # LONGEST_IDLE key
        push = heapq.heappush
        for pool in agent.pools[channel]:
            if not counted:
                pool.live_count += 1
            if pool.fast:
                entry = shared
            else:
                first, second = pool.key(agent, channel, pool)
                entry = (first, second, order, version, agent)
            fifo = pool.fifo  # inlined AgentPool.push: this loop runs for every pool
            if not fifo or entry >= fifo[-1]:
                fifo.append(entry)
            else:
                push(pool.heap, entry)
            if len(fifo) + len(pool.heap) > 2 * pool.live_count + COMPACT_SLACK:
                pool.compact()

    def _unpark(self, agent: Agent, only: Channel | None = None) -> None:
        """The agent's pool entries stopped being live (offered, paused, pools changed)."""
        for channel, parked in agent.parked.items():
            if parked and (only is None or channel is only):
                agent.parked[channel] = False
                agent.versions[channel] += 1  # every entry is now stale at the first check
                for pool in agent.pools[channel]:
                    pool.live_count -= 1

    def _best_contact(
        self, agent: Agent, channel: Channel, now: float
    ) -> tuple[Contact, Queue] | None:
        if agent.sticky:
            found = self._best_sticky(agent, channel)
            if found is not None:
                return found, self._queues[found.home]
        if not self._queued[channel]:
            return None
        best: tuple[int, float, float, int] | None = None
        best_contact: Contact | None = None
        best_queue: Queue | None = None
        for lane in agent.lanes[channel]:
            if not lane.contacts:
                continue
            entry = lane.first_contact(contact_filter(lane, agent))
            if entry is None:
                continue
            contact = entry[2]
            queue = self._queues[lane.queue]
            # Queues may age priority at different rates: compare effective priority now.
            effective = contact.priority + queue.aging * (now - contact.arrival)
            key = (0 if contact.vip else 1, -effective, contact.arrival, contact.seq)
            if best is None or key < best:
                best, best_contact, best_queue = key, contact, queue
        if best_contact is None or best_queue is None:
            return None
        return best_contact, best_queue

    def _best_sticky(self, agent: Agent, channel: Channel) -> Contact | None:
        agent.sticky = [c for c in agent.sticky if c.phase is CONTACT_STICKY]
        candidates = [c for c in agent.sticky if c.channel is channel]
        if not candidates:
            return None
        return min(candidates, key=lambda c: c.order_key(0.0))

    def _release(self, slot: Slot, now: float, worked: bool) -> None:
        """Free one unit of the agent's capacity (no state sync: callers do it once)."""
        agent = slot.agent
        del agent.slots[slot.contact_id]
        agent.load[slot.channel] -= 1
        slot.generation += 1
        if worked:
            agent.last_free[slot.channel] = now

    def _agent_leaves(self, agent: Agent, now: float) -> None:
        """A slot of a removed agent freed: it goes once nothing else holds it."""
        if agent.slots:
            self._sync(agent, now)
        else:
            self._drop_agent(agent, now)

    def _drop_agent(self, agent: Agent, now: float) -> None:
        """Forget a removed agent that holds no contact: offline, then `AgentRemoved`."""
        if agent.state is AGENT_ON_CONTACT:
            self._sync(agent, now)  # ON_CONTACT → OFFLINE is illegal: pass by NOT_READY
        agent.logged_in = False
        agent.ready = False
        agent.reason = None
        self._sync(agent, now)
        del self._agents[agent.agent_id]
        self._events.append(AgentRemoved(now, agent.agent_id))

    # -- contacts ------------------------------------------------------------------------
    def _sticky_agent(self, contact: Contact, queue: Queue) -> Agent | None:
        preferred = contact.request.preferred_agent
        if preferred is None or queue.config.sticky_timeout <= 0:
            return None
        agent = self._agents.get(preferred)
        if agent is None or not agent.logged_in or not agent.capacity[contact.channel]:
            return None
        if agent.leaving:
            return None
        return agent

    def _route(self, contact: Contact, now: float) -> bool:
        """Offer a WAITING contact to the best agent of its lanes; False if nobody is free."""
        channel = contact.channel
        for name, level in contact.placements.items():
            queue = self._queues[name]
            lane = queue.lanes[(level, channel)]
            pool = lane.pool
            if not pool.fifo and not pool.heap:
                continue
            if lane.exact or contact.requirement is not None or contact.declined:
                accept = agent_filter(lane, contact)
            else:
                accept = None  # the common case: pool membership already settled it
            if queue.strategy is STRATEGY_RING_ALL:
                agents = pool.pop_all(accept)
            else:
                agent = pool.pop(accept)
                if agent is None:
                    continue
                agents = [agent]
            if agents:
                self._offer_to(contact, agents, queue, now)
                for agent in agents:
                    if agent.ready and agent.load[channel] < agent.capacity[channel]:
                        self._agent_free(agent, channel, now)  # capacity left: re-rank
                return True
        return False

    def _enqueue(self, contact: Contact) -> None:
        """Put a WAITING contact (current generation) into all its lanes and arm its timers."""
        generation = contact.generation
        channel = contact.channel
        if not contact.queued:
            contact.queued = True
            self._queued[channel] += 1
        for name, level in contact.placements.items():
            queue = self._queues[name]
            queue.lanes[(level, channel)].push_contact(
                (contact.order_key(queue.aging), generation, contact)
            )
        self._schedule_wait(contact, with_max_wait=True)

    def _schedule_wait(self, contact: Contact, with_max_wait: bool) -> None:
        if contact.callback:
            return  # a callback has already left the line: no escalation, no max wait
        config = self._queues[contact.home].config
        generation = contact.generation
        step = contact.next_step
        if step < len(config.overflow):
            due = contact.arrival + config.overflow[step].after
            self._timers.schedule(due, TIMER_OVERFLOW, contact, generation, step)
        if with_max_wait and config.max_wait is not None:
            due = contact.arrival + config.max_wait
            self._timers.schedule(due, TIMER_MAX_WAIT, contact, generation)

    def _offer_to(self, contact: Contact, agents: list[Agent], queue: Queue, now: float) -> None:
        """Reserve `agents` for the contact and ring them (several only for ring-all)."""
        home = queue if queue.name == contact.home else self._queues[contact.home]
        waiting = home.waiting  # usually empty here: skip the pop
        if waiting and waiting.pop(contact.contact_id, None) is not None and contact.callback:
            home.callbacks -= 1
        if contact.queued:
            contact.queued = False
            self._queued[contact.channel] -= 1
        contact.phase = CONTACT_OFFERED
        contact.generation += 1
        contact_id = contact.contact_id
        channel = contact.channel
        decisions = self._decisions
        events = self._events
        round_robin = queue.strategy is STRATEGY_ROUND_ROBIN
        for agent in agents:
            if agent.parked[channel]:  # inlined _unpark(agent, channel): once per offer
                agent.parked[channel] = False
                agent.versions[channel] += 1
                for pool in agent.pools[channel]:
                    pool.live_count -= 1
            slot = Slot(agent, contact_id, channel, home.name, now)
            agent.slots[contact_id] = slot
            agent.load[channel] += 1
            contact.offers[agent.agent_id] = slot
            if round_robin:
                queue.note_offer(agent)
            if contact.callback:
                decisions.append(DialCallback(contact_id, agent.agent_id, home.name, channel))
            else:
                decisions.append(Offer(contact_id, agent.agent_id, home.name, channel))
            events.append(Offered(now, contact_id, agent.agent_id, home.name))
            self._sync(agent, now)
        self._timers.schedule(
            now + home.config.offer_timeout, TIMER_OFFER_TIMEOUT, contact, contact.generation
        )

    def _requeue(self, contact: Contact, now: float) -> None:
        """Put a contact back in line with its original place (arrival and priority)."""
        contact.phase = CONTACT_WAITING
        contact.generation += 1
        home = self._queues[contact.home]
        home.waiting[contact.contact_id] = contact
        if contact.callback:
            home.callbacks += 1
        if not self._route(contact, now):
            self._enqueue(contact)

    def _make_callback(self, contact: Contact) -> None:
        contact.callback = True
        if contact.contact_id in self._queues[contact.home].waiting:
            self._queues[contact.home].callbacks += 1

    def _end(self, contact: Contact, reason: EndReason, now: float) -> None:
        """Forget a contact that leaves without an agent, announcing `Ended` once."""
        home = self._queues[contact.home]
        if home.waiting.pop(contact.contact_id, None) is not None and contact.callback:
            home.callbacks -= 1
        if contact.queued:
            contact.queued = False
            self._queued[contact.channel] -= 1
        contact.phase = CONTACT_DONE
        contact.generation += 1
        del self._contacts[contact.contact_id]
        self._events.append(Ended(now, contact.contact_id, contact.home, reason, None))
