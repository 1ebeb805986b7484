"""Calling windows in the lead's local time: may we dial now, and when may we next?

Local time comes from `zoneinfo`, so daylight-saving changes need no special case: the
instant is converted and compared. Answers are cached per (zone, local hour), because a
campaign asks about the same few zones thousands of times an hour.
"""

from __future__ import annotations

import datetime as dt
import math
import zoneinfo
from functools import lru_cache

from .config import CallingWindow


@lru_cache(maxsize=512)
def _zone(name: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(name)


class WindowClock:
    """Answers `is_open(zone, now)` and `next_open(zone, now)` for one calling window."""

    __slots__ = ("_cache", "window")

    def __init__(self, window: CallingWindow) -> None:
        self.window = window
        # zone → (valid_from, valid_until, open): the answer holds inside that span.
        self._cache: dict[str, tuple[float, float, bool]] = {}

    def is_open(self, zone: str, now: float) -> bool:
        """Whether `now` (POSIX seconds) is inside the window in `zone`'s local time."""
        cached = self._cache.get(zone)
        if cached is not None and cached[0] <= now < cached[1]:
            return cached[2]
        local = dt.datetime.fromtimestamp(now, _zone(zone))
        minute = local.hour * 60 + local.minute
        open_now = (
            local.isoweekday() in self.window.weekdays
            and self.window.start <= minute < self.window.end
        )
        # The answer cannot change before the next whole minute (offsets move in minutes).
        until = math.floor(now / 60.0) * 60.0 + 60.0
        self._cache[zone] = (now, until, open_now)
        return open_now

    def next_open(self, zone: str, now: float) -> float | None:
        """The first instant at or after `now` inside the window (None if it never opens)."""
        if self.is_open(zone, now):
            return now
        tz = _zone(zone)
        local = dt.datetime.fromtimestamp(now, tz)
        for days in range(8):
            day = (local + dt.timedelta(days=days)).date()
            if day.isoweekday() not in self.window.weekdays:
                continue
            midnight = dt.datetime.combine(day, dt.time(), tzinfo=tz)
            start = midnight + dt.timedelta(minutes=self.window.start)
            # Round trip through UTC so a DST gap lands on a real instant.
            instant = start.astimezone(dt.UTC).timestamp()
            if instant >= now and self.is_open(zone, instant):
                return instant
            if instant < now:
                end = (midnight + dt.timedelta(minutes=self.window.end)).timestamp()
                if now < end and self.is_open(zone, now):
                    return now
        return None
