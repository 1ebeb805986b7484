"""Durations written by people: `8h`, `30m`, `1h30m`, `90s`, `45.5`, or a number of seconds."""

from __future__ import annotations

import math
import re

__all__ = ["parse_duration"]

_UNITS = {"d": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0}
_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)\s*([dhms])")
_WHOLE = re.compile(r"\s*(?:(?:\d+(?:\.\d*)?|\.\d+)\s*[dhms]\s*)+")


def parse_duration(value: str | float) -> float:
    """Seconds in `value`; raise ValueError (with the text) when it is not a duration >= 0."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(f"not a duration: {value!r}")
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        text = value.strip().lower()
        try:
            seconds = float(text)
        except ValueError:
            if not _WHOLE.fullmatch(text):
                raise ValueError(
                    f"not a duration: {value!r} (use seconds or e.g. 8h, 30m, 1h30m, 90s)"
                ) from None
            seconds = sum(float(n) * _UNITS[u] for n, u in _PART.findall(text))
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"a duration must be a finite number of seconds >= 0, got {value!r}")
    return seconds
