"""Errors raised by `seatline.sim`: one small hierarchy under `SimError`."""

from __future__ import annotations


class SimError(Exception):
    """Base class of every error raised by `seatline.sim`."""


class ScenarioError(SimError, ValueError):
    """A scenario that cannot be simulated; the message names the offending field."""

    def __init__(self, message: str, field: str | None = None) -> None:
        self.field = field
        self.reason = message
        super().__init__(f"{field}: {message}" if field else message)
