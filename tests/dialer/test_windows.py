"""Calling windows in the lead's local time, across time zones and daylight-saving changes."""

from __future__ import annotations

import datetime as dt

from seatline.dialer import CallingWindow, WindowClock

UTC = dt.UTC


def _ts(*args: int) -> float:
    return dt.datetime(*args, tzinfo=UTC).timestamp()


def test_window_follows_the_leads_zone() -> None:
    clock = WindowClock(CallingWindow(9 * 60, 21 * 60))
    noon_utc = _ts(2026, 12, 1, 12, 0)  # 07:00 in New York, 13:00 in Berlin
    assert not clock.is_open("America/New_York", noon_utc)
    assert clock.is_open("Europe/Berlin", noon_utc)
    assert clock.next_open("America/New_York", noon_utc) == _ts(2026, 12, 1, 14, 0)


def test_window_closes_at_its_end_and_skips_sunday() -> None:
    clock = WindowClock(CallingWindow(9 * 60, 21 * 60))
    saturday_late = _ts(2026, 12, 5, 20, 59)  # Saturday 21:59 Paris (UTC+1): closed
    assert not clock.is_open("Europe/Paris", saturday_late)
    # Sunday is not a calling day by default: next opening is Monday 09:00 Paris.
    assert clock.next_open("Europe/Paris", saturday_late) == _ts(2026, 12, 7, 8, 0)


def test_daylight_saving_change_needs_no_special_case() -> None:
    clock = WindowClock(CallingWindow(9 * 60, 21 * 60, frozenset(range(1, 8))))
    # 2026-03-08: New York moves from UTC-5 to UTC-4 at 02:00 local.
    before = _ts(2026, 3, 8, 12, 30)  # 08:30 EDT: closed
    assert not clock.is_open("America/New_York", before)
    assert clock.next_open("America/New_York", before) == _ts(2026, 3, 8, 13, 0)
    assert clock.is_open("America/New_York", _ts(2026, 3, 8, 13, 0))
