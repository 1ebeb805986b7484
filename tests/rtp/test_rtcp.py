"""RTCP compound packets (RFC 3550 §6): SR, RR, SDES, BYE parse and build byte-exact."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from seatline.rtp import (
    ReportBlock,
    RtcpBye,
    RtcpReceiverReport,
    RtcpSenderReport,
    RtcpSourceDescription,
    RtcpUnknown,
    RtpParseError,
    SdesChunk,
    build_rtcp,
    parse_rtcp,
)

# SR with one report block, then SDES CNAME "ab", then BYE with reason "bye", laid out by hand.
COMPOUND = bytes.fromhex(
    "81c8000c"  # V=2 RC=1 PT=200 length=12 words
    "11111111"  # sender SSRC
    "e7a0b3c4"
    "80000000"  # NTP timestamp
    "0000fa00"  # RTP timestamp
    "00000064"
    "00003e80"  # packets 100, octets 16000
    "22222222"  # report block: SSRC
    "40fffffe"  # fraction 64/256, cumulative lost -2
    "00010005"  # extended highest sequence
    "00000020"  # jitter
    "b3c48000"
    "00010000"  # LSR, DLSR
    "81ca0003"  # SDES, one chunk, 3 words
    "11111111"
    "01026162"  # CNAME "ab" fills the word...
    "00000000"  # ...so the null terminator takes a whole word
    "81cb0002"
    "11111111"
    "03627965"  # BYE, one source, reason "bye"
)


KINDS = (RtcpSenderReport, RtcpReceiverReport, RtcpSourceDescription, RtcpBye, RtcpUnknown)


def test_compound_fixture_parses() -> None:
    sr, sdes, bye = parse_rtcp(COMPOUND)
    assert sr == RtcpSenderReport(
        ssrc=0x11111111,
        ntp_timestamp=0xE7A0B3C480000000,
        rtp_timestamp=64000,
        packet_count=100,
        octet_count=16000,
        reports=(ReportBlock(0x22222222, 64, -2, 0x10005, 32, 0xB3C48000, 0x10000),),
    )
    assert sdes == RtcpSourceDescription((SdesChunk(0x11111111, ((1, b"ab"),)),))
    assert bye == RtcpBye((0x11111111,), b"bye")
    assert build_rtcp([sr, sdes, bye]) == COMPOUND


def test_receiver_report_and_unknown_types_round_trip() -> None:
    packets = [
        RtcpReceiverReport(5, (ReportBlock(6, 0, 0, 70000, 3),)),
        RtcpUnknown(204, 1, b"\x00\x00\x00\x05name"),  # APP
        RtcpBye(),
    ]
    assert parse_rtcp(build_rtcp(packets)) == packets


def test_sdes_chunk_that_fills_a_word_gets_a_whole_null_word() -> None:
    chunk = SdesChunk(1, ((1, b"ab"),))  # 4 + 2 + 2 octets: the terminator needs a new word
    data = build_rtcp([RtcpSourceDescription((chunk,))])
    assert data == bytes.fromhex("81ca0003000000010102616200000000")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x81\xc8", "RTCP packet too short: 2 bytes"),
        (bytes.fromhex("41c9000100000001"), "RTCP version 1 is not 2 at offset 0"),
        (bytes.fromhex("81c9000700000001"), "RTCP packet at offset 0 claims 7 words, overruns"),
        (bytes.fromhex("81c9000100000001"), "RTCP RR too short for 1 report blocks"),
        (bytes.fromhex("81ca000100000001"), "RTCP SDES item list is not terminated"),
        (bytes.fromhex("81cb00010000000180c9"), "RTCP header truncated at offset 8"),
        (bytes.fromhex("a0c9000100000000"), "RTCP padding count 0 is invalid"),
    ],
)
def test_malformed_rtcp_raises_named_error(data: bytes, message: str) -> None:
    with pytest.raises(RtpParseError) as caught:
        parse_rtcp(data)
    assert str(caught.value) == message


@given(st.binary(max_size=120))
def test_garbage_gives_packets_or_rtp_parse_error(data: bytes) -> None:
    try:
        packets = parse_rtcp(data)
    except RtpParseError:
        return
    assert all(isinstance(packet, KINDS) for packet in packets)


@given(st.binary(max_size=60))
def test_mutated_compound_gives_packets_or_rtp_parse_error(noise: bytes) -> None:
    data = bytearray(COMPOUND)
    for i, byte in enumerate(noise):
        data[(i * 7) % len(data)] ^= byte
    try:
        packets = parse_rtcp(bytes(data))
    except RtpParseError:
        return
    assert all(isinstance(packet, KINDS) for packet in packets)
