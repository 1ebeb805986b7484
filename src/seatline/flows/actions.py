"""Actions a `FlowRun` asks the driver to perform, in order, on the live call.

A batch of actions ends with at most one *waiting* action (`Play`, `Say`, `CollectDigits`,
`Lookup`, `Enqueue`) whose answer is the next event, or with `FlowEnded`. `RequestCallback`,
`RecordVoicemail`, `HangUp` and `Transfer` are performed and need no answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from .model import LookupSource, Value


class FlowOutcome(StrEnum):
    """How a flow ended, for the contact record."""

    ANSWERED = "answered"  # queued and taken by an agent
    HANGUP = "hangup"  # the flow hung up (hangup node or end of a path)
    ABANDONED = "abandoned"  # the caller hung up inside the flow or the queue
    VOICEMAIL = "voicemail"
    CALLBACK = "callback"
    TRANSFERRED = "transferred"
    QUEUE_FAILED = "queue_failed"  # rejected or timed out with no branch to follow
    ERROR = "error"  # step limit, refused transfer, broken flow


@dataclass(frozen=True, slots=True)
class Play:
    """Play a recorded prompt; answer with `PromptDone`."""

    prompt: str


@dataclass(frozen=True, slots=True)
class Say:
    """Speak a text; answer with `PromptDone`."""

    text: str


@dataclass(frozen=True, slots=True)
class CollectDigits:
    """Play `prompt` (if any, interruptible by a key) and collect DTMF digits."""

    min_digits: int
    max_digits: int
    terminator: str | None
    timeout_seconds: float
    prompt: Play | Say | None = None


@dataclass(frozen=True, slots=True)
class Lookup:
    """Look `key` up in `source`; answer with `LookupResult` or `LookupFailed`."""

    source: LookupSource
    key: str


def skills_requirement(skills: Mapping[str, int]) -> str | None:
    """Skills with minimum levels as a routing requirement ('sales >= 3 and english >= 1')."""
    if not skills:
        return None
    return " and ".join(f"{skill} >= {level}" for skill, level in sorted(skills.items()))


@dataclass(frozen=True, slots=True)
class Enqueue:
    """Hand the contact to the routing engine; answer with `QueueOutcome`."""

    queue: str
    priority: int = 0
    vip: bool = False
    skills: Mapping[str, int] = field(default_factory=dict)
    attributes: Mapping[str, Value] = field(default_factory=dict)  # the agent's screen pop

    @property
    def requirement(self) -> str | None:
        """The skills as a routing requirement ('sales >= 3 and english >= 1')."""
        return skills_requirement(self.skills)


@dataclass(frozen=True, slots=True)
class RecordVoicemail:
    """Play `prompt` (if any) and record up to `max_seconds`."""

    max_seconds: float
    prompt: Play | Say | None = None


@dataclass(frozen=True, slots=True)
class RequestCallback:
    """Register a callback to `number` from `queue`."""

    queue: str
    number: str
    priority: int = 0
    vip: bool = False
    skills: Mapping[str, int] = field(default_factory=dict)

    @property
    def requirement(self) -> str | None:
        """The skills as a routing requirement."""
        return skills_requirement(self.skills)


@dataclass(frozen=True, slots=True)
class Transfer:
    """Blind-transfer the call to an external number (already checked by the dial rules)."""

    number: str


@dataclass(frozen=True, slots=True)
class HangUp:
    """Hang the call up."""

    reason: str


@dataclass(frozen=True, slots=True)
class FlowEnded:
    """The flow is over: its outcome and what the contact record keeps."""

    outcome: FlowOutcome
    reason: str
    path: tuple[str, ...]
    inputs: Mapping[str, tuple[str, ...]]
    variables: Mapping[str, Value]


Action = (
    Play
    | Say
    | CollectDigits
    | Lookup
    | Enqueue
    | RecordVoicemail
    | RequestCallback
    | Transfer
    | HangUp
    | FlowEnded
)
