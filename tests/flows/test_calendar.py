"""Business-hours calendars: time zones, daylight saving days, holidays and special hours."""

from __future__ import annotations

import datetime as dt

import pytest

from seatline.flows import Calendar, CalendarError, calendar_from_dict, calendar_from_ranges

UTC = dt.UTC


def at(text: str) -> dt.datetime:
    """A UTC instant from 'YYYY-MM-DD HH:MM'."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


def office(time_zone: str = "Europe/Berlin", **extra: object) -> Calendar:
    """Mon-Fri 08:00-18:00 plus whatever `extra` adds."""
    weekly = {day: ["08:00-18:00"] for day in ("mon", "tue", "wed", "thu", "fri")}
    data = {"name": "office", "time_zone": time_zone, "weekly": weekly}
    return calendar_from_dict({**data, **extra})


def test_weekly_hours_in_local_time() -> None:
    calendar = office()
    # Tuesday 2026-01-13, Berlin is UTC+1 in winter.
    assert not calendar.is_open(at("2026-01-13 06:59"))  # 07:59 local
    assert calendar.is_open(at("2026-01-13 07:00"))  # 08:00 local, the start is inclusive
    assert calendar.is_open(at("2026-01-13 16:59"))
    assert not calendar.is_open(at("2026-01-13 17:00"))  # 18:00 local, the end is exclusive
    assert not calendar.is_open(at("2026-01-17 10:00"))  # Saturday


def test_the_same_instant_in_two_time_zones() -> None:
    instant = at("2026-01-13 15:00")  # 16:00 in Berlin, 10:00 in New York
    assert office("Europe/Berlin").is_open(instant)
    assert office("America/New_York").is_open(instant)
    late = at("2026-01-13 20:00")  # 21:00 in Berlin, 15:00 in New York
    assert not office("Europe/Berlin").is_open(late)
    assert office("America/New_York").is_open(late)
    # Any aware datetime works, not only UTC ones.
    tokyo = dt.datetime(2026, 1, 14, 0, 30, tzinfo=dt.timezone(dt.timedelta(hours=9)))
    assert office().is_open(tokyo)  # 16:30 on Tuesday in Berlin


def test_daylight_saving_starts() -> None:
    # Sunday 2026-03-29: Berlin jumps from 02:00 CET to 03:00 CEST.
    calendar = calendar_from_dict(
        {"name": "night", "time_zone": "Europe/Berlin", "weekly": {"sun": ["01:00-04:00"]}}
    )
    assert not calendar.is_open(at("2026-03-28 23:30"))  # 00:30 CET
    assert calendar.is_open(at("2026-03-29 00:30"))  # 01:30 CET
    assert calendar.is_open(at("2026-03-29 01:30"))  # 03:30 CEST: one hour later in wall time
    assert not calendar.is_open(at("2026-03-29 02:00"))  # 04:00 CEST
    day = calendar_from_dict(
        {
            "name": "day",
            "time_zone": "Europe/Berlin",
            "weekly": {"sat": ["08:00-18:00"], "sun": ["08:00-18:00"]},
        }
    )
    assert not day.is_open(at("2026-03-28 06:30"))  # Saturday 07:30 CET
    assert day.is_open(at("2026-03-29 06:30"))  # Sunday 08:30 CEST


def test_daylight_saving_ends() -> None:
    # Sunday 2026-10-25: Berlin goes back from 03:00 CEST to 02:00 CET; 02:15 happens twice.
    calendar = calendar_from_dict(
        {"name": "night", "time_zone": "Europe/Berlin", "weekly": {"sun": ["02:00-02:30"]}}
    )
    assert calendar.is_open(at("2026-10-25 00:15"))  # 02:15 CEST
    assert not calendar.is_open(at("2026-10-25 00:45"))  # 02:45 CEST
    assert calendar.is_open(at("2026-10-25 01:15"))  # 02:15 CET, the second time
    assert not calendar.is_open(at("2026-10-25 01:30"))  # 02:30 CET


def test_holidays_close_the_whole_local_day() -> None:
    calendar = office(holidays=["2026-12-25"])
    assert not calendar.is_open(at("2026-12-25 10:00"))
    assert calendar.is_holiday(at("2026-12-25 10:00"))
    assert calendar.is_open(at("2026-12-28 10:00"))
    # 23:30 UTC on the 24th is already the 25th in Berlin.
    assert calendar.is_holiday(at("2026-12-24 23:30"))
    assert not calendar.is_holiday(at("2026-12-24 22:30"))


def test_special_hours_override_weekdays_and_holidays() -> None:
    calendar = office(
        holidays=["2026-12-24", "2026-12-26"],
        special={"2026-12-24": ["08:00-12:00"], "2026-12-31": [], "2026-12-27": ["10:00-14:00"]},
    )
    assert calendar.is_open(at("2026-12-24 10:00"))  # 11:00 local: open in the morning
    assert not calendar.is_open(at("2026-12-24 12:00"))  # 13:00 local
    assert not calendar.is_open(at("2026-12-31 10:00"))  # a Thursday closed by override
    assert calendar.is_open(at("2026-12-27 10:00"))  # a Sunday opened by override
    assert not calendar.is_open(at("2026-12-26 10:00"))  # holiday without override


def test_intervals_past_midnight_and_until_midnight() -> None:
    calendar = calendar_from_dict(
        {
            "name": "late",
            "time_zone": "UTC",
            "weekly": {"fri": ["22:00-06:00"], "sun": ["20:00-24:00", "23:00-02:00"]},
        }
    )
    assert calendar.is_open(at("2026-01-16 23:00"))  # Friday night
    assert calendar.is_open(at("2026-01-17 05:59"))  # Saturday morning, from Friday
    assert not calendar.is_open(at("2026-01-17 06:00"))
    assert calendar.is_open(at("2026-01-18 23:59"))  # Sunday until midnight
    assert calendar.is_open(at("2026-01-19 01:00"))  # Monday, carried from Sunday
    assert not calendar.is_open(at("2026-01-19 02:00"))


def test_store_rows_build_the_same_calendar() -> None:
    rows = [{"weekday": d, "start": "08:00", "end": "18:00"} for d in range(5)]
    calendar = calendar_from_ranges("office", "Europe/Berlin", rows, [dt.date(2026, 12, 25)])
    assert calendar.is_open(at("2026-01-13 10:00"))
    assert not calendar.is_open(at("2026-12-25 10:00"))
    with pytest.raises(CalendarError, match="bad range"):
        calendar_from_ranges("office", "UTC", [{"weekday": 1}])


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"time_zone": "Mars/Olympus"}, "unknown time zone 'Mars/Olympus'"),
        ({"weekly": {"funday": ["08:00-10:00"]}}, "unknown weekday 'funday'"),
        ({"weekly": {"mon": ["8-10"]}}, "bad time"),
        ({"weekly": {"mon": ["08:00"]}}, "bad interval"),
        ({"weekly": {"mon": ["08:00-08:00"]}}, "empty interval"),
        ({"weekly": {"mon": ["08:61-09:00"]}}, "bad time"),
        ({"weekly": {"mon": ["25:00-26:00"]}}, "bad time"),
        ({"special": {"2026-01-01": ["22:00-02:00"]}}, "may not pass midnight"),
        ({"holidays": ["not a date"]}, "calendar: holidays.0"),
        ({"colour": "red"}, "calendar: colour: Extra inputs"),
    ],
)
def test_bad_calendars(data: dict[str, object], message: str) -> None:
    with pytest.raises(CalendarError, match=message):
        calendar_from_dict({"name": "x", "time_zone": "UTC", **data})


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(CalendarError, match="aware datetime"):
        office().is_open(dt.datetime(2026, 1, 13, 10, 0))


@pytest.mark.parametrize(
    "text", ["²8:00-18:00", "08:0²-18:00", "٠٨:00-18:00", "0x8:00-18:00", "9" * 5000 + ":00-18:00"]
)
def test_times_in_other_digits_are_refused_not_raised(text: str) -> None:
    # str.isdigit() takes '²' (which int() then refuses) and Arabic-Indic digits alike.
    data = {"name": "h", "time_zone": "UTC", "weekly": {"mon": [text]}}
    with pytest.raises(CalendarError, match="bad time"):
        calendar_from_dict(data)
    with pytest.raises(CalendarError, match="bad time"):
        calendar_from_ranges("h", "UTC", [{"weekday": 0, "start": text[:5], "end": text[6:]}])


@pytest.mark.parametrize("zone", ["x" * 300, "America", "../../etc/passwd"])
def test_unusable_time_zone_names_are_refused_not_raised(zone: str) -> None:
    with pytest.raises(CalendarError, match="unknown time zone"):
        calendar_from_dict({"name": "h", "time_zone": zone, "weekly": {}})
