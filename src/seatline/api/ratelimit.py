"""Failed-login accounting: lock out a login name or a client address after repeated failures.

In memory and per process on purpose: it needs no shared store, and an attacker spreading
guesses over N nodes still gets only N times the budget. The clock is injected so tests move
time without sleeping.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict, deque
from collections.abc import Callable

__all__ = ["LoginLimiter"]


class LoginLimiter:
    """Counts failed logins per key within a sliding window and tells when a key is locked."""

    def __init__(
        self,
        max_failures: int = 5,
        window: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 100_000,
    ) -> None:
        self.max_failures = max_failures
        self.window = window
        self.clock = clock
        # Bounds memory when someone sprays random names: the stalest keys are dropped first.
        self.max_keys = max_keys
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()

    def retry_after(self, *keys: str) -> int:
        """Seconds until every one of `keys` may try again; 0 when none is locked."""
        now = self.clock()
        wait = 0.0
        for key in keys:
            times = self._recent(key, now)
            if len(times) >= self.max_failures:
                # Unlocked once the oldest of the last `max_failures` failures leaves the window.
                wait = max(wait, times[-self.max_failures] + self.window - now)
        return math.ceil(wait) if wait > 0 else 0

    def record_failure(self, *keys: str) -> None:
        """Count one failed login against each of `keys`."""
        now = self.clock()
        for key in keys:
            times = self._recent(key, now)
            times.append(now)
            if len(times) > self.max_failures:
                times.popleft()  # only the last `max_failures` decide a lockout
            self._failures[key] = times
            self._failures.move_to_end(key)
        while len(self._failures) > self.max_keys:
            self._failures.popitem(last=False)

    def clear(self, key: str) -> None:
        """Forget the failures of `key` (after a successful login)."""
        self._failures.pop(key, None)

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.get(key, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:
            self._failures.pop(key, None)
        return times
