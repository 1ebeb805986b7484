"""The flow model inside Seatline: plain frozen dataclasses, built only by `validate.py`.

A flow is a start node and named nodes; every node lists its branches (label → node name) so
the graph check and the run treat all node types alike. Expressions and templates are already
compiled here, so a running flow never parses text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from seatline.guard.outbound import DialRules as DialRules  # re-exported: flows name it here

from .expressions import Expression, Template
from .patterns import Pattern

Value = str | int | float | bool | None
Branches = tuple[tuple[str, str], ...]
#: Names the run fills in itself; a flow may read them but not set them.
RESERVED = frozenset({"caller", "number", "vip", "priority", "true", "false", "none"})


class QueueResult(StrEnum):
    """How a queued contact left its queue, as reported back by the driver."""

    ANSWERED = "answered"  # an agent took it: the flow is done
    REJECTED = "rejected"  # queue full or closed
    TIMEOUT = "timeout"  # max wait reached
    VOICEMAIL = "voicemail"  # routing chose voicemail (overflow step)
    CALLBACK = "callback"  # the caller chose virtual hold


@dataclass(frozen=True, slots=True)
class PromptFile:
    """A recorded prompt (a WAV path relative to the tenant's prompt directory)."""

    path: str


@dataclass(frozen=True, slots=True)
class PromptText:
    """A prompt spoken by text-to-speech; may contain `{expression}` placeholders."""

    template: Template


Prompt = PromptFile | PromptText


def _present(*pairs: tuple[str, str | None]) -> Branches:
    return tuple((label, target) for label, target in pairs if target is not None)


@dataclass(frozen=True, slots=True)
class PlayNode:
    """Play a recorded prompt, then go on."""

    name: str
    prompt: str
    next: str | None = None

    def branches(self) -> Branches:
        """Where the node may go (label → node)."""
        return _present(("next", self.next))


@dataclass(frozen=True, slots=True)
class SayNode:
    """Speak a text template, then go on."""

    name: str
    text: Template
    next: str | None = None

    def branches(self) -> Branches:
        """Where the node may go (label → node)."""
        return _present(("next", self.next))


@dataclass(frozen=True, slots=True)
class MenuNode:
    """Offer DTMF choices; each failed try (invalid key or silence) counts against `retries`."""

    name: str
    prompt: Prompt | None
    options: Mapping[str, str]
    retries: int = 2
    timeout_seconds: float = 5.0
    invalid: str | None = None
    timeout: str | None = None

    def branches(self) -> Branches:
        """Where the node may go (label → node)."""
        return (
            *self.options.items(),
            *_present(("invalid", self.invalid), ("timeout", self.timeout)),
        )


@dataclass(frozen=True, slots=True)
class CollectNode:
    """Collect a DTMF string into a variable, checked by length and an optional pattern."""

    name: str
    prompt: Prompt | None
    into: str
    ok: str
    min_length: int = 1
    max_length: int = 20
    terminator: str | None = "#"
    timeout_seconds: float = 5.0
    pattern: Pattern | None = None  # run by RE2: linear time whatever the tenant wrote
    retries: int = 0
    sensitive: bool = False  # a PIN: keep it out of the contact record
    invalid: str | None = None
    timeout: str | None = None

    def branches(self) -> Branches:
        """Where the node may go (label → node)."""
        return _present(("ok", self.ok), ("invalid", self.invalid), ("timeout", self.timeout))


@dataclass(frozen=True, slots=True)
class LookupSource:
    """Where a lookup reads: a tenant table (`kind='table'`) or an https webhook."""

    kind: str
    target: str
    timeout_seconds: float = 3.0


@dataclass(frozen=True, slots=True)
class LookupNode:
    """Look a key up in the tenant's data and copy result fields into variables."""

    name: str
    source: LookupSource
    key: Expression
    into: Mapping[str, str]  # variable → result field
    found: str
    not_found: str
    error: str

    def branches(self) -> Branches:
        """Where the node may go (label → node)."""
        return (("found", self.found), ("not_found", self.not_found), ("error", self.error))


@dataclass(frozen=True, slots=True)
class Case:
    """One condition case: go to `goto` when `when` is true."""

    when: Expression
    goto: str


@dataclass(frozen=True, slots=True)
class ConditionNode:
    """Take the first case whose expression holds, else `default`."""

    name: str
    cases: tuple[Case, ...]
    default: str

    def branches(self) -> Branches:
        """Where the node may go (label → node)."""
        cases = tuple((f"cases[{i}]", case.goto) for i, case in enumerate(self.cases))
        return (*cases, ("default", self.default))


@dataclass(frozen=True, slots=True)
class SetNode:
    """Set variables (literals and expressions), the contact's priority and required skills."""

    name: str
    variables: Mapping[str, Value] = field(default_factory=dict)
    expressions: Mapping[str, Expression] = field(default_factory=dict)
    priority: int | None = None
    skills: Mapping[str, int] = field(default_factory=dict)
    next: str | None = None

    def branches(self) -> Branches:
        """Where the node may go (label → node)."""
        return _present(("next", self.next))


@dataclass(frozen=True, slots=True)
class EnqueueNode:
    """Hand the contact to a queue; `outcomes` continue the flow when no agent answers."""

    name: str
    queue: str
    priority: int | None = None
    skills: Mapping[str, int] = field(default_factory=dict)
    outcomes: Mapping[QueueResult, str] = field(default_factory=dict)

    def branches(self) -> Branches:
        """Where the node may go (label → node)."""
        return tuple((str(result), target) for result, target in self.outcomes.items())


@dataclass(frozen=True, slots=True)
class VoicemailNode:
    """Record a voicemail after an optional prompt; the flow ends there."""

    name: str
    prompt: Prompt | None
    max_seconds: float = 120.0

    def branches(self) -> Branches:
        """A voicemail ends the flow."""
        return ()


@dataclass(frozen=True, slots=True)
class CallbackNode:
    """Request a callback from `queue` to `number` (the caller when unset), then go on."""

    name: str
    queue: str
    number: Expression | None = None
    next: str | None = None

    def branches(self) -> Branches:
        """Where the node may go (label → node)."""
        return _present(("next", self.next))


@dataclass(frozen=True, slots=True)
class TransferNode:
    """Blind-transfer the call to an external number allowed by the tenant's dial rules."""

    name: str
    number: str

    def branches(self) -> Branches:
        """A transfer ends the flow."""
        return ()


@dataclass(frozen=True, slots=True)
class HangupNode:
    """Hang up."""

    name: str
    reason: str = "flow ended"

    def branches(self) -> Branches:
        """A hang-up ends the flow."""
        return ()


Node = (
    PlayNode
    | SayNode
    | MenuNode
    | CollectNode
    | LookupNode
    | ConditionNode
    | SetNode
    | EnqueueNode
    | VoicemailNode
    | CallbackNode
    | TransferNode
    | HangupNode
)
#: Nodes that wait for the caller to press keys: a loop must pass one of them.
INPUT_NODES = (MenuNode, CollectNode)


@dataclass(frozen=True)
class Flow:
    """A validated contact flow."""

    name: str
    version: int
    start: str
    nodes: Mapping[str, Node]
    description: str = ""
