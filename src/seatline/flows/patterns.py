"""Tenant-written digit patterns (`collect.pattern`), run by RE2 in time linear in the input.

Python's `re` backtracks: `(0*)*1` against 28 digits takes seconds on the one event loop that
also serves every call. RE2 never backtracks, so a match costs O(pattern × digits) whatever
the pattern. What RE2 cannot run (backreferences, lookaround) is refused when the flow is
validated, with a message the flow's editor can act on; a pattern is never handed to `re`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import re2

from .errors import FlowError

__all__ = ["MAX_PATTERN_LENGTH", "Pattern", "PatternError", "compile_pattern"]

MAX_PATTERN_LENGTH = 200  # a DTMF pattern is short; a long one is a mistake or an attack
_MAX_MEMORY = 1 << 20  # bytes RE2 may use for one compiled pattern
# How RE2 words the Perl features it leaves out on purpose: lookaround, backreferences.
_LOOKAROUND = "invalid perl operator"
_BACKREFERENCE = "invalid escape sequence: \\"


class PatternError(FlowError, ValueError):
    """A pattern that is too long, malformed, or uses what the linear-time engine lacks."""


def _options() -> Any:
    options = re2.Options()
    options.log_errors = False  # a tenant's typo must not write to the node's log
    options.max_mem = _MAX_MEMORY
    return options


@dataclass(frozen=True, slots=True)
class Pattern:
    """A compiled digit pattern (equal to another with the same text)."""

    text: str
    _compiled: Any = field(compare=False, repr=False)

    def fullmatch(self, digits: str) -> bool:
        """Whether all of `digits` matches the pattern."""
        return self._compiled.fullmatch(digits) is not None


def compile_pattern(text: str) -> Pattern:
    """Compile a tenant's pattern for RE2, raising `PatternError` with a readable reason."""
    if len(text) > MAX_PATTERN_LENGTH:
        raise PatternError(f"pattern longer than {MAX_PATTERN_LENGTH} characters")
    try:
        compiled = re2.compile(text, _options())
    except re2.error as error:
        raise PatternError(_reason(text, error)) from None
    return Pattern(text, compiled)


def _reason(text: str, error: Exception) -> str:
    detail = error.args[0] if error.args else ""
    if isinstance(detail, bytes):
        detail = detail.decode("utf-8", "replace")
    detail = str(detail)
    escaped = detail.removeprefix(_BACKREFERENCE) if detail.startswith(_BACKREFERENCE) else ""
    backreference = escaped[:1] != "" and escaped[:1] in "123456789"
    if detail.startswith(_LOOKAROUND) or backreference:
        return (
            f"pattern {text!r} is not supported by the linear-time pattern engine ({detail}); "
            "lookaround and backreferences are not available"
        )
    return f"bad regular expression {text!r}: {detail}"
