"""RFC 4733 telephone-events: the payload format, a digit encoder and a once-only receiver.

The encoder plans the packets of one digit (start with marker, updates, three end packets, all
with the event's timestamp, §2.5.1). The receiver turns a stream of telephone-event packets into
digits, each reported exactly once: when its end packet arrives, when a newer event starts, or
when the event falls silent for `timeout` seconds (all end packets lost). It is sans-I/O: pass
`now`, ask `get_timer()`, call `handle_timer(now)`.
"""

from __future__ import annotations

import struct
from collections import deque
from dataclasses import dataclass

from seatline.rtp.errors import RtpParseError
from seatline.rtp.events import DtmfDigit
from seatline.rtp.packet import RtpPacket

__all__ = [
    "DTMF_EVENTS",
    "EVENT_FLASH",
    "DtmfDigit",
    "DtmfReceiver",
    "TelephoneEvent",
    "TelephoneEventFrame",
    "digit_to_event",
    "encode_digit",
    "event_to_digit",
]

DTMF_EVENTS = "0123456789*#ABCD"
EVENT_FLASH = 16
_FLASH_NAME = "!"
_PAYLOAD = struct.Struct("!BBH")
# An "older" timestamp further back than this is a new timestamp base (a re-INVITE, a new
# sender), not a reordered packet: 10 s at 8 kHz is far beyond any network reordering.
_MAX_REORDER = 80_000


def digit_to_event(digit: str) -> int:
    """Map '0'-'9', '*', '#', 'A'-'D' or '!' (hook flash) to its event code (§3.2)."""
    if digit == _FLASH_NAME:
        return EVENT_FLASH
    code = DTMF_EVENTS.find(digit.upper()) if len(digit) == 1 else -1
    if code < 0:
        raise ValueError(f"{digit!r} is not a DTMF digit (0-9 * # A-D or ! for flash)")
    return code


def event_to_digit(event: int) -> str:
    """Map an event code 0-16 to its digit character ('!' for hook flash)."""
    if event == EVENT_FLASH:
        return _FLASH_NAME
    if 0 <= event < len(DTMF_EVENTS):
        return DTMF_EVENTS[event]
    raise ValueError(f"telephone-event {event} is not a DTMF digit or flash")


@dataclass(frozen=True, slots=True)
class TelephoneEvent:
    """One telephone-event payload (§2.3): event code, end bit, volume (-dBm0) and duration."""

    event: int
    end: bool
    volume: int
    duration: int

    @classmethod
    def parse(cls, payload: bytes) -> TelephoneEvent:
        """Parse the first 4-octet event of a payload; raise `RtpParseError` when too short."""
        if len(payload) < 4:
            raise RtpParseError(f"telephone-event payload is {len(payload)} bytes, need 4")
        event, flags, duration = _PAYLOAD.unpack_from(payload, 0)
        return cls(event, bool(flags & 0x80), flags & 0x3F, duration)

    def __bytes__(self) -> bytes:
        """Serialize to the 4-octet payload (the R bit is always sent as zero)."""
        return _PAYLOAD.pack(
            self.event, (0x80 if self.end else 0) | (self.volume & 0x3F), min(self.duration, 0xFFFF)
        )


@dataclass(frozen=True, slots=True)
class TelephoneEventFrame:
    """One packet to send for a digit: when (seconds after the start), marker bit, payload."""

    offset: float
    marker: bool
    payload: bytes


def encode_digit(
    digit: str,
    duration: float = 0.1,
    volume: int = 10,
    interval: float = 0.02,
    clock_rate: int = 8000,
) -> list[TelephoneEventFrame]:
    """Plan the packets of one digit; every packet carries the same RTP timestamp (§2.5.1).

    The start packet has the marker and duration 0, updates follow every `interval` with the
    duration so far, and the end packet is sent three times (§2.5.1.4) at the same spacing.
    """
    event = digit_to_event(digit)
    step = round(interval * clock_rate)
    total = max(step, round(duration * clock_rate))
    updates = -(-total // step)
    frames = [TelephoneEventFrame(0.0, True, bytes(TelephoneEvent(event, False, volume, 0)))]
    frames.extend(
        TelephoneEventFrame(
            k * interval, False, bytes(TelephoneEvent(event, False, volume, k * step))
        )
        for k in range(1, updates)
    )
    end = bytes(TelephoneEvent(event, True, volume, total))
    frames.extend(TelephoneEventFrame((updates + k) * interval, False, end) for k in range(3))
    return frames


def _older_nearby(timestamp: int, reference: int) -> bool:
    # Serial-number order on the 32-bit timestamp (RFC 1982), so a wrap still counts as newer.
    behind = (reference - timestamp) & 0xFFFFFFFF
    return 0 <= behind < _MAX_REORDER


class DtmfReceiver:
    """Telephone-event packets in, each digit out exactly once (RFC 4733 §2.5.2)."""

    def __init__(
        self,
        timeout: float = 0.3,
        memory: int = 16,
        early: bool = False,
        strict_order: bool = True,
    ) -> None:
        """`timeout`: silence after which an unended event is reported; `memory`: past events.

        `early=True` reports a digit at its first packet (an IVR reacts sooner, no timer is
        needed) at the cost of knowing its duration; later packets of it are still ignored.
        `strict_order=False` is for senders that replay recorded events (SIPp's
        `play_pcap_audio` of captured digits, with unrelated timestamps on one SSRC): an
        event is known by (timestamp, event code) and an older timestamp is a new event,
        not a reordered packet, so it is reported unless that same pair was reported lately.
        """
        self.timeout = timeout
        self.early = early
        self.strict_order = strict_order
        self.malformed = 0
        self._open: tuple[int, int] | None = None  # (timestamp, event) not yet reported
        self._duration = 0
        self._last_packet = 0.0
        self._newest: int | None = None
        self._done: deque[tuple[int, int]] = deque(maxlen=memory)

    def receive(self, packet: RtpPacket, now: float) -> list[DtmfDigit]:
        """Feed one telephone-event RTP packet; return the digits it completes."""
        return self.receive_payload(packet.timestamp, packet.payload, now)

    def receive_payload(self, timestamp: int, payload: bytes, now: float) -> list[DtmfDigit]:
        """Feed one telephone-event payload with its RTP timestamp."""
        try:
            tone = TelephoneEvent.parse(payload)
        except RtpParseError:
            self.malformed += 1
            return []
        if tone.event > EVENT_FLASH:
            return []
        if self._reported(timestamp, tone.event):
            return []  # retransmitted end, duplicate or late update of a reported event
        out: list[DtmfDigit] = []
        key = (timestamp, tone.event)
        if (
            self._open is None
            or self._open[0] != timestamp
            or (not self.strict_order and self._open != key)
        ):
            if (
                self.strict_order
                and self._newest is not None
                and _older_nearby(timestamp, self._newest)
            ):
                return []  # a reordered packet of an event older than the newest one
            out.extend(self._close(ended=False))
            self._open = key
            self._duration = 0
            self._newest = timestamp
        self._duration = max(self._duration, tone.duration)
        self._last_packet = now
        if tone.end or self.early:
            out.extend(self._close(ended=tone.end))
        return out

    def get_timer(self) -> float | None:
        """When `handle_timer` should next be called, or None when no event is open."""
        return None if self._open is None else self._last_packet + self.timeout

    def handle_timer(self, now: float) -> list[DtmfDigit]:
        """Report an event whose end packets never came once it has been silent `timeout`."""
        if self._open is not None and now >= self._last_packet + self.timeout:
            return self._close(ended=False)
        return []

    def _reported(self, timestamp: int, event: int) -> bool:
        # Strict order: one timestamp is one event (§2.5.1.3). Replays: the pair is the key.
        if self.strict_order:
            return any(done == timestamp for done, _ in self._done)
        return (timestamp, event) in self._done

    def _close(self, ended: bool) -> list[DtmfDigit]:
        if self._open is None:
            return []
        timestamp, event = self._open
        self._open = None
        self._done.append((timestamp, event))
        return [DtmfDigit(event_to_digit(event), event, timestamp, self._duration, ended)]
