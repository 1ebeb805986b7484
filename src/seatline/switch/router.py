"""Dispatch of inbound calls to applications by the dialled number."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from seatline.switch.call import Call

CallHandler = Callable[["Call"], Awaitable[None]]


class CallRouter:
    """Maps dialled numbers to async handlers; exact numbers first, then the longest prefix."""

    def __init__(self) -> None:
        self._numbers: dict[str, CallHandler] = {}
        self._prefixes: dict[str, CallHandler] = {}

    def add(self, number: str, handler: CallHandler) -> None:
        """Route calls to exactly `number` to `handler`."""
        self._numbers[number] = handler

    def add_prefix(self, prefix: str, handler: CallHandler) -> None:
        """Route calls to numbers starting with `prefix` (longest prefix wins)."""
        self._prefixes[prefix] = handler

    def remove(self, number: str) -> None:
        """Stop routing `number` (calls in progress are not affected)."""
        self._numbers.pop(number, None)
        self._prefixes.pop(number, None)

    def exact(self) -> dict[str, CallHandler]:
        """The numbers routed exactly, with their handlers (a copy)."""
        return dict(self._numbers)

    def route(self, number: str) -> CallHandler | None:
        """The handler for `number`, or None."""
        handler = self._numbers.get(number)
        if handler is not None:
            return handler
        best = max((p for p in self._prefixes if number.startswith(p)), key=len, default=None)
        return None if best is None else self._prefixes[best]
