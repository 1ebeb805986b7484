"""Per-source failure counting and a temporary ban list (what Kamailio's pike/htable do).

The clock is injected: `record_failure(source, now)` and `is_banned(source, now)`. Both tables
are keyed by addresses strangers choose, so each holds at most `max_sources` entries: the
source that failed least recently, and the ban that ends soonest, make room first.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import TypeVar

V = TypeVar("V")


class BanList:
    """Bans a source after `max_failures` failures within `window` seconds, for `ban_seconds`."""

    def __init__(
        self,
        max_failures: int = 10,
        window: float = 60.0,
        ban_seconds: float = 300.0,
        max_sources: int = 10_000,
    ):
        if max_sources < 1:
            raise ValueError("the ban list needs room for one source")
        self.max_failures = max_failures
        self.window = window
        self.ban_seconds = ban_seconds
        self.max_sources = max_sources
        # Least recently failed first; bans in the order they end (one fixed ban length).
        # A short list per source (at most max_failures times): a deque costs 600 bytes each.
        self._failures: OrderedDict[str, list[float]] = OrderedDict()
        self._banned_until: OrderedDict[str, float] = OrderedDict()
        # Told of every new ban (source, seconds), e.g. to write the audit log; never raises.
        self.on_ban: Callable[[str, float], None] | None = None

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
        times = self._failures.pop(source, None)
        if times is None:
            _make_room(self._failures, self.max_sources, lambda t: now - t[-1] > self.window)
            times = []
        times = [t for t in times if now - t <= self.window]
        times.append(now)
        if len(times) >= self.max_failures:
            self._ban(source, now)
            return True
        self._failures[source] = times  # re-inserted last: the most recent failure
        return False

    def record_success(self, source: str) -> None:
        """A successful authentication clears the source's failure count."""
        self._failures.pop(source, None)

    def __len__(self) -> int:
        """How many sources are tracked (failing or banned)."""
        return len(self._failures) + len(self._banned_until)

    def _ban(self, source: str, now: float) -> None:
        self._banned_until.pop(source, None)
        _make_room(self._banned_until, self.max_sources, lambda until: now >= until)
        self._banned_until[source] = now + self.ban_seconds
        if self.on_ban is not None:
            self.on_ban(source, self.ban_seconds)


def _make_room(table: OrderedDict[str, V], limit: int, finished: Callable[[V], bool]) -> None:
    """Drop finished entries from the front, then the oldest ones, until one more fits."""
    while table and finished(next(iter(table.values()))):
        table.popitem(last=False)
    while len(table) >= limit:
        table.popitem(last=False)
