"""The shape of a flow document (YAML or JSON), checked by Pydantic at the edge.

Only the shape lives here: types, ranges and unknown fields. Meaning (expressions, regexes,
branch targets, loops) is checked in `build.py` and `graph.py`, so every message can name
its node. Nodes are validated one at a time for the same reason.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .model import QueueResult

LiteralValue = str | int | float | bool | None
MAX_NODES = 1000
# Per-node bounds, so validating one node costs little whatever a document holds: a node
# with thousands of expressions or options is a mistake or an attack.
MAX_ENTRIES = 100  # variables or expressions of one `set` node, fields of one lookup
MAX_SKILLS = 50
MAX_OPTIONS = 12  # one per DTMF key
MAX_NAME = 200  # prompt file names, hang-up reasons
MAX_URL = 2000
Text = Annotated[str, Field(max_length=MAX_NAME)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NodeDoc(_Strict):
    """Fields every node has."""

    type: str
    description: str = ""


class PromptedDoc(NodeDoc):
    """A node with an optional prompt: a recorded file or a text to speak."""

    prompt: Text | None = None
    say: str | None = None


class PlayDoc(NodeDoc):
    """A `play` node."""

    prompt: Text
    next: str | None = None


class SayDoc(NodeDoc):
    """A `say` node."""

    text: str
    next: str | None = None


class MenuDoc(PromptedDoc):
    """A `menu` node."""

    options: dict[str, str] = Field(min_length=1, max_length=MAX_OPTIONS)
    retries: int = Field(2, ge=0, le=10)
    timeout_seconds: float = Field(5.0, gt=0, le=120)
    invalid: str | None = None
    timeout: str | None = None

    @field_validator("options", mode="before")
    @classmethod
    def _keys_as_text(cls, value: Any) -> Any:
        # YAML reads an unquoted `1: billing` as the number 1; a key press is text.
        if isinstance(value, dict):
            return {str(k) if isinstance(k, int) else k: v for k, v in value.items()}
        return value


class CollectDoc(PromptedDoc):
    """A `collect` node."""

    into: str
    ok: str
    min_length: int = Field(1, ge=1, le=64)
    max_length: int = Field(20, ge=1, le=64)
    terminator: str | None = "#"
    timeout_seconds: float = Field(5.0, gt=0, le=120)
    pattern: str | None = None
    retries: int = Field(0, ge=0, le=10)
    sensitive: bool = False
    invalid: str | None = None
    timeout: str | None = None


class LookupDoc(NodeDoc):
    """A `lookup` node: exactly one of `table` and `webhook`."""

    table: str | None = None
    webhook: Annotated[str, Field(max_length=MAX_URL)] | None = None
    timeout_seconds: float = Field(3.0, gt=0, le=30)
    key: str
    into: dict[str, str] = Field({}, max_length=MAX_ENTRIES)
    found: str
    not_found: str
    error: str


class CaseDoc(_Strict):
    """One case of a `condition` node."""

    when: str
    goto: str


class ConditionDoc(NodeDoc):
    """A `condition` node."""

    cases: list[CaseDoc] = Field(min_length=1, max_length=50)
    default: str


class SetDoc(NodeDoc):
    """A `set` node."""

    variables: dict[str, LiteralValue] = Field({}, max_length=MAX_ENTRIES)
    expressions: dict[str, str] = Field({}, max_length=MAX_ENTRIES)
    priority: int | None = Field(None, ge=0, le=100)
    skills: dict[str, int] = Field({}, max_length=MAX_SKILLS)
    next: str | None = None


class EnqueueDoc(NodeDoc):
    """An `enqueue` node."""

    queue: str = Field(min_length=1, max_length=64)
    priority: int | None = Field(None, ge=0, le=100)
    skills: dict[str, int] = Field({}, max_length=MAX_SKILLS)
    outcomes: dict[QueueResult, str] = {}


class VoicemailDoc(PromptedDoc):
    """A `voicemail` node."""

    max_seconds: float = Field(120.0, gt=0, le=600)


class CallbackDoc(NodeDoc):
    """A `callback` node."""

    queue: str = Field(min_length=1, max_length=64)
    number: str | None = None
    next: str | None = None


class TransferDoc(NodeDoc):
    """A `transfer` node."""

    number: str


class HangupDoc(NodeDoc):
    """A `hangup` node."""

    reason: Text = "flow ended"


#: Node type name → its document model.
NODE_TYPES: dict[str, type[NodeDoc]] = {
    "play": PlayDoc,
    "say": SayDoc,
    "menu": MenuDoc,
    "collect": CollectDoc,
    "lookup": LookupDoc,
    "condition": ConditionDoc,
    "set": SetDoc,
    "enqueue": EnqueueDoc,
    "voicemail": VoicemailDoc,
    "callback": CallbackDoc,
    "transfer": TransferDoc,
    "hangup": HangupDoc,
}


class FlowDoc(_Strict):
    """The top of a flow document; nodes stay raw until each is checked by its type."""

    name: str = Field(min_length=1, max_length=64)
    version: int = Field(1, ge=1)
    start: str
    description: str = ""
    nodes: dict[str, Any] = Field(min_length=1, max_length=MAX_NODES)
