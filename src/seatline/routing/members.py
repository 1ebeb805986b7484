"""Enum members bound to module constants, for the engine's hot paths.

On Python 3.11 `ContactPhase.WAITING` is an attribute lookup through the enum metaclass, about
ten times the cost of reading a global, and the engine tests phases, timer kinds and states
dozens of times per contact. The constants are the very same member objects, so `is` tests
and equality behave exactly as with the qualified names.
"""

from __future__ import annotations

from .agent import AgentState, SlotPhase
from .config import Strategy
from .contact import ContactPhase
from .events import EndReason
from .timers import TimerKind

CONTACT_CONNECTED = ContactPhase.CONNECTED
CONTACT_DONE = ContactPhase.DONE
CONTACT_OFFERED = ContactPhase.OFFERED
CONTACT_STICKY = ContactPhase.STICKY
CONTACT_WAITING = ContactPhase.WAITING
SLOT_ACTIVE = SlotPhase.ACTIVE
SLOT_OFFERED = SlotPhase.OFFERED
SLOT_WRAP = SlotPhase.WRAP
TIMER_MAX_WAIT = TimerKind.MAX_WAIT
TIMER_OFFER_TIMEOUT = TimerKind.OFFER_TIMEOUT
TIMER_OVERFLOW = TimerKind.OVERFLOW
TIMER_STICKY_END = TimerKind.STICKY_END
TIMER_WRAP_END = TimerKind.WRAP_END
AGENT_AVAILABLE = AgentState.AVAILABLE
AGENT_NOT_READY = AgentState.NOT_READY
AGENT_OFFLINE = AgentState.OFFLINE
AGENT_ON_CONTACT = AgentState.ON_CONTACT
STRATEGY_RING_ALL = Strategy.RING_ALL
STRATEGY_ROUND_ROBIN = Strategy.ROUND_ROBIN
END_COMPLETED = EndReason.COMPLETED
