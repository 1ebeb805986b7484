"""Errors of the media protocol package: one small hierarchy, remote faults apart from misuse."""

from __future__ import annotations

__all__ = ["RtpError", "RtpParseError", "WavError"]


class RtpError(Exception):
    """Base class of every error raised by `seatline.rtp`."""


class RtpParseError(RtpError):
    """The peer sent bytes that are not a well-formed RTP or RTCP packet (a remote fault)."""


class WavError(RtpError):
    """A WAV file is not one this package can read (not PCM, wrong width, truncated)."""
