"""Errors raised by `seatline.stats`: one small hierarchy under `StatsError`."""

from __future__ import annotations


class StatsError(Exception):
    """Base class of every error raised by `seatline.stats`."""


class InvalidTraffic(StatsError, ValueError):
    """Traffic parameters that have no meaning (negative rate, zero handle time, ...)."""


class TargetUnreachable(StatsError, ValueError):
    """A staffing target that no number of agents up to the search limit can meet."""
