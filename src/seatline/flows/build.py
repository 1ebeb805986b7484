"""Turn one checked node document into a model node, noting every problem against the node.

Each builder compiles the node's expressions, templates and regexes; a problem becomes an
`Issue` naming the node and field, and the builder goes on so one pass reports everything.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlsplit

from pydantic import BaseModel, ValidationError

from seatline.guard.addresses import check_host

from . import document as d
from . import model as m
from .errors import ExpressionError, Issue
from .expressions import MAX_LENGTH as MAX_EXPRESSION_LENGTH
from .expressions import (
    MAX_TEMPLATE_LENGTH,
    MAX_TEXT_CHARS,
    Expression,
    Template,
    compile_expression,
    compile_template,
)
from .patterns import PatternError, compile_pattern

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
VARIABLE = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}")
NUMBER = re.compile(r"\+?[0-9]{3,20}")
DTMF = frozenset("0123456789*#")
# Characters of expressions and spoken texts one flow may hold: compiling them is the costly
# part of validation, and this keeps the largest flow's check to some tens of milliseconds.
MAX_FLOW_TEXT = 100_000

_Doc = TypeVar("_Doc", bound=BaseModel)


@dataclass
class Builder:
    """Builds nodes against the tenant's calendars and dial rules, collecting issues."""

    calendars: Collection[str] | None = None  # None: calendar names are checked at run time
    dial_rules: m.DialRules | None = None  # None: transfers are checked at run time
    # The operator's allow_private_networks; None: only what is refused either way is refused
    # here, and private or loopback webhook hosts are judged when the lookup connects.
    allow_private: bool | None = None
    errors: list[Issue] = field(default_factory=list)
    text_left: int = MAX_FLOW_TEXT

    def error(self, node: str | None, message: str, where: str | None = None) -> None:
        """Note one problem."""
        self.errors.append(Issue(node, message, where))

    def shape(self, node: str | None, kind: type[_Doc], raw: Any) -> _Doc | None:
        """Validate a document's shape, noting Pydantic's complaints against the node."""
        try:
            return kind.model_validate(raw)
        except ValidationError as error:
            for item in error.errors():
                where = ".".join(str(part) for part in item["loc"]) or None
                text = "unknown field" if item["type"] == "extra_forbidden" else item["msg"]
                self.error(node, text[0].lower() + text[1:], where)
            return None

    def node(self, name: str, raw: Any) -> m.Node | None:
        """Build one node (None when its type or shape is wrong; problems are noted)."""
        if not NAME.fullmatch(name):
            self.error(name, "node names are 1-64 letters, digits, '_', '.' or '-'")
        if not isinstance(raw, Mapping):
            self.error(name, f"expected a mapping of fields, got {type(raw).__name__}")
            return None
        kind = raw.get("type")
        if kind not in d.NODE_TYPES:
            known = ", ".join(d.NODE_TYPES)
            what = "missing node type" if kind is None else f"unknown node type {kind!r}"
            self.error(name, f"{what} (known: {known})", "type")
            return None
        doc = self.shape(name, d.NODE_TYPES[kind], raw)
        if doc is None:
            return None
        # A node with problems is still returned, so the graph checks can report its branches
        # too; the caller refuses the flow when any error was noted.
        return _BUILDERS[type(doc)](self, name, doc)

    # -- pieces shared by several node types ---------------------------------------------------
    def _afford(self, node: str, where: str, size: int) -> bool:
        """Count `size` characters against the flow's budget; past it, note one error."""
        if self.text_left < 0:
            return False
        self.text_left -= size
        if self.text_left < 0:
            limit = f"the flow's expressions and texts exceed {MAX_FLOW_TEXT} characters in all"
            self.error(node, limit, where)
            return False
        return True

    def expression(self, node: str, where: str, text: str) -> Expression | None:
        """Compile an expression and check the calendars it names."""
        # An over-long text is refused before it is parsed, so only what is parsed counts.
        if not self._afford(node, where, min(len(text), MAX_EXPRESSION_LENGTH)):
            return None
        try:
            expression = compile_expression(text)
        except ExpressionError as error:
            self.error(node, str(error), where)
            return None
        self._calendars(node, where, expression.calendars)
        return expression

    def template(self, node: str, where: str, text: str) -> Template | None:
        """Compile a `say` text and check the calendars it names."""
        if not self._afford(node, where, min(len(text), MAX_TEMPLATE_LENGTH)):
            return None
        try:
            template = compile_template(text)
        except ExpressionError as error:
            self.error(node, str(error), where)
            return None
        self._calendars(node, where, template.calendars)
        return template

    def _calendars(self, node: str, where: str, names: Collection[str]) -> None:
        if self.calendars is None:
            return
        for calendar in sorted(set(names) - set(self.calendars)):
            self.error(node, f"unknown calendar {calendar!r}", where)

    def prompt(self, node: str, doc: d.PromptedDoc) -> m.Prompt | None:
        """A node's optional prompt: a file or a text, not both."""
        if doc.prompt is not None and doc.say is not None:
            self.error(node, "give either 'prompt' (a file) or 'say' (a text), not both")
            return None
        if doc.prompt is not None:
            return m.PromptFile(doc.prompt)
        if doc.say is not None:
            template = self.template(node, "say", doc.say)
            return None if template is None else m.PromptText(template)
        return None

    def variable(self, node: str, where: str, name: str) -> None:
        """Check a variable name that the node writes."""
        if not VARIABLE.fullmatch(name):
            self.error(node, f"bad variable name {name!r}", where)
        elif name in m.RESERVED:
            self.error(node, f"variable {name!r} is reserved", where)

    def literal(self, node: str, where: str, value: m.Value) -> None:
        """Check a literal value a node stores: a bounded text, a 64-bit integer."""
        if isinstance(value, str) and len(value) > MAX_TEXT_CHARS:
            self.error(node, f"text longer than {MAX_TEXT_CHARS} characters", where)
        elif isinstance(value, int) and not -(2**63) < value < 2**63:
            self.error(node, "integer does not fit in 64 bits", where)

    def skills(self, node: str, skills: Mapping[str, int]) -> None:
        """Check required skills: names like queues use, levels 0..10."""
        for skill, level in skills.items():
            if not VARIABLE.fullmatch(skill):
                self.error(node, f"bad skill name {skill!r}", "skills")
            if not 0 <= level <= 10:
                self.error(node, f"skill {skill!r} level {level} is not in 0..10", "skills")


def _play(b: Builder, name: str, doc: d.PlayDoc) -> m.Node:
    return m.PlayNode(name, doc.prompt, doc.next)


def _say(b: Builder, name: str, doc: d.SayDoc) -> m.Node:
    template = b.template(name, "text", doc.text) or Template(doc.text, ())
    return m.SayNode(name, template, doc.next)


def _menu(b: Builder, name: str, doc: d.MenuDoc) -> m.Node:
    for key in doc.options:
        if len(key) != 1 or key not in DTMF:
            b.error(name, f"option {key!r} is not one DTMF key (0-9, * or #)", "options")
    return m.MenuNode(
        name,
        b.prompt(name, doc),
        dict(doc.options),
        doc.retries,
        doc.timeout_seconds,
        doc.invalid,
        doc.timeout,
    )


def _collect(b: Builder, name: str, doc: d.CollectDoc) -> m.Node:
    b.variable(name, "into", doc.into)
    if doc.min_length > doc.max_length:
        b.error(name, f"min_length {doc.min_length} > max_length {doc.max_length}", "min_length")
    if doc.terminator is not None and (len(doc.terminator) != 1 or doc.terminator not in DTMF):
        b.error(name, f"terminator {doc.terminator!r} is not one DTMF key", "terminator")
    pattern = None
    if doc.pattern is not None:
        try:
            pattern = compile_pattern(doc.pattern)
        except PatternError as error:
            b.error(name, str(error), "pattern")
    return m.CollectNode(
        name,
        b.prompt(name, doc),
        doc.into,
        doc.ok,
        doc.min_length,
        doc.max_length,
        doc.terminator,
        doc.timeout_seconds,
        pattern,
        doc.retries,
        doc.sensitive,
        doc.invalid,
        doc.timeout,
    )


def _source(b: Builder, name: str, doc: d.LookupDoc) -> m.LookupSource | None:
    if (doc.table is None) == (doc.webhook is None):
        b.error(name, "give exactly one source: 'table' or 'webhook'")
        return None
    if doc.table is not None:
        if not VARIABLE.fullmatch(doc.table):
            b.error(name, f"bad table name {doc.table!r}", "table")
        return m.LookupSource("table", doc.table, doc.timeout_seconds)
    url = str(doc.webhook)
    try:
        parts = urlsplit(url)
        host, _ = parts.hostname, parts.port  # .port raises for a port that is no number
    except ValueError as error:
        b.error(name, f"webhook {url!r} is not a URL: {error}", "webhook")
        return m.LookupSource("webhook", url, doc.timeout_seconds)
    if parts.scheme != "https" or not host:
        b.error(name, f"webhook {url!r} must be an https URL with a host", "webhook")
        return m.LookupSource("webhook", url, doc.timeout_seconds)
    refused = check_host(host, True if b.allow_private is None else b.allow_private)
    if refused is not None:
        b.error(name, f"webhook host refused: {refused}", "webhook")
    return m.LookupSource("webhook", url, doc.timeout_seconds)


def _lookup(b: Builder, name: str, doc: d.LookupDoc) -> m.Node:
    source = _source(b, name, doc) or m.LookupSource("table", "")
    key = b.expression(name, "key", doc.key) or compile_expression("none")
    for variable in doc.into:
        b.variable(name, "into", variable)
    return m.LookupNode(name, source, key, dict(doc.into), doc.found, doc.not_found, doc.error)


def _condition(b: Builder, name: str, doc: d.ConditionDoc) -> m.Node:
    cases: list[m.Case] = []
    for i, case in enumerate(doc.cases):
        when = b.expression(name, f"cases[{i}].when", case.when) or compile_expression("false")
        cases.append(m.Case(when, case.goto))
    return m.ConditionNode(name, tuple(cases), doc.default)


def _set(b: Builder, name: str, doc: d.SetDoc) -> m.Node:
    expressions: dict[str, Expression] = {}
    for variable, value in doc.variables.items():
        b.variable(name, "variables", variable)
        b.literal(name, f"variables.{variable}", value)
    for variable, text in doc.expressions.items():
        b.variable(name, "expressions", variable)
        expression = b.expression(name, f"expressions.{variable}", text)
        if expression is not None:
            expressions[variable] = expression
    b.skills(name, doc.skills)
    return m.SetNode(
        name, dict(doc.variables), expressions, doc.priority, dict(doc.skills), doc.next
    )


def _enqueue(b: Builder, name: str, doc: d.EnqueueDoc) -> m.Node:
    if not NAME.fullmatch(doc.queue):
        b.error(name, f"bad queue name {doc.queue!r}", "queue")
    b.skills(name, doc.skills)
    if m.QueueResult.ANSWERED in doc.outcomes:
        b.error(name, "an answered contact ends the flow; 'answered' takes no branch", "outcomes")
    return m.EnqueueNode(name, doc.queue, doc.priority, dict(doc.skills), dict(doc.outcomes))


def _voicemail(b: Builder, name: str, doc: d.VoicemailDoc) -> m.Node:
    return m.VoicemailNode(name, b.prompt(name, doc), doc.max_seconds)


def _callback(b: Builder, name: str, doc: d.CallbackDoc) -> m.Node:
    if not NAME.fullmatch(doc.queue):
        b.error(name, f"bad queue name {doc.queue!r}", "queue")
    number = None if doc.number is None else b.expression(name, "number", doc.number)
    return m.CallbackNode(name, doc.queue, number, doc.next)


def _transfer(b: Builder, name: str, doc: d.TransferDoc) -> m.Node:
    if not NUMBER.fullmatch(doc.number):
        b.error(name, f"{doc.number!r} is not a phone number", "number")
    elif b.dial_rules is not None and not b.dial_rules.allows(doc.number):
        b.error(name, f"transfer to {doc.number!r} is not allowed by the dial rules", "number")
    return m.TransferNode(name, doc.number)


def _hangup(b: Builder, name: str, doc: d.HangupDoc) -> m.Node:
    return m.HangupNode(name, doc.reason)


_BUILDERS: dict[type[BaseModel], Callable[[Builder, str, Any], m.Node]] = {
    d.PlayDoc: _play,
    d.SayDoc: _say,
    d.MenuDoc: _menu,
    d.CollectDoc: _collect,
    d.LookupDoc: _lookup,
    d.ConditionDoc: _condition,
    d.SetDoc: _set,
    d.EnqueueDoc: _enqueue,
    d.VoicemailDoc: _voicemail,
    d.CallbackDoc: _callback,
    d.TransferDoc: _transfer,
    d.HangupDoc: _hangup,
}
