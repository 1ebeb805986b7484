"""Events a `Call` reports to its application, as small frozen dataclasses."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Answered:
    """The call was answered (by us for inbound calls, by the far end for outbound ones)."""


@dataclass(frozen=True, slots=True)
class Progress:
    """An outbound call is ringing (180) or has early media (183)."""

    status: int


@dataclass(frozen=True, slots=True)
class DtmfReceived:
    """The caller pressed a key (RFC 4733 event or SIP INFO)."""

    digit: str


@dataclass(frozen=True, slots=True)
class HoldChanged:
    """The far end put the call on hold (True) or resumed it (False)."""

    held: bool


@dataclass(frozen=True, slots=True)
class Transferred:
    """The call was handed to another target (blind or attended transfer)."""

    target: str


@dataclass(frozen=True, slots=True)
class HungUp:
    """The call ended; `reason` says how (remote-bye, cancelled, local, partner-hangup...)."""

    reason: str


CallEvent = Answered | Progress | DtmfReceived | HoldChanged | Transferred | HungUp
