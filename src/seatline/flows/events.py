"""Events the driver feeds into a `FlowRun`: what happened on the call since the last action.

Each waiting action has its answer: `Play`/`Say` → `PromptDone`, `CollectDigits` →
`DigitsCollected` or `DigitsTimedOut`, `Lookup` → `LookupResult` or `LookupFailed`,
`Enqueue` → `QueueOutcome`. `CallerHungUp` may come at any time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from .model import QueueResult, Value


@dataclass(frozen=True, slots=True)
class Started:
    """A call reached the flow: who calls, which number they dialled, and what is known."""

    caller: str
    number: str
    vip: bool = False
    contact_id: str = ""
    variables: Mapping[str, Value] = field(default_factory=dict)  # e.g. from the CRM


@dataclass(frozen=True, slots=True)
class PromptDone:
    """The prompt of the last `Play` or `Say` finished."""


@dataclass(frozen=True, slots=True)
class DigitsCollected:
    """The caller entered digits (the terminator is not included)."""

    digits: str


@dataclass(frozen=True, slots=True)
class DigitsTimedOut:
    """The caller entered nothing before the timeout."""


@dataclass(frozen=True, slots=True)
class LookupResult:
    """A lookup answered: `found` and the result's fields."""

    found: bool
    values: Mapping[str, Value] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class LookupFailed:
    """A lookup could not answer (webhook down or too slow, table missing)."""

    reason: str = ""


@dataclass(frozen=True, slots=True)
class QueueOutcome:
    """How the contact left the queue it was handed to."""

    result: QueueResult
    agent_id: str | None = None


@dataclass(frozen=True, slots=True)
class CallerHungUp:
    """The caller hung up."""


FlowEvent = (
    Started
    | PromptDone
    | DigitsCollected
    | DigitsTimedOut
    | LookupResult
    | LookupFailed
    | QueueOutcome
    | CallerHungUp
)
