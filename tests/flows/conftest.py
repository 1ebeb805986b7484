"""Shared helpers for the flow tests: the demo flow, its calendar and a tiny document builder."""

from __future__ import annotations

import datetime as dt
from importlib.resources import files
from typing import Any

import pytest

from seatline.flows import Calendar, Flow, calendar_from_dict, load_flow

BERLIN = dt.timezone(dt.timedelta(hours=1))  # winter time, enough for fixed instants


def demo_text() -> str:
    """The example flow shipped with the package."""
    return files("seatline.flows").joinpath("examples/demo.yaml").read_text(encoding="utf-8")


def document(nodes: dict[str, Any], start: str = "a", **extra: Any) -> dict[str, Any]:
    """A flow document around some nodes."""
    return {"name": "test", "version": 1, "start": start, "nodes": nodes, **extra}


@pytest.fixture
def support_hours() -> Calendar:
    """Mon-Fri 08:00-18:00 in Berlin, closed on Christmas Day."""
    return calendar_from_dict(
        {
            "name": "support-hours",
            "time_zone": "Europe/Berlin",
            "weekly": {day: ["08:00-18:00"] for day in ("mon", "tue", "wed", "thu", "fri")},
            "holidays": ["2026-12-25"],
        }
    )


@pytest.fixture
def demo_flow() -> Flow:
    """The demo flow, validated against its calendar."""
    return load_flow(demo_text(), calendars={"support-hours"})
