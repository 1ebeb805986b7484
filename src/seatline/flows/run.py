"""One flow run on one call: a deterministic state machine, events and the time in, actions out.

    run = FlowRun(flow, calendars=calendars, dial_rules=rules)
    actions = run.handle(Started(caller="+4930111", number="+4930123456"), now)
    # perform the actions in order; the last waiting one says which event comes next:
    actions = run.handle(DigitsCollected("1"), now)
    ...                                   # until a FlowEnded action (or run.ended)

States and the events each accepts are in `ACCEPTS`; any other event raises
`IllegalFlowEvent`. `CallerHungUp` is accepted everywhere (after the end it changes nothing),
because a hang-up can race any action. The run never reads the clock: `now` (an aware
datetime) is only used by business-hours checks. A run visits at most `max_steps` nodes and
retries, so it always ends after a finite number of events.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from enum import StrEnum

from . import actions as a
from . import events as e
from . import model as m
from .calendar import Calendar
from .errors import FlowError, IllegalFlowEvent
from .expressions import as_text, clip

DTMF_DIGITS = frozenset("0123456789*#")
DEFAULT_MAX_STEPS = 100
DEFAULT_VOICEMAIL_SECONDS = 120.0  # when routing sends a caller to voicemail


class RunState(StrEnum):
    """Where a flow run is: before the start, waiting for one kind of answer, or ended."""

    NEW = "new"
    PLAYING = "playing"
    COLLECTING = "collecting"
    LOOKING_UP = "looking_up"
    QUEUED = "queued"
    ENDED = "ended"


_S = RunState
#: state → the events it accepts (the transition table; anything else is illegal).
ACCEPTS: dict[RunState, frozenset[type]] = {
    _S.NEW: frozenset({e.Started, e.CallerHungUp}),
    _S.PLAYING: frozenset({e.PromptDone, e.CallerHungUp}),
    _S.COLLECTING: frozenset({e.DigitsCollected, e.DigitsTimedOut, e.CallerHungUp}),
    _S.LOOKING_UP: frozenset({e.LookupResult, e.LookupFailed, e.CallerHungUp}),
    _S.QUEUED: frozenset({e.QueueOutcome, e.CallerHungUp}),
    _S.ENDED: frozenset({e.CallerHungUp}),
}
_LARGEST_INTEGER = 2**63  # numbers a flow stores fit 64 bits; larger ones are not numbers


def _scalar(value: object) -> m.Value:
    """Keep a stored value to the kinds expressions understand, and to a bounded size.

    Every value a run stores passes here: outside values (lookups, CRM data) and what `set`
    nodes compute, so no chain of nodes can make a value larger than `MAX_TEXT_CHARS`.
    """
    if value is None or isinstance(value, bool | float):
        return value
    if isinstance(value, int):
        return value if -_LARGEST_INTEGER < value < _LARGEST_INTEGER else None
    if isinstance(value, str):
        return clip(value)
    if isinstance(value, tuple):
        return as_text(value)
    return clip(str(value))


class FlowRun:
    """The run of one flow for one call."""

    def __init__(
        self,
        flow: m.Flow,
        *,
        calendars: Mapping[str, Calendar] | None = None,
        dial_rules: m.DialRules | None = None,
        max_steps: int = DEFAULT_MAX_STEPS,
    ) -> None:
        self.flow = flow
        self.calendars: Mapping[str, Calendar] = calendars or {}
        self.dial_rules = dial_rules or m.DialRules()  # no rules: no transfers
        self.max_steps = max_steps
        self.state = RunState.NEW
        self.caller = ""
        self.number = ""
        self.vip = False
        self.priority = 0
        self.skills: dict[str, int] = {}
        self.variables: dict[str, m.Value] = {}
        self.outcome: a.FlowOutcome | None = None
        self._path: list[str] = []
        self._inputs: dict[str, list[str]] = {}
        self._secret: set[str] = set()  # variables from sensitive inputs, never recorded
        self._node: m.Node | None = None
        self._attempts = 0
        self._steps = 0
        self._callback_requested = False
        self._now = dt.datetime.min.replace(tzinfo=dt.UTC)
        self._out: list[a.Action] = []

    # -- the public surface ---------------------------------------------------------------------
    @property
    def ended(self) -> bool:
        """Whether the flow is over."""
        return self.state is RunState.ENDED

    @property
    def path(self) -> tuple[str, ...]:
        """The nodes visited, in order (a node visited twice appears twice)."""
        return tuple(self._path)

    @property
    def inputs(self) -> dict[str, tuple[str, ...]]:
        """The digits entered at each node, every try in order (sensitive ones masked)."""
        return {node: tuple(digits) for node, digits in self._inputs.items()}

    def handle(self, event: e.FlowEvent, now: dt.datetime) -> list[a.Action]:
        """Take one event at `now` and return the actions to perform, in order."""
        if type(event) not in ACCEPTS[self.state]:
            raise IllegalFlowEvent(self.state, event)
        if now.tzinfo is None or now.utcoffset() is None:
            raise FlowError(f"flow runs need an aware datetime, got {now}")
        self._now = now
        self._out = []
        if isinstance(event, e.CallerHungUp):
            if not self.ended:  # a hang-up racing the end of the flow changes nothing
                callback = self._callback_requested
                outcome = a.FlowOutcome.CALLBACK if callback else a.FlowOutcome.ABANDONED
                self._end(outcome, "caller hung up")
        elif isinstance(event, e.Started):
            self._start(event)
        else:
            self._answer(event)
        return self._out

    # -- expression context ---------------------------------------------------------------------
    def variable(self, name: str) -> m.Value:
        """A variable's value for expressions (caller, number, vip and priority built in)."""
        builtins: dict[str, m.Value] = {
            "caller": self.caller,
            "number": self.number,
            "vip": self.vip,
            "priority": self.priority,
        }
        return builtins[name] if name in builtins else self.variables.get(name)

    def is_open(self, calendar: str) -> bool:
        """Whether a calendar is open now (an unknown calendar counts as closed)."""
        found = self.calendars.get(calendar)
        return found is not None and found.is_open(self._now)

    def is_holiday(self, calendar: str) -> bool:
        """Whether today is a holiday in a calendar (unknown: no)."""
        found = self.calendars.get(calendar)
        return found is not None and found.is_holiday(self._now)

    # -- moving through the graph ---------------------------------------------------------------
    def _start(self, event: e.Started) -> None:
        self.caller, self.number, self.vip = event.caller, event.number, event.vip
        for name, value in event.variables.items():
            if name not in m.RESERVED:  # the built-ins come from the event's own fields
                self.variables[name] = _scalar(value)
        self._visit(self.flow.start)

    def _visit(self, name: str | None) -> None:
        """Enter nodes until one waits for an answer or the flow ends."""
        while name is not None and not self.ended:
            node = self.flow.nodes.get(name)
            if node is None:
                self._hang_up(a.FlowOutcome.ERROR, f"no node {name!r} in the flow")
                return
            if not self._step():
                return
            self._path.append(name)
            self._node = node
            self._attempts = 0
            name = self._enter(node)

    def _step(self) -> bool:
        """Count a node visit or a retry; past the limit the flow ends."""
        if self._steps >= self.max_steps:
            self._hang_up(a.FlowOutcome.ERROR, f"more than {self.max_steps} steps")
            return False
        self._steps += 1
        return True

    def _follow(self, target: str | None) -> str | None:
        """Go to `target`; a path without one ends with a hang-up."""
        if target is None:
            self._hang_up(self._default_outcome(), "end of flow")
        return target

    def _enter(self, node: m.Node) -> str | None:
        """Run one node; return the next node to enter now, or None to wait (or end)."""
        if isinstance(node, m.ConditionNode):
            return next((c.goto for c in node.cases if c.when.test(self)), node.default)
        if isinstance(node, m.SetNode):
            return self._set(node)
        if isinstance(node, m.CallbackNode):
            return self._callback(node)
        self._stop_at(node)
        return None

    def _stop_at(self, node: m.Node) -> None:
        """Run a node that waits for an answer or ends the flow."""
        if isinstance(node, m.PlayNode):
            self._wait(RunState.PLAYING, a.Play(node.prompt))
        elif isinstance(node, m.SayNode):
            self._wait(RunState.PLAYING, a.Say(node.text.render(self)))
        elif isinstance(node, m.MenuNode | m.CollectNode):
            self._ask(node)
        elif isinstance(node, m.LookupNode):
            key = as_text(node.key.evaluate(self))
            self._wait(RunState.LOOKING_UP, a.Lookup(node.source, key))
        elif isinstance(node, m.EnqueueNode):
            self._enqueue(node)
        elif isinstance(node, m.VoicemailNode):
            self._voicemail(node.max_seconds, self._prompt(node.prompt))
        elif isinstance(node, m.TransferNode):
            self._transfer(node)
        elif isinstance(node, m.HangupNode):
            self._hang_up(self._default_outcome(), node.reason)

    def _wait(self, state: RunState, action: a.Action) -> None:
        self._out.append(action)
        self.state = state

    def _prompt(self, prompt: m.Prompt | None) -> a.Play | a.Say | None:
        if isinstance(prompt, m.PromptFile):
            return a.Play(prompt.path)
        if isinstance(prompt, m.PromptText):
            return a.Say(prompt.template.render(self))
        return None

    def _ask(self, node: m.MenuNode | m.CollectNode) -> None:
        prompt = self._prompt(node.prompt)
        if isinstance(node, m.MenuNode):
            ask = a.CollectDigits(1, 1, None, node.timeout_seconds, prompt)
        else:
            ask = a.CollectDigits(
                node.min_length, node.max_length, node.terminator, node.timeout_seconds, prompt
            )
        self._wait(RunState.COLLECTING, ask)

    def _set(self, node: m.SetNode) -> str | None:
        self.variables.update({name: _scalar(value) for name, value in node.variables.items()})
        for name, expression in node.expressions.items():
            self.variables[name] = _scalar(expression.evaluate(self))
            self._secret.discard(name)
        if node.priority is not None:
            self.priority = node.priority
        self.skills.update(node.skills)
        return self._follow(node.next)

    def _enqueue(self, node: m.EnqueueNode) -> None:
        priority = self.priority if node.priority is None else node.priority
        skills = {**self.skills, **node.skills}
        attributes = {k: v for k, v in self.variables.items() if k not in self._secret}
        self._wait(RunState.QUEUED, a.Enqueue(node.queue, priority, self.vip, skills, attributes))

    def _voicemail(self, max_seconds: float, prompt: a.Play | a.Say | None) -> None:
        self._out.append(a.RecordVoicemail(max_seconds, prompt))
        self._hang_up(a.FlowOutcome.VOICEMAIL, "voicemail recorded")

    def _callback(self, node: m.CallbackNode) -> str | None:
        number = self.caller if node.number is None else as_text(node.number.evaluate(self))
        self._out.append(
            a.RequestCallback(node.queue, number, self.priority, self.vip, dict(self.skills))
        )
        self._callback_requested = True
        return self._follow(node.next)

    def _transfer(self, node: m.TransferNode) -> None:
        if not self.dial_rules.allows(node.number):
            self._hang_up(a.FlowOutcome.ERROR, f"transfer to {node.number} not allowed")
            return
        self._out.append(a.Transfer(node.number))
        self._end(a.FlowOutcome.TRANSFERRED, f"transferred to {node.number}")

    # -- answers to waiting actions -------------------------------------------------------------
    def _answer(self, event: e.FlowEvent) -> None:
        node = self._node
        if isinstance(event, e.PromptDone) and isinstance(node, m.PlayNode | m.SayNode):
            self._visit(self._follow(node.next))
        elif isinstance(event, e.DigitsCollected | e.DigitsTimedOut):
            digits = event.digits if isinstance(event, e.DigitsCollected) else None
            if isinstance(node, m.MenuNode):
                self._menu_answer(node, digits)
            elif isinstance(node, m.CollectNode):
                self._collect_answer(node, digits)
        elif isinstance(event, e.LookupResult | e.LookupFailed) and isinstance(node, m.LookupNode):
            self._lookup_answer(node, event)
        elif isinstance(event, e.QueueOutcome) and isinstance(node, m.EnqueueNode):
            self._queue_answer(node, event.result)

    def _record(self, node: str, digits: str, sensitive: bool = False) -> None:
        self._inputs.setdefault(node, []).append("*" * len(digits) if sensitive else digits)

    def _menu_answer(self, node: m.MenuNode, digits: str | None) -> None:
        if digits is not None:
            self._record(node.name, digits)
            if digits in node.options:
                self._visit(node.options[digits])
                return
        self._failed(node, "timeout" if digits is None else "invalid")

    def _collect_answer(self, node: m.CollectNode, digits: str | None) -> None:
        if digits is not None:
            self._record(node.name, digits, node.sensitive)
            if self._valid(node, digits):
                self.variables[node.into] = digits
                if node.sensitive:
                    self._secret.add(node.into)
                self._visit(node.ok)
                return
        self._failed(node, "timeout" if digits is None else "invalid")

    @staticmethod
    def _valid(node: m.CollectNode, digits: str) -> bool:
        if not node.min_length <= len(digits) <= node.max_length:
            return False
        if not set(digits) <= DTMF_DIGITS:
            return False
        return node.pattern is None or node.pattern.fullmatch(digits)

    def _failed(self, node: m.MenuNode | m.CollectNode, why: str) -> None:
        """A failed try: ask again while retries last, then take the failure's branch."""
        self._attempts += 1
        if self._attempts <= node.retries:
            if self._step():
                self._ask(node)
            return
        target = node.invalid if why == "invalid" else (node.timeout or node.invalid)
        if target is None:
            self._hang_up(a.FlowOutcome.HANGUP, f"no valid input at {node.name!r} ({why})")
            return
        self._visit(target)

    def _lookup_answer(self, node: m.LookupNode, event: e.LookupResult | e.LookupFailed) -> None:
        if isinstance(event, e.LookupFailed):
            self._visit(node.error)
        elif event.found:
            for variable, name in node.into.items():
                self.variables[variable] = _scalar(event.values.get(name))
                self._secret.discard(variable)
            self._visit(node.found)
        else:
            self._visit(node.not_found)

    def _queue_answer(self, node: m.EnqueueNode, result: m.QueueResult) -> None:
        if result is m.QueueResult.ANSWERED:
            self._end(a.FlowOutcome.ANSWERED, f"answered in queue {node.queue!r}")
            return
        target = node.outcomes.get(result)
        if target is not None:
            self._visit(target)
        elif result is m.QueueResult.VOICEMAIL:
            self._voicemail(DEFAULT_VOICEMAIL_SECONDS, None)
        elif result is m.QueueResult.CALLBACK:
            self._callback_requested = True  # the routing engine keeps the callback
            self._hang_up(a.FlowOutcome.CALLBACK, f"callback from queue {node.queue!r}")
        else:
            self._hang_up(a.FlowOutcome.QUEUE_FAILED, f"queue {node.queue!r}: {result}")

    # -- the end ----------------------------------------------------------------------------------
    def _default_outcome(self) -> a.FlowOutcome:
        return a.FlowOutcome.CALLBACK if self._callback_requested else a.FlowOutcome.HANGUP

    def _hang_up(self, outcome: a.FlowOutcome, reason: str) -> None:
        self._out.append(a.HangUp(reason))
        self._end(outcome, reason)

    def _end(self, outcome: a.FlowOutcome, reason: str) -> None:
        self.outcome = outcome
        self.state = RunState.ENDED
        variables = {k: v for k, v in self.variables.items() if k not in self._secret}
        self._out.append(a.FlowEnded(outcome, reason, self.path, self.inputs, variables))
