"""Per-source failure counting and a temporary ban list (what Kamailio's pike/htable do).

The clock is injected: `record_failure(source, now)` and `is_banned(source, now)`.
"""

from __future__ import annotations

from collections import deque


class BanList:
    """Bans a source after `max_failures` failures within `window` seconds, for `ban_seconds`."""

    def __init__(self, max_failures: int = 10, window: float = 60.0, ban_seconds: float = 300.0):
        self.max_failures = max_failures
        self.window = window
        self.ban_seconds = ban_seconds
        self._failures: dict[str, deque[float]] = {}
        self._banned_until: dict[str, float] = {}

    def is_banned(self, source: str, now: float) -> bool:
        """Whether requests from `source` are refused right now."""
        until = self._banned_until.get(source)
        if until is None:
            return False
        if now >= until:
            del self._banned_until[source]
            return False
        return True

    def record_failure(self, source: str, now: float) -> bool:
        """Count one failure; return True if the source is now banned."""
        times = self._failures.setdefault(source, deque())
        times.append(now)
        while times and now - times[0] > self.window:
            times.popleft()
        if len(times) >= self.max_failures:
            self._banned_until[source] = now + self.ban_seconds
            times.clear()
            return True
        return False

    def record_success(self, source: str) -> None:
        """A successful authentication clears the source's failure count."""
        self._failures.pop(source, None)
