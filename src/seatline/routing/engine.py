"""The routing engine: the public face of `seatline.routing`.

It owns queues, agents and contacts and turns driver calls (contact arrived, offer answered,
agent ready, `advance(now)`) into decisions and statistics events. It never reads a clock,
sleeps or does I/O, and its only randomness is the injected `random.Random`. The machinery
behind these methods lives in core.py (matching, bookkeeping) and timerwork.py (timers);
removing agents and queues live is in removal.py, positions and expected waits for
announcements in estimates.py.
"""

from __future__ import annotations

import heapq

from .agent import Agent, Slot
from .config import AgentConfig, Channel, ContactRequest, QueueConfig
from .contact import Contact
from .core import WAITING_PHASES
from .decisions import (
    CancelOffer,
    Decision,
    Reject,
    ToVoicemail,
)
from .errors import (
    DuplicateId,
    IllegalAgentTransition,
    IllegalContactOperation,
    UnknownContact,
    UnknownQueue,
)
from .estimates import WaitEstimates
from .events import (
    Abandoned,
    AgentStateChanged,
    Answered,
    CallbackRequested,
    Ended,
    EndReason,
    Enqueued,
    RoutingEvent,
)
from .expr import Requirement
from .members import (
    AGENT_AVAILABLE,
    AGENT_NOT_READY,
    AGENT_OFFLINE,
    CONTACT_CONNECTED,
    CONTACT_DONE,
    CONTACT_OFFERED,
    CONTACT_STICKY,
    CONTACT_WAITING,
    END_COMPLETED,
    SLOT_ACTIVE,
    SLOT_OFFERED,
    SLOT_WRAP,
    TIMER_STICKY_END,
    TIMER_WRAP_END,
)
from .queue import HANDLE_WINDOW, Queue
from .removal import LiveRemovals
from .snapshot import AgentSnapshot, QueueSnapshot, Snapshot


class RoutingEngine(LiveRemovals, WaitEstimates):
    """Queues, agents and waiting contacts; events and `now` in, decisions out."""

    __slots__ = ()

    # -- configuration (applies live) ----------------------------------------------------
    def add_queue(self, config: QueueConfig, now: float = 0.0) -> None:
        """Add a queue; agents already known become members if they match it."""
        if config.name in self._queues:
            raise DuplicateId(f"queue {config.name!r} already exists")
        queue = Queue(config, self._compile, self._pool_for, self._rng)
        self._queues[config.name] = queue
        self._retired.pop(config.name, None)
        for agent in self._agents.values():
            if self._join(agent, queue):  # only members have new pools to be parked in
                self._regroup(agent)
                self._refresh_agent(agent, now)

    def update_queue(self, config: QueueConfig, now: float) -> None:
        """Replace a queue's config live: nobody waiting is lost, no agent is logged out."""
        queue = self._queue(config.name)
        if self._timer_heap and self._timer_heap[0][0] < now:
            self._fire(now, inclusive=False)
        placed = [
            c
            for c in self._contacts.values()
            if config.name in c.placements and c.phase in WAITING_PHASES
        ]
        members = [a for a in self._agents.values() if config.name in a.memberships]
        for agent in members:
            self._leave(agent, config.name)
        queue.configure(config, self._compile, self._pool_for)
        top_level = len(queue.levels) - 1
        for contact in placed:
            contact.placements[config.name] = min(contact.placements[config.name], top_level)
            if contact.home == config.name:
                contact.next_step = min(contact.next_step, len(config.overflow))
            if contact.phase is CONTACT_WAITING:
                contact.generation += 1
                self._enqueue(contact)
        for agent in self._agents.values():
            self._join(agent, queue)
            self._regroup(agent)
        for agent in self._agents.values():
            self._refresh_agent(agent, now)

    def add_agent(self, config: AgentConfig, now: float) -> None:
        """Add an agent (offline) and precompute the queues it may serve."""
        known = self._agents.get(config.agent_id)
        if known is not None:
            if known.leaving:
                raise DuplicateId(
                    f"agent {config.agent_id!r} is being removed: it leaves when its current"
                    " contact ends, add it again after that"
                )
            raise DuplicateId(f"agent {config.agent_id!r} already exists")
        self._agent_seq += 1
        agent = Agent(config, self._agent_seq, now)
        self._agents[config.agent_id] = agent
        memo: dict[Requirement, bool] = {}
        for queue in self._queues.values():
            self._join(agent, queue, memo)
        self._regroup(agent)

    def update_agent(self, config: AgentConfig, now: float) -> None:
        """Change an agent's skills/capacity/weight live (recomputes its queues)."""
        agent = self._agent(config.agent_id)
        if self._timer_heap and self._timer_heap[0][0] < now:
            self._fire(now, inclusive=False)
        for name in list(agent.memberships):
            self._leave(agent, name)
        agent.config = config
        for channel in Channel:
            agent.capacity[channel] = config.capacity.get(channel, 0)
            agent.versions[channel] += 1  # old keys (skill levels, weight) are void
        memo: dict[Requirement, bool] = {}
        for queue in self._queues.values():
            self._join(agent, queue, memo)
        self._regroup(agent)
        self._refresh_agent(agent, now)

    # -- agent actions -------------------------------------------------------------------
    def agent_login(self, agent_id: str, now: float) -> None:
        """OFFLINE → NOT_READY (reason "login"); call `set_ready` to receive contacts."""
        agent = self._agent(agent_id)
        if self._timer_heap and self._timer_heap[0][0] < now:
            self._fire(now, inclusive=False)
        if agent.logged_in:
            raise IllegalAgentTransition(
                agent_id, agent.state, AGENT_NOT_READY, "already logged in"
            )
        agent.logged_in = True
        agent.ready = False
        agent.reason = "login"
        self._sync(agent, now)

    def set_ready(self, agent_id: str, now: float) -> None:
        """Make the agent ready (AVAILABLE, or after its current contacts)."""
        agent = self._agent(agent_id)
        if self._timer_heap and self._timer_heap[0][0] < now:
            self._fire(now, inclusive=False)
        if not agent.logged_in:
            raise IllegalAgentTransition(agent_id, agent.state, AGENT_AVAILABLE, "offline")
        if agent.leaving:
            raise IllegalAgentTransition(agent_id, agent.state, AGENT_AVAILABLE, "being removed")
        if agent.ready:
            return
        agent.ready = True
        agent.reason = None
        self._sync(agent, now)
        self._refresh_agent(agent, now)

    def set_not_ready(self, agent_id: str, reason: str, now: float) -> None:
        """Pause the agent with a reason (takes effect after current contacts)."""
        agent = self._agent(agent_id)
        if self._timer_heap and self._timer_heap[0][0] < now:
            self._fire(now, inclusive=False)
        if not agent.logged_in:
            raise IllegalAgentTransition(agent_id, agent.state, AGENT_NOT_READY, "offline")
        changed_reason = agent.reason != reason
        agent.ready = False
        agent.reason = reason
        self._unpark(agent)
        if agent.state is AGENT_NOT_READY:
            if changed_reason:  # old == new: the wallboard sees the new reason
                self._events.append(
                    AgentStateChanged(now, agent_id, agent.state, agent.state, reason)
                )
                agent.since = now
            return
        self._sync(agent, now)

    def agent_logout(self, agent_id: str, now: float) -> None:
        """Log the agent out; pending offers are cancelled and their contacts re-queued."""
        agent = self._agent(agent_id)
        if self._timer_heap and self._timer_heap[0][0] < now:
            self._fire(now, inclusive=False)
        if not agent.logged_in:
            return
        if any(slot.phase is SLOT_ACTIVE for slot in agent.slots.values()):
            raise IllegalAgentTransition(
                agent_id, agent.state, AGENT_OFFLINE, "finish the current contact first"
            )
        agent.logged_in = False
        agent.ready = False
        agent.reason = None
        self._unpark(agent)
        orphans: list[Contact] = []
        for slot in list(agent.slots.values()):
            if slot.phase is SLOT_OFFERED:
                contact = self._contacts[slot.contact_id]
                del contact.offers[agent_id]
                self._decisions.append(CancelOffer(slot.contact_id, agent_id, "agent logged out"))
                if not contact.offers:
                    orphans.append(contact)
            self._release(slot, now, worked=False)
        self._sync(agent, now)
        if agent.leaving:
            self._drop_agent(agent, now)
        for contact in orphans:
            self._requeue(contact, now)

    # -- contact events ------------------------------------------------------------------
    def contact_arrived(self, request: ContactRequest, now: float) -> None:
        """Route a new contact: offer at once, queue it, or reject it (queue full)."""
        queue = self._queues.get(request.queue)  # inlined _queue: this runs per contact
        if queue is None:
            raise UnknownQueue(request.queue)
        if self._timer_heap and self._timer_heap[0][0] < now:
            self._fire(now, inclusive=False)
        if request.contact_id in self._contacts:
            raise DuplicateId(f"contact {request.contact_id!r} is already being routed")
        requirement = self._compile(request.requirement) if request.requirement else None
        self._contact_seq += 1
        contact = Contact(request, requirement, self._contact_seq, now)
        self._contacts[request.contact_id] = contact
        events = self._events
        mark = len(events)
        sticky = None if request.preferred_agent is None else self._sticky_agent(contact, queue)
        if sticky is not None:
            contact.phase = CONTACT_STICKY
            if sticky.can_take(contact.channel):
                events.insert(
                    mark, Enqueued(now, contact.contact_id, queue.name, contact.channel, 0)
                )
                self._offer_to(contact, [sticky], queue, now)
                return
        elif self._route(contact, now):
            events.insert(mark, Enqueued(now, contact.contact_id, queue.name, contact.channel, 0))
            return
        limit = queue.config.max_length
        if limit is not None and len(queue.waiting) - queue.callbacks >= limit:
            del self._contacts[request.contact_id]
            contact.phase = CONTACT_DONE
            self._decisions.append(Reject(contact.contact_id, queue.name, "queue full"))
            events.append(Ended(now, contact.contact_id, queue.name, EndReason.REJECTED, None))
            return
        queue.waiting[contact.contact_id] = contact
        events.append(
            Enqueued(now, contact.contact_id, queue.name, contact.channel, len(queue.waiting))
        )
        if sticky is not None:
            sticky.sticky.append(contact)
            self._timers.schedule(now + queue.config.sticky_timeout, TIMER_STICKY_END, contact, 0)
            self._schedule_wait(contact, with_max_wait=True)
        else:
            self._enqueue(contact)

    def offer_answered(self, contact_id: str, agent_id: str, now: float) -> None:
        """The agent picked up: agent ON_CONTACT; other ring-all offers are cancelled."""
        contact = self._contacts.get(contact_id)  # inlined _contact: this runs per contact
        if contact is None:
            raise UnknownContact(contact_id)
        if self._timer_heap and self._timer_heap[0][0] < now:
            self._fire(now, inclusive=False)
        slot = contact.offers.get(agent_id)
        if contact.phase is not CONTACT_OFFERED or slot is None:
            raise IllegalContactOperation(f"contact {contact_id!r} is not offered to {agent_id!r}")
        contact.phase = CONTACT_CONNECTED
        contact.generation += 1
        if contact.declined:
            contact.declined.clear()
        slot.phase = SLOT_ACTIVE
        slot.since = now
        others: tuple[Slot, ...] = ()  # no list allocated in the usual single offer
        if len(contact.offers) > 1:  # ring-all: everyone else stops ringing
            others = tuple(s for a, s in contact.offers.items() if a != agent_id)
            contact.offers = {agent_id: slot}
        agent = slot.agent
        agent.answered += 1
        self._events.append(
            Answered(now, contact_id, agent_id, contact.home, now - contact.arrival)
        )
        self._sync(agent, now)
        for other in others:
            self._decisions.append(CancelOffer(contact_id, other.agent.agent_id, "answered"))
            self._release(other, now, worked=False)
            self._sync(other.agent, now)
            self._refresh_agent(other.agent, now)
        channel = contact.channel
        if agent.ready and agent.load[channel] < agent.capacity[channel]:
            self._agent_free(agent, channel, now)  # capacity left: keys moved, re-rank

    def offer_rejected(self, contact_id: str, agent_id: str, now: float) -> None:
        """The agent declined: the contact is re-offered to someone else, keeping its place."""
        contact = self._contact(contact_id)
        if self._timer_heap and self._timer_heap[0][0] < now:
            self._fire(now, inclusive=False)
        slot = contact.offers.pop(agent_id, None)
        if contact.phase is not CONTACT_OFFERED or slot is None:
            raise IllegalContactOperation(f"contact {contact_id!r} is not offered to {agent_id!r}")
        contact.declined.add(agent_id)
        self._release(slot, now, worked=False)
        self._sync(slot.agent, now)
        if not contact.offers:
            self._requeue(contact, now)
        self._refresh_agent(slot.agent, now)

    def contact_finished(self, contact_id: str, now: float, wrap_up: float | None = None) -> None:
        """Talk ended: the contact ends (`Ended`); the agent wraps up (queue's time by default).

        `wrap_up` overrides the queue's wrap-up for this contact (the simulator draws it, a
        desktop may ask for more time).
        """
        contact = self._contacts.get(contact_id)  # inlined _contact: this runs per contact
        if contact is None:
            raise UnknownContact(contact_id)
        if self._timer_heap and self._timer_heap[0][0] < now:
            self._fire(now, inclusive=False)
        if contact.phase is not CONTACT_CONNECTED:
            raise IllegalContactOperation(f"contact {contact_id!r} is not connected")
        (slot,) = contact.offers.values()
        agent = slot.agent
        talk = now - slot.since
        agent.talk_time += talk
        contact.phase = CONTACT_DONE
        del self._contacts[contact_id]
        self._events.append(Ended(now, contact_id, contact.home, END_COMPLETED, agent.agent_id))
        # A queue removed during the talk still knows its wrap-up (see remove_queue).
        queue = self._queues.get(contact.home) or self._retired[contact.home]
        if wrap_up is None:
            wrap_up = queue.config.wrap_up
        # Inlined HandleTime update (queue.py): the recent handle time behind expected_wait.
        handling = queue.handling[contact.channel]
        count = handling.count + 1
        handling.count = count
        handling.mean += (talk + wrap_up - handling.mean) / (
            count if count < HANDLE_WINDOW else HANDLE_WINDOW
        )
        if wrap_up > 0:
            slot.phase = SLOT_WRAP
            slot.since = now
            self._timers.schedule(now + wrap_up, TIMER_WRAP_END, slot, slot.generation)
            self._sync(agent, now)
            return
        self._release(slot, now, worked=True)
        if agent.leaving:
            self._agent_leaves(agent, now)
            return
        self._sync(agent, now)
        self._agent_free(agent, slot.channel, now)

    def contact_abandoned(self, contact_id: str, now: float) -> None:
        """The customer hung up while queued or ringing (or withdrew a callback)."""
        contact = self._contact(contact_id)
        if self._timer_heap and self._timer_heap[0][0] < now:
            self._fire(now, inclusive=False)
        if contact.phase is CONTACT_CONNECTED:
            raise IllegalContactOperation(
                f"contact {contact_id!r} is connected: use contact_finished"
            )
        slots = list(contact.offers.values())
        contact.offers = {}
        for slot in slots:
            self._decisions.append(CancelOffer(contact_id, slot.agent.agent_id, "abandoned"))
            self._release(slot, now, worked=False)
        if contact.callback:
            self._end(contact, EndReason.CALLBACK_CANCELLED, now)
        else:
            self._events.append(Abandoned(now, contact_id, contact.home, now - contact.arrival))
            self._end(contact, EndReason.ABANDONED, now)
        for slot in slots:
            self._sync(slot.agent, now)
            self._refresh_agent(slot.agent, now)

    def send_to_voicemail(self, contact_id: str, now: float) -> None:
        """A waiting contact leaves for voicemail (e.g. nobody can serve it): `ToVoicemail`."""
        contact = self._contact(contact_id)
        if self._timer_heap and self._timer_heap[0][0] < now:
            self._fire(now, inclusive=False)
        if contact.phase not in WAITING_PHASES:
            raise IllegalContactOperation(f"contact {contact_id!r} is not waiting")
        self._decisions.append(ToVoicemail(contact_id, contact.home))
        self._end(contact, EndReason.VOICEMAIL, now)

    def request_callback(self, contact_id: str, now: float) -> None:
        """Virtual hold: the caller hangs up but keeps the place; `DialCallback` comes later."""
        contact = self._contact(contact_id)
        if self._timer_heap and self._timer_heap[0][0] < now:
            self._fire(now, inclusive=False)
        if contact.phase not in WAITING_PHASES:
            raise IllegalContactOperation(f"contact {contact_id!r} is not waiting")
        if not contact.callback:
            self._make_callback(contact)
            self._events.append(CallbackRequested(now, contact_id, contact.home))

    # -- time ----------------------------------------------------------------------------
    def advance(self, now: float) -> None:
        """Fire every timer due at or before `now`."""
        self._fire(now, inclusive=True)

    def next_deadline(self) -> float | None:
        """When `advance` must next be called (None when no timer is pending)."""
        heap = self._timer_heap
        while heap:
            head = heap[0]
            target = head[3]
            if target.generation == head[4]:
                # A driver asks once per event: the usual head (a wrap-up end) is checked
                # inline, the other kinds by the full test.
                if head[2] is TIMER_WRAP_END:
                    if target.phase is SLOT_WRAP:
                        return head[0]
                elif self._timer_live(head):
                    return head[0]
            heapq.heappop(heap)  # stale: its target moved on
        return None

    # -- output --------------------------------------------------------------------------
    def take_decisions(self) -> list[Decision]:
        """Drain the decisions queued since the last call, in order."""
        decisions, self._decisions = self._decisions, []
        return decisions

    def take_events(self) -> list[RoutingEvent]:
        """Drain the statistics events queued since the last call, in order."""
        events, self._events = self._events, []
        return events

    def snapshot(self, now: float) -> Snapshot:
        """Queues (waiting, longest wait) and agents (state, reason, time in state, leaving)."""
        offered: dict[str, int] = {}
        for contact in self._contacts.values():
            if contact.phase is CONTACT_OFFERED:
                offered[contact.home] = offered.get(contact.home, 0) + 1
        queues = tuple(
            QueueSnapshot(
                name=q.name,
                waiting=len(q.waiting),
                longest_wait=max((now - c.arrival for c in q.waiting.values()), default=0.0),
                callbacks=q.callbacks,
                offered=offered.get(q.name, 0),
            )
            for q in self._queues.values()
        )
        agents = tuple(
            AgentSnapshot(
                agent_id=a.agent_id,
                state=a.state,
                reason=a.reason if a.state is AGENT_NOT_READY else None,
                time_in_state=now - a.since,
                load={c: n for c, n in a.load.items() if a.capacity[c] or n},
                leaving=a.leaving,
            )
            for a in self._agents.values()
        )
        return Snapshot(at=now, queues=queues, agents=agents)
