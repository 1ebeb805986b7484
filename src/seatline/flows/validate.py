"""Validate a flow document: shape (Pydantic), then each node, then the graph.

checked = validate_flow(yaml_text, calendars={"support-hours"}, dial_rules=rules)
checked.flow       # the model to run
checked.warnings   # e.g. unreachable nodes; errors raise FlowValidationError instead
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from . import graph
from .build import Builder
from .document import FlowDoc
from .errors import FlowValidationError, Issue
from .model import DialRules, Flow, Node


@dataclass(frozen=True, slots=True)
class CheckedFlow:
    """A flow that passed validation, with the warnings found on the way."""

    flow: Flow
    warnings: tuple[Issue, ...]


MAX_DOCUMENT_CHARS = 256_000  # a flow of the largest size (1000 nodes) takes about half this
MAX_DEPTH = 32  # a flow nests about six levels; deeper input is a mistake or an attack
MAX_ENTRIES = 1000  # per list or mapping: a flow's largest is its nodes (at most 1000)
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's when built


def _refused(message: str) -> FlowValidationError:
    return FlowValidationError([Issue(None, message)])


def parse_document(text: str) -> Any:
    """Read YAML or JSON text (JSON is read as YAML) into plain data.

    JSON is tried first when the text looks like it (the JSON parser is much faster). For
    YAML, one pass over the parser's events refuses aliases (a few lines of them expand into
    billions of nodes), nesting past `MAX_DEPTH` and collections past `MAX_ENTRIES` before
    anything is built, so reading costs time linear in the text, which is itself bounded.
    """
    if len(text) > MAX_DOCUMENT_CHARS:
        raise _refused(f"a flow document is limited to {MAX_DOCUMENT_CHARS} characters")
    if text.lstrip()[:1] == "{":
        try:
            return json.loads(text)
        except (ValueError, RecursionError):
            pass  # not JSON after all (or too deep for it): YAML decides, and explains
    _check_events(text)
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as error:
        reason = " ".join(str(error).split())
        raise _refused(f"not valid YAML or JSON: {reason}") from None
    except (ValueError, RecursionError) as error:
        # Integers past Python's 4300-digit limit, or deep input a loader recurses into.
        raise _refused(f"not a usable document: {type(error).__name__}") from None


def _check_events(text: str) -> None:
    try:
        _walk_events(yaml.parse(text, Loader=_Loader))
    except yaml.YAMLError as error:
        reason = " ".join(str(error).split())
        raise _refused(f"not valid YAML or JSON: {reason}") from None


def _walk_events(events: Iterable[yaml.Event]) -> None:
    # For each open list or mapping: how many events it may still hold (a mapping's entry
    # is two: the key and the value).
    room: list[int] = []
    for event in events:
        if isinstance(event, yaml.AliasEvent):
            raise _refused("YAML aliases (*name) are not allowed in a flow")
        if isinstance(event, yaml.CollectionEndEvent):
            room.pop()
            continue
        if not isinstance(event, yaml.NodeEvent):
            continue
        if room:
            room[-1] -= 1
            if room[-1] < 0:
                raise _refused(f"a list or mapping has more than {MAX_ENTRIES} entries")
        if isinstance(event, yaml.CollectionStartEvent):
            mapping = isinstance(event, yaml.MappingStartEvent)
            room.append(2 * MAX_ENTRIES if mapping else MAX_ENTRIES)
            if len(room) > MAX_DEPTH:
                raise _refused(f"the document nests deeper than {MAX_DEPTH} levels")


def validate_flow(
    document: str | Mapping[str, Any],
    *,
    calendars: Collection[str] | None = None,
    dial_rules: DialRules | None = None,
    allow_private_networks: bool | None = None,
) -> CheckedFlow:
    """Check a flow document, raising `FlowValidationError` with every problem found.

    `calendars` (names) and `dial_rules` are the tenant's; when None, those checks are left
    to the run (which treats an unknown calendar as closed and refuses a disallowed transfer).
    `allow_private_networks` is the operator's setting; when None, webhook hosts that no
    setting allows (this host's 0.0.0.0, link-local, multicast ...) are refused here and
    private or loopback ones when a lookup connects.
    """
    data = parse_document(document) if isinstance(document, str) else document
    if not isinstance(data, Mapping):
        raise FlowValidationError([Issue(None, "a flow document must be a mapping")])
    builder = Builder(calendars, dial_rules, allow_private=allow_private_networks)
    doc = builder.shape(None, FlowDoc, data)
    if doc is None:
        raise FlowValidationError(builder.errors)
    nodes: dict[str, Node] = {}
    for name, raw in doc.nodes.items():
        node = builder.node(name, raw)
        if node is not None:
            nodes[name] = node
    declared = list(doc.nodes)
    errors = [
        *builder.errors,
        *graph.unknown_targets(doc.start, declared, nodes),
        *graph.endless_loops(nodes),
    ]
    if errors:
        raise FlowValidationError(errors)
    warnings = graph.unreachable(doc.start, declared, nodes)
    flow = Flow(doc.name, doc.version, doc.start, nodes, doc.description)
    return CheckedFlow(flow, tuple(warnings))


def load_flow(
    document: str | Mapping[str, Any],
    *,
    calendars: Collection[str] | None = None,
    dial_rules: DialRules | None = None,
) -> Flow:
    """Validate a flow document and return the flow (warnings dropped)."""
    return validate_flow(document, calendars=calendars, dial_rules=dial_rules).flow
