"""Validate a flow document: shape (Pydantic), then each node, then the graph.

checked = validate_flow(yaml_text, calendars={"support-hours"}, dial_rules=rules)
checked.flow       # the model to run
checked.warnings   # e.g. unreachable nodes; errors raise FlowValidationError instead
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
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


MAX_DOCUMENT_CHARS = 1_000_000  # a flow is edited by people; anything larger is an accident


def parse_document(text: str) -> Any:
    """Read YAML or JSON text (JSON is read as YAML) into plain data."""
    if len(text) > MAX_DOCUMENT_CHARS:
        limit = f"a flow document is limited to {MAX_DOCUMENT_CHARS} characters"
        raise FlowValidationError([Issue(None, limit)])
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        reason = " ".join(str(error).split())
        raise FlowValidationError([Issue(None, f"not valid YAML or JSON: {reason}")]) from None


def validate_flow(
    document: str | Mapping[str, Any],
    *,
    calendars: Collection[str] | None = None,
    dial_rules: DialRules | None = None,
) -> CheckedFlow:
    """Check a flow document, raising `FlowValidationError` with every problem found.

    `calendars` (names) and `dial_rules` are the tenant's; when None, those checks are left
    to the run (which treats an unknown calendar as closed and refuses a disallowed transfer).
    """
    data = parse_document(document) if isinstance(document, str) else document
    if not isinstance(data, Mapping):
        raise FlowValidationError([Issue(None, "a flow document must be a mapping")])
    builder = Builder(calendars, dial_rules)
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
