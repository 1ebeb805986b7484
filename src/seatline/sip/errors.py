"""Errors raised by `seatline.sip`: one small hierarchy under `SipError`.

Two families, as in h11: *remote* errors (the peer sent something broken) carry the SIP
status to answer with (`status_hint`); *local* errors mean our own code misused the API.
"""

from __future__ import annotations


class SipError(Exception):
    """Base class of every error raised by `seatline.sip`."""


class SipParseError(SipError):
    """A remote peer sent bytes that are not an acceptable SIP message or header."""

    def __init__(self, reason: str, status_hint: int = 400) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status_hint = status_hint

    def __str__(self) -> str:
        return f"{self.reason} ({self.status_hint})"


class SipStateError(SipError):
    """A transaction or dialog was asked for a move its state machine does not allow."""


class SipAuthError(SipError):
    """A digest challenge or credential that cannot be used (unknown algorithm, missing field)."""
