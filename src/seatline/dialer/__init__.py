"""seatline.dialer: outbound campaigns, pure domain logic (events and `now` in, decisions out).

    campaign = Campaign(CampaignConfig("spring"), leads, dnc, now)
    campaign.add_agent("a1", now)
    decisions = campaign.handle(AgentReady(now, "a1"))     # [Dial(...), ...]
    campaign.next_deadline()                               # when to send Tick(now)

Modes: preview, progressive, predictive (pacing.py holds the arithmetic). Leads obey the
do-not-call lists, calling windows in the lead's local time, retry rules and callbacks
(scheduler.py). Nothing here reads a clock or does I/O.
"""

from .abandonment import AbandonWindow, SafetyMargin
from .agents import AgentPhase, AgentRecord
from .amd import AmdConfig, AmdError, AmdResult, AmdVerdict, AnsweringMachineDetector
from .calls import Call, CallState
from .campaign import Campaign
from .config import CallingWindow, CampaignConfig, DialMode, PacingConfig, RetryRule
from .decisions import Bridge, Decision, Dial, Hangup, PlayAbandonMessage, Preview
from .dnc import DoNotCall, normalise
from .errors import (
    ConfigError,
    DialerError,
    DuplicateId,
    IllegalTransition,
    UnknownAgent,
    UnknownCall,
    UnknownLead,
)
from .estimators import AnswerModel, DurationModel
from .events import (
    AgentAway,
    AgentReady,
    CallEnded,
    CallerHungUp,
    CallResolved,
    DialerEvent,
    Dispositioned,
    PreviewAccepted,
    PreviewSkipped,
    Tick,
)
from .leads import Lead, LeadRecord, LeadState
from .outcomes import AttemptOutcome, CallResult, Disposition
from .pacing import Floor, predictive_dials
from .results import result_for_status
from .scheduler import LeadScheduler
from .windows import WindowClock

__all__ = [
    "AbandonWindow",
    "AgentAway",
    "AgentPhase",
    "AgentReady",
    "AgentRecord",
    "AmdConfig",
    "AmdError",
    "AmdResult",
    "AmdVerdict",
    "AnswerModel",
    "AnsweringMachineDetector",
    "AttemptOutcome",
    "Bridge",
    "Call",
    "CallEnded",
    "CallResolved",
    "CallResult",
    "CallState",
    "CallerHungUp",
    "CallingWindow",
    "Campaign",
    "CampaignConfig",
    "ConfigError",
    "Decision",
    "Dial",
    "DialMode",
    "DialerError",
    "DialerEvent",
    "Disposition",
    "Dispositioned",
    "DoNotCall",
    "DuplicateId",
    "DurationModel",
    "Floor",
    "Hangup",
    "IllegalTransition",
    "Lead",
    "LeadRecord",
    "LeadScheduler",
    "LeadState",
    "PacingConfig",
    "PlayAbandonMessage",
    "Preview",
    "PreviewAccepted",
    "PreviewSkipped",
    "RetryRule",
    "SafetyMargin",
    "Tick",
    "UnknownAgent",
    "UnknownCall",
    "UnknownLead",
    "WindowClock",
    "normalise",
    "predictive_dials",
    "result_for_status",
]
