"""RTP packet parsing and serialization (RFC 3550 §5.1): fixtures, round trips, malformed input."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from seatline.rtp import RtpPacket, RtpParseError, RtpReceiver, alaw_decode, build_rtp, is_rtcp

from .pcap import udp_datagrams

FIXTURES = Path(__file__).parent / "fixtures"
SIPP_AUDIO = Path("/usr/share/sip-tester/g711a.pcap")


def test_captured_pcma_packet_parses_and_round_trips_byte_exact() -> None:
    data = (FIXTURES / "pcma_marker.rtp").read_bytes()
    packet = RtpPacket.parse(data)
    assert packet.payload_type == 8
    assert packet.marker is True
    assert packet.sequence_number == 59133
    assert packet.timestamp == 240
    assert packet.ssrc == 0xDEE0EE8F
    assert len(packet.payload) == 240
    assert packet.csrc == ()
    assert packet.extension_profile is None
    assert bytes(packet) == data


def test_captured_telephone_event_round_trips() -> None:
    data = (FIXTURES / "telephone_event_end.rtp").read_bytes()
    packet = RtpPacket.parse(data)
    assert (packet.payload_type, packet.marker, packet.sequence_number) == (101, False, 0x20FB)
    assert packet.payload == bytes.fromhex("0b8a08c0")
    assert bytes(packet) == data


def test_all_optional_fields_round_trip_byte_exact() -> None:
    data = bytes.fromhex(
        "b2"  # V=2 P=1 X=1 CC=2
        "88"  # M=1 PT=8
        "0001"
        "00000002"
        "00000003"  # seq, timestamp, SSRC
        "0000000a"
        "0000000b"  # CSRC list
        "bede0001"
        "10aa0000"  # one-byte header extension profile, one word
        "7878"  # payload
        "000003"  # padding: two zeros and the count
    )
    packet = RtpPacket.parse(data)
    assert packet.csrc == (10, 11)
    assert packet.extension_profile == 0xBEDE
    assert packet.extension == bytes.fromhex("10aa0000")
    assert packet.payload == b"xx"
    assert packet.padding == 3
    assert packet.marker
    assert bytes(packet) == data


def test_build_rtp_matches_the_dataclass() -> None:
    packet = RtpPacket(0, 65535, 2**32 - 1, 0x12345678, b"\xff" * 160, marker=True)
    assert build_rtp(0, 65535, 2**32 - 1, 0x12345678, b"\xff" * 160, True) == bytes(packet)
    # The fast builder wraps counters the way a sender advancing them expects.
    assert RtpPacket.parse(build_rtp(0, 65536, 2**32, 1, b"")).sequence_number == 0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "RTP packet too short: 0 bytes, need 12"),
        (bytes.fromhex("4000000100000002000000"), "RTP packet too short: 11 bytes, need 12"),
        (bytes.fromhex("400000010000000200000003"), "RTP version 1 is not 2"),
        (bytes.fromhex("820000010000000200000003000000"), "RTP CSRC list of 2 overruns the packet"),
        (bytes.fromhex("900000010000000200000003bede"), "RTP header extension is truncated"),
        (
            bytes.fromhex("900000010000000200000003bede000200000000"),
            "RTP header extension of 2 words overruns the packet",
        ),
        (bytes.fromhex("a0000001000000020000000300"), "RTP padding count 0 is invalid"),
        (bytes.fromhex("a0000001000000020000000305"), "RTP padding count 5 is invalid"),
    ],
)
def test_malformed_packets_raise_named_error(data: bytes, message: str) -> None:
    with pytest.raises(RtpParseError) as caught:
        RtpPacket.parse(data)
    assert str(caught.value) == message


@given(st.binary(max_size=80))
def test_garbage_gives_a_packet_or_rtp_parse_error(data: bytes) -> None:
    try:
        packet = RtpPacket.parse(data)
    except RtpParseError:
        return
    # Whatever parses serializes back to the same bytes when padding octets are zeros.
    if not packet.padding or data[-packet.padding : -1] == bytes(packet.padding - 1):
        assert bytes(packet) == data


@given(
    payload_type=st.integers(0, 127),
    seq=st.integers(0, 0xFFFF),
    timestamp=st.integers(0, 0xFFFFFFFF),
    ssrc=st.integers(0, 0xFFFFFFFF),
    payload=st.binary(max_size=40),
    marker=st.booleans(),
    csrc=st.lists(st.integers(0, 0xFFFFFFFF), max_size=15).map(tuple),
    extension=st.one_of(st.none(), st.binary(max_size=12).map(lambda b: b + bytes(-len(b) % 4))),
    padding=st.integers(0, 255),
)
def test_any_packet_round_trips(
    payload_type: int,
    seq: int,
    timestamp: int,
    ssrc: int,
    payload: bytes,
    marker: bool,
    csrc: tuple[int, ...],
    extension: bytes | None,
    padding: int,
) -> None:
    packet = RtpPacket(
        payload_type,
        seq,
        timestamp,
        ssrc,
        payload,
        marker,
        csrc,
        extension_profile=None if extension is None else 0x1000,
        extension=extension or b"",
        padding=padding,
    )
    assert RtpPacket.parse(bytes(packet)) == packet


def test_is_rtcp_tells_rtcp_from_rtp() -> None:
    assert is_rtcp(bytes.fromhex("80c80006"))
    assert not is_rtcp((FIXTURES / "pcma_marker.rtp").read_bytes())
    assert not is_rtcp(b"\x80")


def test_every_packet_sipp_streams_round_trips_and_is_accounted() -> None:
    if not SIPP_AUDIO.exists():
        pytest.skip("Debian package sip-tester is not installed")
    receiver = RtpReceiver()
    datagrams = udp_datagrams(SIPP_AUDIO.read_bytes())
    assert len(datagrams) == 236
    for datagram in datagrams:
        packet = RtpPacket.parse(datagram.payload)
        assert bytes(packet) == datagram.payload
        assert packet.payload_type == 8 and len(packet.payload) == 240
        receiver.receive(packet, datagram.time)
        assert alaw_decode(packet.payload).shape == (240,)
    assert (receiver.received, receiver.lost) == (236, 0)
