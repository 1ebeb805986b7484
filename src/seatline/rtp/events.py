"""Events the media protocol objects report: small frozen dataclasses, nothing else."""

from __future__ import annotations

from dataclasses import dataclass

from seatline.rtp.rtcp import RtcpPacket

__all__ = ["DtmfDigit", "MediaEvent", "RtcpReceived"]


@dataclass(frozen=True, slots=True)
class DtmfDigit:
    """A digit received; `ended` is False when it was closed by a timeout or a newer event."""

    digit: str
    event: int
    timestamp: int
    duration: int
    ended: bool


@dataclass(frozen=True, slots=True)
class RtcpReceived:
    """A compound RTCP packet arrived from the peer (reports, SDES, BYE)."""

    packets: tuple[RtcpPacket, ...]


MediaEvent = DtmfDigit | RtcpReceived
