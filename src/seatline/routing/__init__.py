"""seatline.routing — the ACD routing engine (pure, deterministic, no I/O, no wall clock).

How to drive it (the live server and `seatline.sim` do exactly this):

    engine = RoutingEngine(rng=random.Random(seed))
    engine.add_queue(QueueConfig(name="sales", requirement="sales >= 3"))
    engine.add_agent(AgentConfig("a1", skills={"sales": 5}), now)
    engine.agent_login("a1", now); engine.set_ready("a1", now)
    engine.contact_arrived(ContactRequest("c1", "sales"), now)
    for decision in engine.take_decisions(): ...   # Offer("c1", "a1", "sales", VOICE)
    engine.offer_answered("c1", "a1", now); engine.contact_finished("c1", now)
    deadline = engine.next_deadline()                # call engine.advance(deadline) then
    stats = engine.take_events()                     # Enqueued, Offered, Answered, Ended, ...

Note for the simulator and the switch adapter:
* Methods return None. Every call queues its decisions and events; drain them with
  `take_decisions()` / `take_events()` after each call (or batch of calls).
* `now` is float seconds on any monotonic scale and must never go backwards. Timers (offer
  timeout, wrap-up end, overflow steps, max wait, sticky timeout) fire inside `advance(now)`;
  call it whenever `now >= next_deadline()`. Any other call first fires the timers due strictly
  before its `now`, so at equal times a driver event wins over a timer.
* The engine answers only what it decides: `offer_rejected` emits no CancelOffer for the agent
  who declined, and `contact_finished(..., wrap_up=x)` overrides the queue's wrap-up.
* Every contact gets exactly one `Ended` (completed, abandoned, rejected, voicemail, callback
  cancelled); a `ToCallback` contact stays queued and comes back as a `DialCallback`.
* Configuration applies live: `update_queue` / `update_agent`, and `remove_agent` (a busy
  agent leaves when its contacts end; ringing offers go back in line) and `remove_queue`
  (waiting and ringing contacts move to `move_to`; without it `QueueNotEmpty` if anyone
  waits). They announce `AgentRemoved`, `ContactMoved` and `QueueRemoved`.
* Announcements: `position(contact_id)`, `waiting_order(queue, channel)` and
  `expected_wait(contact_id, now)` answer on demand and cost nothing on the routing paths.
* Errors: misuse raises a `RoutingError` subclass (unknown ids, illegal agent transitions,
  answering a contact that is not ringing that agent); ordinary traffic never raises.
"""

from .agent import TRANSITIONS, AgentState
from .config import (
    AgentConfig,
    AttributeValue,
    Channel,
    ContactRequest,
    OverflowAction,
    OverflowStep,
    QueueConfig,
    Strategy,
)
from .decisions import (
    CancelOffer,
    Decision,
    DialCallback,
    Offer,
    Overflow,
    Reject,
    ToCallback,
    ToVoicemail,
)
from .engine import RoutingEngine
from .errors import (
    ConfigError,
    DuplicateId,
    IllegalAgentTransition,
    IllegalContactOperation,
    QueueNotEmpty,
    RequirementSyntaxError,
    RoutingError,
    UnknownAgent,
    UnknownContact,
    UnknownQueue,
)
from .events import (
    Abandoned,
    AgentRemoved,
    AgentStateChanged,
    Answered,
    CallbackRequested,
    ContactMoved,
    Ended,
    EndReason,
    Enqueued,
    Offered,
    Overflowed,
    QueueRemoved,
    RoutingEvent,
)
from .expr import Requirement, compile_requirement
from .snapshot import AgentSnapshot, QueueSnapshot, Snapshot

__all__ = [
    "TRANSITIONS",
    "Abandoned",
    "AgentConfig",
    "AgentRemoved",
    "AgentSnapshot",
    "AgentState",
    "AgentStateChanged",
    "Answered",
    "AttributeValue",
    "CallbackRequested",
    "CancelOffer",
    "Channel",
    "ConfigError",
    "ContactMoved",
    "ContactRequest",
    "Decision",
    "DialCallback",
    "DuplicateId",
    "EndReason",
    "Ended",
    "Enqueued",
    "IllegalAgentTransition",
    "IllegalContactOperation",
    "Offer",
    "Offered",
    "Overflow",
    "OverflowAction",
    "OverflowStep",
    "Overflowed",
    "QueueConfig",
    "QueueNotEmpty",
    "QueueRemoved",
    "QueueSnapshot",
    "Reject",
    "Requirement",
    "RequirementSyntaxError",
    "RoutingEngine",
    "RoutingError",
    "RoutingEvent",
    "Snapshot",
    "Strategy",
    "ToCallback",
    "ToVoicemail",
    "UnknownAgent",
    "UnknownContact",
    "UnknownQueue",
    "compile_requirement",
]
