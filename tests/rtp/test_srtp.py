"""SRTP and SRTCP (RFC 3711) protect/unprotect through libsrtp, per SDES suite (RFC 4568)."""

from __future__ import annotations

import secrets

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seatline.rtp import build_rtp, g711
from seatline.rtp.srtp import SUITES, SrtpContext, SrtpError


def pair(suite: str) -> tuple[SrtpContext, SrtpContext]:
    """Two ends of one leg: each sends with its own key and receives with the other's."""
    ours, theirs = secrets.token_bytes(30), secrets.token_bytes(30)
    return SrtpContext(suite, ours, theirs), SrtpContext(suite, theirs, ours)


def voice(seq: int) -> bytes:
    """A PCMU packet of a 1 kHz tone: the clear payload is anything but random."""
    pcm = (8000 * np.sin(2 * np.pi * 1000 * (np.arange(160) + 160 * seq) / 8000)).astype(np.int16)
    return build_rtp(0, seq, seq * 160, 0x1234, g711.encode(pcm, g711.PCMU))


@pytest.mark.parametrize(
    ("suite", "tag"), [("AES_CM_128_HMAC_SHA1_80", 10), ("AES_CM_128_HMAC_SHA1_32", 4)]
)
def test_what_one_end_protects_the_other_unprotects(suite: str, tag: int) -> None:
    switch, phone = pair(suite)
    for seq in range(1, 60):
        packet = voice(seq)
        wire = switch.protect(packet)
        assert len(wire) == len(packet) + tag
        assert wire[:12] == packet[:12]  # the header stays readable (RFC 3711 §3.1)
        assert wire[12 : len(packet)] != packet[12:]  # the payload does not
        assert phone.unprotect(wire) == packet


def test_a_tampered_or_replayed_packet_is_refused() -> None:
    switch, phone = pair("AES_CM_128_HMAC_SHA1_80")
    wire = bytearray(switch.protect(voice(7)))
    wire[20] ^= 1
    with pytest.raises(SrtpError):
        phone.unprotect(bytes(wire))
    good = switch.protect(voice(8))
    assert phone.unprotect(good) == voice(8)
    with pytest.raises(SrtpError):
        phone.unprotect(good)


def test_the_wrong_key_does_not_decrypt() -> None:
    switch, _ = pair("AES_CM_128_HMAC_SHA1_80")
    stranger = SrtpContext(
        "AES_CM_128_HMAC_SHA1_80", secrets.token_bytes(30), secrets.token_bytes(30)
    )
    with pytest.raises(SrtpError):
        stranger.unprotect(switch.protect(voice(1)))


def test_rtcp_round_trip_and_detection() -> None:
    switch, phone = pair("AES_CM_128_HMAC_SHA1_80")
    receiver_report = bytes([0x80, 201, 0, 1]) + (0x1234).to_bytes(4, "big")
    wire = switch.protect_rtcp(receiver_report)
    assert SrtpContext.is_rtcp(wire) and not SrtpContext.is_rtcp(voice(1))
    assert phone.unprotect_rtcp(wire) == receiver_report


def test_any_ssrc_may_send_on_one_context() -> None:
    """A bridged leg sends the partner's relayed packets and its own prompts on one context."""
    switch, phone = pair("AES_CM_128_HMAC_SHA1_80")
    for ssrc in (1, 2, 3):
        packet = build_rtp(8, 100, 0, ssrc, b"\xd5" * 160)
        assert phone.unprotect(switch.protect(packet)) == packet


def test_bad_keys_and_suites_are_refused() -> None:
    with pytest.raises(SrtpError):
        SrtpContext("F8_128_HMAC_SHA1_80", secrets.token_bytes(30), secrets.token_bytes(30))
    with pytest.raises(SrtpError):
        SrtpContext("AES_CM_128_HMAC_SHA1_80", b"short", secrets.token_bytes(30))
    assert set(SUITES) == {"AES_CM_128_HMAC_SHA1_80", "AES_CM_128_HMAC_SHA1_32"}


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_garbage_from_the_network_is_an_srtp_error_never_a_crash(data: bytes) -> None:
    _, phone = pair("AES_CM_128_HMAC_SHA1_32")
    with pytest.raises(SrtpError):
        phone.unprotect(data)
    with pytest.raises(SrtpError):
        phone.unprotect_rtcp(data)
