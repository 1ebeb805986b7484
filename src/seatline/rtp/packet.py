"""RTP data packets (RFC 3550 §5.1): parse from bytes and serialize back, byte-exact.

This module owns the fixed header, CSRC list, header extension (§5.3.1) and padding. It knows
nothing about sessions, codecs or sockets. Malformed input raises `RtpParseError`, never another
exception type, so a receive loop can drop a bad datagram with one `except`.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from seatline.rtp.errors import RtpParseError

__all__ = [
    "RTP_HEADER_SIZE",
    "RTP_VERSION",
    "RtpPacket",
    "build_rtp",
    "is_rtcp",
]

RTP_VERSION = 2
RTP_HEADER_SIZE = 12

_HEADER = struct.Struct("!BBHII")
_EXTENSION_HEADER = struct.Struct("!HH")
_WORD = struct.Struct("!I")
_new = object.__new__


def is_rtcp(data: bytes) -> bool:
    """Tell RTCP from RTP on a shared port by the packet type octet (RFC 5761 §4)."""
    return len(data) >= 2 and 192 <= data[1] <= 223


@dataclass(frozen=True)
class RtpPacket:
    """One RTP data packet; `padding` is the count of padding octets (0 when the P bit is clear)."""

    payload_type: int
    sequence_number: int
    timestamp: int
    ssrc: int
    payload: bytes = b""
    marker: bool = False
    csrc: tuple[int, ...] = ()
    extension_profile: int | None = None
    extension: bytes = b""
    padding: int = 0

    @classmethod
    def parse(cls, data: bytes) -> RtpPacket:
        """Parse one RTP packet (RFC 3550 §5.1); raise `RtpParseError` when it is malformed."""
        length = len(data)
        if length < RTP_HEADER_SIZE:
            raise RtpParseError(f"RTP packet too short: {length} bytes, need {RTP_HEADER_SIZE}")
        first, second, seq, timestamp, ssrc = _HEADER.unpack_from(data, 0)
        if first >> 6 != RTP_VERSION:
            raise RtpParseError(f"RTP version {first >> 6} is not {RTP_VERSION}")
        pos = RTP_HEADER_SIZE
        csrc_count = first & 0x0F
        csrc: tuple[int, ...] = ()
        if csrc_count:
            end = pos + 4 * csrc_count
            if end > length:
                raise RtpParseError(f"RTP CSRC list of {csrc_count} overruns the packet")
            csrc = struct.unpack_from(f"!{csrc_count}I", data, pos)
            pos = end
        extension_profile: int | None = None
        extension = b""
        if first & 0x10:
            if pos + 4 > length:
                raise RtpParseError("RTP header extension is truncated")
            extension_profile, words = _EXTENSION_HEADER.unpack_from(data, pos)
            end = pos + 4 + 4 * words
            if end > length:
                raise RtpParseError(f"RTP header extension of {words} words overruns the packet")
            extension = bytes(data[pos + 4 : end])
            pos = end
        padding = 0
        stop = length
        if first & 0x20:
            padding = data[-1]
            # The count includes itself, so zero is impossible (§5.1 "P").
            if padding == 0 or pos + padding > length:
                raise RtpParseError(f"RTP padding count {padding} is invalid")
            stop = length - padding
        # Frozen-dataclass __init__ costs ~3 µs per packet (one object.__setattr__ per field);
        # filling the instance dict directly is a third of that on the media hot path.
        packet = _new(cls)
        packet.__dict__.update(
            payload_type=second & 0x7F,
            sequence_number=seq,
            timestamp=timestamp,
            ssrc=ssrc,
            payload=bytes(data[pos:stop]),
            marker=bool(second & 0x80),
            csrc=csrc,
            extension_profile=extension_profile,
            extension=extension,
            padding=padding,
        )
        return packet

    def __bytes__(self) -> bytes:
        """Serialize to wire format; padding octets are zeros ending in the count (§5.1)."""
        if not self.csrc and self.extension_profile is None and not self.padding:
            return build_rtp(
                self.payload_type,
                self.sequence_number,
                self.timestamp,
                self.ssrc,
                self.payload,
                self.marker,
            )
        if len(self.csrc) > 15:
            raise ValueError(f"at most 15 CSRCs fit an RTP header, got {len(self.csrc)}")
        if len(self.extension) % 4:
            raise ValueError("an RTP header extension must be a whole number of 32-bit words")
        if not 0 <= self.padding <= 255:
            raise ValueError(f"padding must be 0..255 octets, got {self.padding}")
        first = (
            (RTP_VERSION << 6)
            | (0x20 if self.padding else 0)
            | (0x10 if self.extension_profile is not None else 0)
            | len(self.csrc)
        )
        second = (0x80 if self.marker else 0) | self.payload_type
        parts = [
            _HEADER.pack(
                first,
                second,
                self.sequence_number & 0xFFFF,
                self.timestamp & 0xFFFFFFFF,
                self.ssrc,
            )
        ]
        parts.extend(_WORD.pack(source) for source in self.csrc)
        if self.extension_profile is not None:
            parts.append(_EXTENSION_HEADER.pack(self.extension_profile, len(self.extension) // 4))
            parts.append(self.extension)
        parts.append(self.payload)
        if self.padding:
            parts.append(bytes(self.padding - 1) + bytes([self.padding]))
        return b"".join(parts)


def build_rtp(
    payload_type: int,
    sequence_number: int,
    timestamp: int,
    ssrc: int,
    payload: bytes,
    marker: bool = False,
) -> bytes:
    """Serialize a plain RTP packet (no CSRC, extension or padding) without building an object."""
    # The media hot path: one precompiled pack and one concatenation per packet.
    return (
        _HEADER.pack(
            0x80,
            (0x80 | payload_type) if marker else payload_type,
            sequence_number & 0xFFFF,
            timestamp & 0xFFFFFFFF,
            ssrc,
        )
        + payload
    )
