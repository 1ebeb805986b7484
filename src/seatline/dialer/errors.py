"""Errors raised by the dialer: one small hierarchy under `DialerError`.

They signal a driver misusing the dialer (an unknown call, an impossible state change). Ordinary
traffic such as a busy line or an abandoned call is an outcome, never an error.
"""

from __future__ import annotations


class DialerError(Exception):
    """Base class of every error raised by `seatline.dialer`."""


class ConfigError(DialerError, ValueError):
    """A campaign configuration that cannot work (ring timeout under 15 s, cap out of range...)."""


class UnknownLead(DialerError, KeyError):
    """A lead id the campaign does not hold."""

    def __str__(self) -> str:
        return f"unknown lead {self.args[0]!r}"


class UnknownCall(DialerError, KeyError):
    """A call id the campaign never dialled, or already forgot."""

    def __str__(self) -> str:
        return f"unknown call {self.args[0]!r}"


class UnknownAgent(DialerError, KeyError):
    """An agent id that never joined the campaign."""

    def __str__(self) -> str:
        return f"unknown agent {self.args[0]!r}"


class DuplicateId(DialerError, ValueError):
    """A lead or agent id that is already in use."""


class IllegalTransition(DialerError):
    """A state change that an explicit transition table does not allow."""

    def __init__(self, what: str, ident: str, old: object, new: object) -> None:
        self.what = what
        self.ident = ident
        self.old = old
        self.new = new
        super().__init__(f"{what} {ident!r} cannot go from {old} to {new}")
