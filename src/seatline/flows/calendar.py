"""Business hours and holidays: one calendar per schedule, answering `is_open(instant)`.

Opening hours are wall-clock times in the calendar's time zone (`zoneinfo`), so a day on which
daylight saving time starts or ends needs no special case: the instant is converted to local
time and compared with the intervals. A local date is decided by the first rule that knows it:

1. a special-hours override for that date (an empty list closes the day),
2. a holiday (closed all day),
3. the weekly intervals of its weekday (an interval like 22:00-06:00 runs past midnight into
   the next weekday).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from .errors import CalendarError

DAY_MINUTES = 24 * 60
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True, slots=True)
class Interval:
    """Open from `start` up to (not including) `end`, in minutes after local midnight."""

    start: int
    end: int

    def __contains__(self, minute: object) -> bool:
        return isinstance(minute, int) and self.start <= minute < self.end


def _minute(text: str) -> int:
    hours, sep, minutes = text.strip().partition(":")
    # ASCII digits only: str.isdigit() also takes '²' (which int() refuses) and other scripts.
    digits = f"{hours}{minutes}"
    if not (
        sep and 1 <= len(hours) <= 2 and digits.isascii() and digits.isdigit() and len(minutes) == 2
    ):
        raise CalendarError(f"bad time {text!r} (expected HH:MM)")
    value = int(hours) * 60 + int(minutes)
    if int(minutes) >= 60 or value > DAY_MINUTES:
        raise CalendarError(f"bad time {text!r}")
    return value


def parse_interval(text: str) -> tuple[int, int]:
    """Read 'HH:MM-HH:MM' as minutes; the end may be 24:00 or earlier than the start."""
    start, sep, end = text.partition("-")
    if not sep:
        raise CalendarError(f"bad interval {text!r} (expected HH:MM-HH:MM)")
    first, last = _minute(start), _minute(end)
    if first in (last, DAY_MINUTES):
        raise CalendarError(f"empty interval {text!r}")
    return first, last


def _same_day(text: str) -> Interval:
    start, end = parse_interval(text)
    if end < start:
        raise CalendarError(f"interval {text!r} may not pass midnight on a special day")
    return Interval(start, end)


@dataclass(frozen=True)
class Calendar:
    """A named opening schedule in one time zone, with holidays and special days."""

    name: str
    zone: zoneinfo.ZoneInfo
    weekly: tuple[tuple[Interval, ...], ...]  # seven entries, Monday first
    holidays: frozenset[dt.date] = frozenset()
    special: Mapping[dt.date, tuple[Interval, ...]] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        name: str,
        time_zone: str,
        weekly: Mapping[int, Iterable[str]],
        holidays: Iterable[dt.date] = (),
        special: Mapping[dt.date, Iterable[str]] | None = None,
    ) -> Calendar:
        """Build from weekday (0 = Monday) → ['HH:MM-HH:MM', ...] and dates."""
        try:
            zone = zoneinfo.ZoneInfo(time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
            # OSError: a name too long for a file name, or a directory such as "America".
            raise CalendarError(f"calendar {name!r}: unknown time zone {time_zone!r}") from None
        days: list[list[Interval]] = [[] for _ in range(7)]
        for weekday, texts in weekly.items():
            if weekday not in range(7):
                raise CalendarError(f"calendar {name!r}: weekday {weekday} is not 0..6")
            for text in texts:
                start, end = parse_interval(text)
                if end > start:
                    days[weekday].append(Interval(start, end))
                else:  # past midnight: the tail belongs to the next weekday
                    days[weekday].append(Interval(start, DAY_MINUTES))
                    if end > 0:
                        days[(weekday + 1) % 7].append(Interval(0, end))
        overrides = {
            day: tuple(_same_day(text) for text in texts) for day, texts in (special or {}).items()
        }
        return cls(
            name,
            zone,
            tuple(tuple(sorted(day, key=lambda i: i.start)) for day in days),
            frozenset(holidays),
            overrides,
        )

    def local(self, instant: dt.datetime) -> dt.datetime:
        """The instant as wall-clock time in the calendar's zone (naive input is refused)."""
        if instant.tzinfo is None or instant.utcoffset() is None:
            raise CalendarError(f"calendar {self.name!r} needs an aware datetime, got {instant}")
        return instant.astimezone(self.zone)

    def intervals_on(self, day: dt.date) -> tuple[Interval, ...]:
        """The opening intervals of one local date, after overrides and holidays."""
        if day in self.special:
            return self.special[day]
        if day in self.holidays:
            return ()
        return self.weekly[day.weekday()]

    def is_open(self, instant: dt.datetime) -> bool:
        """Whether the schedule is open at `instant`."""
        local = self.local(instant)
        minute = local.hour * 60 + local.minute
        return any(minute in interval for interval in self.intervals_on(local.date()))

    def is_holiday(self, instant: dt.datetime) -> bool:
        """Whether the local date of `instant` is a holiday."""
        return self.local(instant).date() in self.holidays


class _CalendarSpec(BaseModel):
    """A calendar as written in a file or sent to the API."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    time_zone: str
    weekly: dict[str, list[str]] = {}
    holidays: list[dt.date] = []
    special: dict[dt.date, list[str]] = {}


def calendar_from_dict(data: Mapping[str, Any]) -> Calendar:
    """Validate a calendar document ({name, time_zone, weekly: {mon: [...]}, ...})."""
    try:
        spec = _CalendarSpec.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise CalendarError(f"calendar: {where}: {first['msg']}") from None
    weekly: dict[int, list[str]] = {}
    for key, texts in spec.weekly.items():
        day = key.strip().lower()[:3]
        if day not in WEEKDAYS:
            raise CalendarError(f"calendar {spec.name!r}: unknown weekday {key!r}")
        weekly.setdefault(WEEKDAYS.index(day), []).extend(texts)
    return Calendar.build(spec.name, spec.time_zone, weekly, spec.holidays, spec.special)


def calendar_from_ranges(
    name: str,
    time_zone: str,
    ranges: Iterable[Mapping[str, Any]],
    holidays: Iterable[dt.date] = (),
) -> Calendar:
    """Build from the store's rows: ranges of {weekday, start, end} plus holiday dates."""
    weekly: dict[int, list[str]] = {}
    for item in ranges:
        try:
            weekday = int(item["weekday"])
            text = f"{item['start']}-{item['end']}"
        except (KeyError, TypeError, ValueError):
            raise CalendarError(f"calendar {name!r}: bad range {dict(item)!r}") from None
        weekly.setdefault(weekday, []).append(text)
    return Calendar.build(name, time_zone, weekly, holidays)
