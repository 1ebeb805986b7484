"""Errors raised by `seatline.flows`: one small hierarchy under `FlowError`.

Validation collects every problem of a document into one `FlowValidationError`, so an editor
can show them all at once; each `Issue` names the node (and field) it concerns.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


class FlowError(Exception):
    """Base class of every error raised by `seatline.flows`."""


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem (or warning) in a flow document, located by node and field."""

    node: str | None
    message: str
    field: str | None = None

    def __str__(self) -> str:
        where = "flow" if self.node is None else f"node {self.node!r}"
        if self.field is not None:
            where += f": field {self.field!r}"
        return f"{where}: {self.message}"


class FlowValidationError(FlowError, ValueError):
    """A flow document (or calendar) that cannot run; `issues` lists every problem found."""

    def __init__(self, issues: Iterable[Issue]) -> None:
        self.issues: tuple[Issue, ...] = tuple(issues)
        lines = "\n".join(f"  - {issue}" for issue in self.issues)
        count = len(self.issues)
        super().__init__(f"{count} problem{'s' if count != 1 else ''} in flow:\n{lines}")


class ExpressionError(FlowError, ValueError):
    """An expression or template that does not parse or uses something not allowed."""

    def __init__(self, reason: str, text: str, position: int | None = None) -> None:
        self.reason = reason
        self.text = text
        self.position = position
        where = f" at position {position}" if position is not None else ""
        super().__init__(f"{reason}{where} in {text!r}")


class CalendarError(FlowError, ValueError):
    """A business-hours calendar that is malformed, or a naive datetime given to it."""


class IllegalFlowEvent(FlowError):
    """An event that the run's current state does not accept (driver bug or lost message)."""

    def __init__(self, state: object, event: object) -> None:
        self.state = state
        self.event = event
        super().__init__(f"flow run in state {state} cannot take {type(event).__name__}")
