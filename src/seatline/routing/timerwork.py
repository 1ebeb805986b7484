"""The engine's timer work: firing due timers and what each kind does to its target.

Timers are cancelled lazily (timers.py): each entry names its target and the target's
generation when scheduled, and `_fire` drops an entry whose target has moved on before any
call. The handlers here are the only code that acts on the engine without a driver call.
"""

from __future__ import annotations

import heapq

from .agent import Slot
from .config import OverflowAction
from .contact import Contact
from .core import WAITING_PHASES, EngineCore
from .decisions import CancelOffer, Overflow, Reject, ToCallback, ToVoicemail
from .events import EndReason, Overflowed
from .members import (
    CONTACT_OFFERED,
    CONTACT_STICKY,
    CONTACT_WAITING,
    SLOT_WRAP,
    TIMER_OFFER_TIMEOUT,
    TIMER_OVERFLOW,
    TIMER_STICKY_END,
    TIMER_WRAP_END,
)
from .timers import TimerEntry


class TimerWork(EngineCore):
    """Timer firing and handlers (wrap-up end, offer timeout, sticky end, overflow, max wait)."""

    __slots__ = ()

    def _fire(self, now: float, inclusive: bool) -> None:
        heap = self._timer_heap
        pop = heapq.heappop
        while heap:
            due = heap[0][0]
            if due > now or (due == now and not inclusive):
                break
            entry = pop(heap)
            # Most timers are stale (the timeout of an offer that was answered): the inline
            # generation test drops them without the two calls of the full check.
            target = entry[3]
            if target.generation != entry[4]:
                continue
            if entry[2] is TIMER_WRAP_END:  # the usual live timer: skip two calls
                if target.phase is SLOT_WRAP:
                    self._wrap_end(target, due)
            elif self._timer_live(entry):
                self._dispatch(entry, due)

    def _timer_live(self, entry: TimerEntry) -> bool:
        target = entry[3]
        if target.generation != entry[4]:
            return False
        kind = entry[2]
        if kind is TIMER_WRAP_END:
            return bool(target.phase is SLOT_WRAP)
        if kind is TIMER_OFFER_TIMEOUT:
            return bool(target.phase is CONTACT_OFFERED)
        if kind is TIMER_STICKY_END:
            return bool(target.phase is CONTACT_STICKY)
        return bool(target.phase in WAITING_PHASES and not target.callback)

    def _dispatch(self, entry: TimerEntry, now: float) -> None:
        kind, target = entry[2], entry[3]
        if kind is TIMER_WRAP_END:
            self._wrap_end(target, now)
        elif kind is TIMER_OFFER_TIMEOUT:
            self._offer_timeout(target, now)
        elif kind is TIMER_STICKY_END:
            contact: Contact = target
            contact.phase = CONTACT_WAITING
            contact.generation += 1
            if not self._route(contact, now):
                self._enqueue(contact)
        elif kind is TIMER_OVERFLOW:
            self._overflow(target, entry[5], now)
        else:
            self._exit(target, self._queues[target.home].config.max_wait_action, "max wait", now)

    def _wrap_end(self, slot: Slot, now: float) -> None:
        """A wrap-up ended: free its slot, then give the agent a contact or park it."""
        agent, channel = slot.agent, slot.channel
        # Inlined _release(slot, now, worked=True): this runs once per contact.
        del agent.slots[slot.contact_id]
        agent.load[channel] -= 1
        slot.generation += 1
        agent.last_free[channel] = now
        if agent.leaving:
            self._agent_leaves(agent, now)
            return
        self._sync(agent, now)
        self._agent_free(agent, channel, now)

    def _offer_timeout(self, contact: Contact, now: float) -> None:
        not_ready = self._queues[contact.home].config.no_answer_not_ready
        slots = list(contact.offers.values())
        contact.offers = {}
        for slot in slots:
            agent = slot.agent
            self._decisions.append(CancelOffer(contact.contact_id, agent.agent_id, "no answer"))
            self._release(slot, now, worked=False)
            if not_ready:
                agent.ready = False
                agent.reason = "no answer"
                self._unpark(agent)
            else:
                contact.declined.add(agent.agent_id)
            self._sync(agent, now)
        self._requeue(contact, now)
        for slot in slots:
            self._refresh_agent(slot.agent, now)

    def _overflow(self, contact: Contact, index: int, now: float) -> None:
        queue = self._queues[contact.home]
        steps = queue.config.overflow
        if index != contact.next_step or index >= len(steps):
            return
        step = steps[index]
        contact.next_step = index + 1
        targets = tuple(name for name in step.queues if name in self._queues)
        self._decisions.append(
            Overflow(contact.contact_id, queue.name, index, step.action, targets)
        )
        self._events.append(Overflowed(now, contact.contact_id, queue.name, index, step.action))
        if step.action is OverflowAction.RELAX:
            contact.placements[queue.name] = queue.step_level[index]
        elif step.action is OverflowAction.WIDEN:
            for name in targets:
                contact.placements.setdefault(name, 0)
        else:
            self._exit(contact, step.action, f"overflow step {index}", now)
            return
        if contact.phase is CONTACT_STICKY:
            self._schedule_wait(contact, with_max_wait=False)
            return
        contact.generation += 1
        if not self._route(contact, now):
            self._enqueue(contact)

    def _exit(self, contact: Contact, action: OverflowAction, why: str, now: float) -> None:
        """Take a contact out of the line: voicemail, reject, or turn it into a callback."""
        if action is OverflowAction.CALLBACK:
            self._make_callback(contact)
            self._decisions.append(ToCallback(contact.contact_id, contact.home))
        elif action is OverflowAction.VOICEMAIL:
            self._decisions.append(ToVoicemail(contact.contact_id, contact.home))
            self._end(contact, EndReason.VOICEMAIL, now)
        else:
            self._decisions.append(Reject(contact.contact_id, contact.home, why))
            self._end(contact, EndReason.REJECTED, now)
