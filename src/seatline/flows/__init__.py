"""seatline.flows — contact flows (IVR, self-service): documents, validation and the run.

Pure and deterministic like `seatline.routing`: no I/O, no wall clock. How a driver uses it:

    checked = validate_flow(text, calendars=calendars.keys(), dial_rules=rules)
    run = FlowRun(checked.flow, calendars=calendars, dial_rules=rules)
    actions = run.handle(Started(caller, number, vip=vip), now)
    while not run.ended:
        ...perform `actions` in order on the call (Play, Say, CollectDigits, Lookup, Enqueue,
        RecordVoicemail, RequestCallback, Transfer, HangUp); the last waiting one's answer
        (PromptDone, DigitsCollected / DigitsTimedOut, LookupResult / LookupFailed,
        QueueOutcome) or CallerHungUp goes back in with the time:
        actions = run.handle(event, now)
    # the FlowEnded action carries the outcome, the path and the inputs for the contact record

Modules: `document` (the file shape, Pydantic), `build` and `graph` (meaning and graph checks),
`validate` (the entry point), `model` (the validated flow, plain dataclasses), `expressions`
(the safe expression and template language), `patterns` (digit patterns run by RE2 in linear
time), `calendar` (business hours and holidays),
`events` / `actions` (the run's vocabulary) and `run` (the state machine).
"""

from .actions import (
    Action,
    CollectDigits,
    Enqueue,
    FlowEnded,
    FlowOutcome,
    HangUp,
    Lookup,
    Play,
    RecordVoicemail,
    RequestCallback,
    Say,
    Transfer,
)
from .calendar import Calendar, Interval, calendar_from_dict, calendar_from_ranges
from .errors import (
    CalendarError,
    ExpressionError,
    FlowError,
    FlowValidationError,
    IllegalFlowEvent,
    Issue,
)
from .events import (
    CallerHungUp,
    DigitsCollected,
    DigitsTimedOut,
    FlowEvent,
    LookupFailed,
    LookupResult,
    PromptDone,
    QueueOutcome,
    Started,
)
from .expressions import Expression, Template, compile_expression, compile_template
from .model import DialRules, Flow, LookupSource, Node, QueueResult
from .patterns import Pattern, PatternError, compile_pattern
from .run import ACCEPTS, FlowRun, RunState
from .validate import CheckedFlow, load_flow, parse_document, validate_flow

__all__ = [
    "ACCEPTS",
    "Action",
    "Calendar",
    "CalendarError",
    "CallerHungUp",
    "CheckedFlow",
    "CollectDigits",
    "DialRules",
    "DigitsCollected",
    "DigitsTimedOut",
    "Enqueue",
    "Expression",
    "ExpressionError",
    "Flow",
    "FlowEnded",
    "FlowError",
    "FlowEvent",
    "FlowOutcome",
    "FlowRun",
    "FlowValidationError",
    "HangUp",
    "IllegalFlowEvent",
    "Interval",
    "Issue",
    "Lookup",
    "LookupFailed",
    "LookupResult",
    "LookupSource",
    "Node",
    "Pattern",
    "PatternError",
    "Play",
    "PromptDone",
    "QueueOutcome",
    "QueueResult",
    "RecordVoicemail",
    "RequestCallback",
    "RunState",
    "Say",
    "Started",
    "Template",
    "Transfer",
    "calendar_from_dict",
    "calendar_from_ranges",
    "compile_expression",
    "compile_pattern",
    "compile_template",
    "load_flow",
    "parse_document",
    "validate_flow",
]
