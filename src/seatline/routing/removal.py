"""Removing agents and queues live, without dropping a contact or cutting a call.

An agent removed while it holds contacts keeps its connected contacts and wrap-ups and leaves
when the last one frees (core.py `_agent_leaves`); offers ringing it are withdrawn and their
contacts go back in line at their own place. A queue removed while contacts wait in it needs a
queue to move them to; its connected contacts finish where they are.
"""

from __future__ import annotations

from .contact import Contact
from .core import WAITING_PHASES
from .decisions import CancelOffer
from .errors import ConfigError, QueueNotEmpty
from .events import ContactMoved, QueueRemoved
from .members import (
    CONTACT_CONNECTED,
    CONTACT_OFFERED,
    CONTACT_STICKY,
    CONTACT_WAITING,
    SLOT_OFFERED,
)
from .queue import Queue
from .timerwork import TimerWork


class LiveRemovals(TimerWork):
    """`remove_agent` and `remove_queue` (mixed into `RoutingEngine`)."""

    __slots__ = ()

    def remove_agent(self, agent_id: str, now: float) -> None:
        """Remove an agent: at once when idle, else after its current contacts end.

        Offers ringing it are withdrawn (`CancelOffer`) and their contacts re-queued at their
        original place; contacts waiting for it as sticky agent go to the whole queue. It
        takes no new contact, `set_ready` refuses it, and the snapshot shows it `leaving`.
        It ends with `AgentStateChanged` to offline (if logged in) and `AgentRemoved`; only
        then may the same id be added again. Removing an agent already leaving does nothing.
        """
        agent = self._agent(agent_id)
        if self._timer_heap and self._timer_heap[0][0] < now:
            self._fire(now, inclusive=False)
        if agent.leaving:
            return
        agent.leaving = True
        agent.ready = False
        agent.reason = "removed"
        for name in list(agent.memberships):
            self._leave(agent, name)
        self._regroup(agent)  # no pools left: it can never be picked again
        orphans: list[Contact] = []
        for slot in list(agent.slots.values()):
            if slot.phase is SLOT_OFFERED:
                contact = self._contacts[slot.contact_id]
                del contact.offers[agent_id]
                self._decisions.append(CancelOffer(slot.contact_id, agent_id, "agent removed"))
                if not contact.offers:
                    orphans.append(contact)
                self._release(slot, now, worked=False)
        stuck = [c for c in agent.sticky if c.phase is CONTACT_STICKY]
        agent.sticky = []
        if agent.slots:
            self._sync(agent, now)  # connected or wrapping up: `_agent_leaves` finishes
        else:
            self._drop_agent(agent, now)
        for contact in orphans:
            self._requeue(contact, now)
        for contact in stuck:
            self._unstick(contact, now)

    def remove_queue(self, name: str, now: float, move_to: str | None = None) -> None:
        """Remove a queue; its waiting and ringing contacts move to `move_to`.

        Moved contacts keep their arrival and priority, so they take their place in the
        target's (VIP, priority, arrival) order as if they had arrived there; they obey the
        target's rules from then on (its overflow steps and max wait, counted from their
        arrival, as `update_queue` does; its max length does not turn them away). Sticky
        contacts stop waiting for their agent. Ringing contacts keep ringing and come back to
        the target if the offer fails. Without `move_to`, `QueueNotEmpty` is raised when any
        contact waits or rings (nothing changes). Connected contacts finish with the removed
        queue's wrap-up. Agents only lose their membership. Events: `ContactMoved` per
        moved contact, then `QueueRemoved`; the name may be added again at once.
        """
        queue = self._queue(name)
        target: Queue | None = None
        if move_to is not None:
            if move_to == name:
                raise ConfigError(f"queue {name!r} cannot move its contacts to itself")
            target = self._queue(move_to)
        if self._timer_heap and self._timer_heap[0][0] < now:
            self._fire(now, inclusive=False)
        homed = [
            c
            for c in self._contacts.values()
            if c.home == name and c.phase is not CONTACT_CONNECTED
        ]
        if target is None and homed:
            ringing = sum(1 for c in homed if c.phase is CONTACT_OFFERED)
            raise QueueNotEmpty(name, len(homed) - ringing, ringing)
        members = list(queue.members.values())
        for agent in members:
            self._leave(agent, name)
            agent.rr_memory.pop(name, None)  # a queue added later under this name starts afresh
            self._regroup(agent)
        for contact in self._contacts.values():
            if contact.home != name and contact.phase is not CONTACT_CONNECTED:
                contact.placements.pop(name, None)  # widened here: its other lanes remain
        del self._queues[name]
        self._retired[name] = queue
        moved: list[Contact] = []
        if target is not None:
            # In the target's serving order, so the first of them meets the first free agent.
            aging = target.aging
            homed.sort(key=lambda c: c.order_key(aging))
            for contact in homed:
                self._move(contact, name, target, now)
                if contact.phase is CONTACT_WAITING:
                    moved.append(contact)
        self._events.append(QueueRemoved(now, name, move_to, len(homed)))
        for contact in moved:
            if not self._route(contact, now):
                self._enqueue(contact)
        for agent in members:
            self._refresh_agent(agent, now)

    def _move(self, contact: Contact, old: str, target: Queue, now: float) -> None:
        """Re-home one contact of a removed queue (waiting or ringing) to `target`."""
        del contact.placements[old]
        contact.placements.setdefault(target.name, 0)
        contact.home = target.name
        contact.next_step = 0  # the target's overflow steps, counted from arrival
        self._events.append(ContactMoved(now, contact.contact_id, old, target.name))
        if contact.phase in WAITING_PHASES:
            contact.phase = CONTACT_WAITING  # sticky contacts go to the whole target queue
            contact.generation += 1  # the old queue's timers and lane entries are void
            target.waiting[contact.contact_id] = contact
            if contact.callback:
                target.callbacks += 1

    def _unstick(self, contact: Contact, now: float) -> None:
        """A contact waiting for a removed sticky agent goes to every agent of its queue."""
        contact.phase = CONTACT_WAITING
        contact.generation += 1
        if not self._route(contact, now):
            self._enqueue(contact)
