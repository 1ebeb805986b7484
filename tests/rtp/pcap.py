"""A tiny classic-pcap reader for test fixtures: UDP payloads over Ethernet/IPv4 (or raw IPv4).

Only what the SIPp captures need: libpcap format (either byte order, µs or ns), link types
Ethernet (1, with optional 802.1Q tags), raw IP (101) and Linux cooked (113); IPv4 and IPv6.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

_ETHERNET = 1
_RAW = 101
_LINUX_SLL = 113
_UDP = 17


@dataclass(frozen=True)
class UdpDatagram:
    """One captured UDP datagram: capture time (s), ports and payload."""

    time: float
    source_port: int
    destination_port: int
    payload: bytes


def udp_datagrams(data: bytes) -> list[UdpDatagram]:
    """Every UDP datagram in a pcap file's bytes, in capture order."""
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        order = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        order = ">"
    else:
        raise ValueError(f"not a classic pcap file (magic {magic.hex()})")
    fraction = 1e-9 if magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d") else 1e-6
    link_type = struct.unpack_from(order + "I", data, 20)[0]
    out: list[UdpDatagram] = []
    pos = 24
    while pos + 16 <= len(data):
        seconds, sub, captured, _original = struct.unpack_from(order + "IIII", data, pos)
        frame = data[pos + 16 : pos + 16 + captured]
        pos += 16 + captured
        datagram = _udp(_network_layer(frame, link_type), seconds + sub * fraction)
        if datagram is not None:
            out.append(datagram)
    return out


def _network_layer(frame: bytes, link_type: int) -> bytes:
    if link_type == _RAW:
        return frame
    if link_type == _LINUX_SLL:
        return frame[16:] if frame[14:16] in (b"\x08\x00", b"\x86\xdd") else b""
    if link_type != _ETHERNET:
        raise ValueError(f"unsupported pcap link type {link_type}")
    offset, ethertype = 14, frame[12:14]
    while ethertype == b"\x81\x00":  # 802.1Q VLAN tag
        ethertype = frame[offset + 2 : offset + 4]
        offset += 4
    return frame[offset:] if ethertype in (b"\x08\x00", b"\x86\xdd") else b""


def _udp(packet: bytes, time: float) -> UdpDatagram | None:
    if not packet:
        return None
    version = packet[0] >> 4
    if version == 4:
        header = (packet[0] & 0x0F) * 4
        if packet[9] != _UDP:
            return None
        total = struct.unpack_from("!H", packet, 2)[0]
        segment = packet[header:total]
    elif version == 6:
        if packet[6] != _UDP:
            return None
        segment = packet[40 : 40 + struct.unpack_from("!H", packet, 4)[0]]
    else:
        return None
    source, destination, length = struct.unpack_from("!HHH", segment, 0)
    return UdpDatagram(time, source, destination, bytes(segment[8:length]))
