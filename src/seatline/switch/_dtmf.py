"""RFC 4733 telephone-event receive and send.

Private stand-in until `seatline.rtp` ships its DTMF receiver/encoder.
"""

from __future__ import annotations

import struct

EVENT_CHARS = "0123456789*#ABCD"


class DtmfReceiver:
    """Turns telephone-event payloads into digits, once per event (RFC 4733 §2.5.1.3).

    An event is identified by its RTP timestamp; its repeated and end packets (and their
    redundant copies) carry the same timestamp and are not reported again.
    """

    def __init__(self) -> None:
        self._last: tuple[int, int] | None = None

    def feed(self, payload: bytes, timestamp: int) -> str | None:
        """Return the digit when this packet starts a new event, else None."""
        if len(payload) < 4:
            return None
        event = payload[0]
        if event >= len(EVENT_CHARS) or (timestamp, event) == self._last:
            return None
        self._last = (timestamp, event)
        return EVENT_CHARS[event]


def event_payloads(digit: str, duration_ms: int = 100, volume: int = 10) -> list[bytes]:
    """The payloads of one event: updates every 20 ms, then three end packets (§2.5.1.4)."""
    event = EVENT_CHARS.index(digit.upper())
    steps = max(1, duration_ms // 20)
    out = [struct.pack("!BBH", event, volume, 160 * (i + 1)) for i in range(steps)]
    end = struct.pack("!BBH", event, 0x80 | volume, 160 * steps)
    return [*out, end, end, end]
