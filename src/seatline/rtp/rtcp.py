"""RTCP packets (RFC 3550 §6): SR, RR, SDES and BYE, parsed from and built into compound packets.

This module owns the wire format only; the statistics that fill a report live in `session`.
Packet types it does not model (APP, feedback) come back as `RtcpUnknown` so a compound packet
still round-trips. Malformed input raises `RtpParseError`.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from dataclasses import dataclass

from seatline.rtp.errors import RtpParseError

__all__ = [
    "RTCP_BYE",
    "RTCP_RR",
    "RTCP_SDES",
    "RTCP_SR",
    "SDES_CNAME",
    "ReportBlock",
    "RtcpBye",
    "RtcpPacket",
    "RtcpReceiverReport",
    "RtcpSenderReport",
    "RtcpSourceDescription",
    "RtcpUnknown",
    "SdesChunk",
    "build_rtcp",
    "parse_rtcp",
]

RTCP_SR = 200
RTCP_RR = 201
RTCP_SDES = 202
RTCP_BYE = 203
SDES_CNAME = 1

_COMMON = struct.Struct("!BBH")
_SSRC = struct.Struct("!I")
_SENDER_INFO = struct.Struct("!IQIII")
_REPORT_BLOCK = struct.Struct("!IIIIII")


@dataclass(frozen=True, slots=True)
class ReportBlock:
    """One reception report block (§6.4.1); `packets_lost` is signed 24-bit."""

    ssrc: int
    fraction_lost: int
    packets_lost: int
    highest_sequence: int
    jitter: int
    last_sr: int = 0
    delay_since_last_sr: int = 0

    @classmethod
    def parse(cls, data: bytes, pos: int) -> ReportBlock:
        """Parse the 24-byte block at `pos` (the caller checked the length)."""
        ssrc, lost_word, highest, jitter, lsr, dlsr = _REPORT_BLOCK.unpack_from(data, pos)
        lost = lost_word & 0xFFFFFF
        if lost & 0x800000:
            lost -= 0x1000000
        return cls(ssrc, lost_word >> 24, lost, highest, jitter, lsr, dlsr)

    def __bytes__(self) -> bytes:
        """Serialize; the cumulative loss is clamped to the signed 24-bit range (§6.4.1)."""
        lost = max(-0x800000, min(0x7FFFFF, self.packets_lost)) & 0xFFFFFF
        return _REPORT_BLOCK.pack(
            self.ssrc,
            (self.fraction_lost & 0xFF) << 24 | lost,
            self.highest_sequence & 0xFFFFFFFF,
            self.jitter & 0xFFFFFFFF,
            self.last_sr & 0xFFFFFFFF,
            self.delay_since_last_sr & 0xFFFFFFFF,
        )


@dataclass(frozen=True, slots=True)
class RtcpSenderReport:
    """SR (§6.4.1): sender info plus reception report blocks; `ntp_timestamp` is 64-bit."""

    ssrc: int
    ntp_timestamp: int
    rtp_timestamp: int
    packet_count: int
    octet_count: int
    reports: tuple[ReportBlock, ...] = ()
    extension: bytes = b""


@dataclass(frozen=True, slots=True)
class RtcpReceiverReport:
    """RR (§6.4.2): reception report blocks from a participant that is not sending."""

    ssrc: int
    reports: tuple[ReportBlock, ...] = ()
    extension: bytes = b""


@dataclass(frozen=True, slots=True)
class SdesChunk:
    """One SDES chunk (§6.5): a source and its (item type, value) pairs, e.g. CNAME."""

    ssrc: int
    items: tuple[tuple[int, bytes], ...] = ()


@dataclass(frozen=True, slots=True)
class RtcpSourceDescription:
    """SDES (§6.5): one chunk per described source."""

    chunks: tuple[SdesChunk, ...] = ()


@dataclass(frozen=True, slots=True)
class RtcpBye:
    """BYE (§6.6): the sources leaving, with an optional reason."""

    sources: tuple[int, ...] = ()
    reason: bytes = b""


@dataclass(frozen=True, slots=True)
class RtcpUnknown:
    """Any other RTCP packet type (APP, feedback...), kept raw so it round-trips."""

    packet_type: int
    count: int
    body: bytes = b""


RtcpPacket = RtcpSenderReport | RtcpReceiverReport | RtcpSourceDescription | RtcpBye | RtcpUnknown


def parse_rtcp(data: bytes) -> list[RtcpPacket]:
    """Parse a compound RTCP packet into its parts (§6.1); raise `RtpParseError` if malformed."""
    packets: list[RtcpPacket] = []
    pos = 0
    total = len(data)
    if total < 4:
        raise RtpParseError(f"RTCP packet too short: {total} bytes")
    while pos < total:
        if pos + 4 > total:
            raise RtpParseError(f"RTCP header truncated at offset {pos}")
        first, packet_type, words = _COMMON.unpack_from(data, pos)
        if first >> 6 != 2:
            raise RtpParseError(f"RTCP version {first >> 6} is not 2 at offset {pos}")
        end = pos + 4 + 4 * words
        if end > total:
            raise RtpParseError(f"RTCP packet at offset {pos} claims {words} words, overruns")
        body_end = end
        if first & 0x20:
            padding = data[end - 1]
            if padding == 0 or pos + 4 + padding > end:
                raise RtpParseError(f"RTCP padding count {padding} is invalid")
            body_end = end - padding
        body = bytes(data[pos + 4 : body_end])
        packets.append(_parse_one(first & 0x1F, packet_type, body))
        pos = end
    return packets


def _parse_one(count: int, packet_type: int, body: bytes) -> RtcpPacket:
    if packet_type == RTCP_SR:
        if len(body) < 24 + 24 * count:
            raise RtpParseError(f"RTCP SR too short for {count} report blocks")
        ssrc, ntp, rtp_ts, packets, octets = _SENDER_INFO.unpack_from(body, 0)
        reports = tuple(ReportBlock.parse(body, 24 + 24 * i) for i in range(count))
        return RtcpSenderReport(
            ssrc, ntp, rtp_ts, packets, octets, reports, body[24 + 24 * count :]
        )
    if packet_type == RTCP_RR:
        if len(body) < 4 + 24 * count:
            raise RtpParseError(f"RTCP RR too short for {count} report blocks")
        reports = tuple(ReportBlock.parse(body, 4 + 24 * i) for i in range(count))
        return RtcpReceiverReport(_SSRC.unpack_from(body, 0)[0], reports, body[4 + 24 * count :])
    if packet_type == RTCP_SDES:
        return RtcpSourceDescription(_parse_sdes_chunks(count, body))
    if packet_type == RTCP_BYE:
        if len(body) < 4 * count:
            raise RtpParseError(f"RTCP BYE too short for {count} sources")
        sources = struct.unpack_from(f"!{count}I", body, 0)
        reason = b""
        if len(body) > 4 * count:
            length = body[4 * count]
            if 4 * count + 1 + length > len(body):
                raise RtpParseError("RTCP BYE reason overruns the packet")
            reason = body[4 * count + 1 : 4 * count + 1 + length]
        return RtcpBye(sources, reason)
    return RtcpUnknown(packet_type, count, body)


def _parse_sdes_chunks(count: int, body: bytes) -> tuple[SdesChunk, ...]:
    chunks: list[SdesChunk] = []
    pos = 0
    for _ in range(count):
        if pos + 4 > len(body):
            raise RtpParseError("RTCP SDES chunk truncated")
        ssrc = _SSRC.unpack_from(body, pos)[0]
        pos += 4
        items: list[tuple[int, bytes]] = []
        while True:
            if pos >= len(body):
                raise RtpParseError("RTCP SDES item list is not terminated")
            item_type = body[pos]
            if item_type == 0:
                # The null item ends the list; the chunk is padded to a 32-bit boundary.
                pos = (pos + 4) & ~3
                break
            if pos + 2 > len(body):
                raise RtpParseError("RTCP SDES item truncated")
            length = body[pos + 1]
            if pos + 2 + length > len(body):
                raise RtpParseError("RTCP SDES item overruns the packet")
            items.append((item_type, body[pos + 2 : pos + 2 + length]))
            pos += 2 + length
        chunks.append(SdesChunk(ssrc, tuple(items)))
    return tuple(chunks)


def _frame(count: int, packet_type: int, body: bytes) -> bytes:
    if len(body) % 4:
        raise ValueError(f"RTCP body of type {packet_type} is not a whole number of words")
    if count > 31:
        raise ValueError(f"RTCP count {count} exceeds 31")
    return _COMMON.pack(0x80 | count, packet_type, len(body) // 4) + body


def _build_one(packet: RtcpPacket) -> bytes:
    if isinstance(packet, RtcpSenderReport):
        info = _SENDER_INFO.pack(
            packet.ssrc,
            packet.ntp_timestamp & 0xFFFFFFFFFFFFFFFF,
            packet.rtp_timestamp & 0xFFFFFFFF,
            packet.packet_count & 0xFFFFFFFF,
            packet.octet_count & 0xFFFFFFFF,
        )
        blocks = b"".join(bytes(block) for block in packet.reports)
        return _frame(len(packet.reports), RTCP_SR, info + blocks + packet.extension)
    if isinstance(packet, RtcpReceiverReport):
        blocks = b"".join(bytes(block) for block in packet.reports)
        body = _SSRC.pack(packet.ssrc) + blocks + packet.extension
        return _frame(len(packet.reports), RTCP_RR, body)
    if isinstance(packet, RtcpSourceDescription):
        body = b"".join(_build_chunk(chunk) for chunk in packet.chunks)
        return _frame(len(packet.chunks), RTCP_SDES, body)
    if isinstance(packet, RtcpBye):
        body = b"".join(_SSRC.pack(source) for source in packet.sources)
        if packet.reason:
            if len(packet.reason) > 255:
                raise ValueError("an RTCP BYE reason is at most 255 octets")
            reason = bytes([len(packet.reason)]) + packet.reason
            body += reason + bytes(-len(reason) % 4)
        return _frame(len(packet.sources), RTCP_BYE, body)
    return _frame(packet.count, packet.packet_type, packet.body)


def _build_chunk(chunk: SdesChunk) -> bytes:
    parts = [_SSRC.pack(chunk.ssrc)]
    size = 4
    for item_type, value in chunk.items:
        if len(value) > 255:
            raise ValueError(f"SDES item {item_type} is longer than 255 octets")
        parts.append(bytes([item_type, len(value)]) + value)
        size += 2 + len(value)
    # At least one null octet ends the list, then pad to the next word (§6.5).
    parts.append(bytes(4 - size % 4))
    return b"".join(parts)


def build_rtcp(packets: Iterable[RtcpPacket]) -> bytes:
    """Serialize packets into one compound RTCP packet, in the given order (§6.1)."""
    return b"".join(_build_one(packet) for packet in packets)
