"""SDP parse/serialize and RFC 3264 offer/answer, hold and telephone-event."""

from __future__ import annotations

import pytest

from seatline.sip.errors import SipParseError
from seatline.sip.sdp import (
    PCMA,
    PCMU,
    TELEPHONE_EVENT,
    Codec,
    SessionDescription,
    answer_direction,
    audio_body,
    audio_offer,
    hold_offer,
    is_on_hold,
    make_answer,
    make_offer,
    negotiated,
    resume_offer,
)

OFFER = (
    "v=0\r\n"
    "o=alice 2890844526 2890844526 IN IP4 192.0.2.10\r\n"
    "s=-\r\n"
    "c=IN IP4 192.0.2.10\r\n"
    "t=0 0\r\n"
    "m=audio 49170 RTP/AVP 8 0 96\r\n"
    "a=rtpmap:8 PCMA/8000\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:96 telephone-event/8000\r\n"
    "a=fmtp:96 0-15\r\n"
    "a=ptime:20\r\n"
    "a=sendrecv\r\n"
    "m=video 51372 RTP/AVP 31\r\n"
    "a=rtpmap:31 H261/90000\r\n"
)


def test_round_trip_is_byte_exact() -> None:
    sd = SessionDescription.parse(OFFER.encode())
    assert str(sd) == OFFER
    assert sd.origin.session_version == 2890844526
    audio = sd.audio()
    assert audio is not None and audio.port == 49170
    assert [c.name for c in audio.codecs()] == ["PCMA", "PCMU", "telephone-event"]
    assert audio.codecs()[2].fmtp == "0-15"


def test_answer_keeps_offer_order_and_dynamic_event_pt() -> None:
    offer = SessionDescription.parse(OFFER)
    answer = make_answer(offer, "192.0.2.20", 30000, session_id="7", session_version=1)
    audio, video = answer.media
    assert (audio.port, audio.formats) == (30000, ["8", "96"])  # PCMA first, as offered
    assert ("fmtp", "96 0-15") in audio.attributes
    assert audio.direction == "sendrecv"
    assert (video.media, video.port) == ("video", 0)  # rejected stream keeps its m= line
    agreed = negotiated(answer, offer)
    assert agreed is not None
    assert agreed.codec.same_format(PCMA) and agreed.telephone_event == 96
    assert (agreed.remote_address, agreed.remote_port, agreed.direction) == (
        "192.0.2.10",
        49170,
        "sendrecv",
    )


def test_no_common_codec_rejects_audio() -> None:
    offer = make_offer("192.0.2.1", 4000, codecs=(Codec(18, "G729"),))
    answer = make_answer(offer, "192.0.2.2", 5000)
    assert answer.media[0].port == 0
    assert negotiated(answer, offer) is None


def test_offer_from_us_and_answer_from_peer() -> None:
    offer = make_offer("198.51.100.1", 20000, session_id="42")
    assert offer.audio() is not None
    text = str(offer)
    assert "m=audio 20000 RTP/AVP 0 8 101\r\n" in text
    assert "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\n" in text
    peer = make_answer(offer, "203.0.113.5", 7078, supported=(PCMA, TELEPHONE_EVENT))
    agreed = negotiated(offer, peer)
    assert agreed is not None and agreed.codec.name == "PCMA" and agreed.telephone_event == 101
    no_dtmf = make_answer(offer, "203.0.113.5", 7078, supported=(PCMU,))
    agreed = negotiated(offer, no_dtmf)
    assert agreed is not None and agreed.telephone_event is None


@pytest.mark.parametrize(
    ("offered", "wanted", "expected"),
    [
        ("sendrecv", "sendrecv", "sendrecv"),
        ("sendonly", "sendrecv", "recvonly"),
        ("recvonly", "sendrecv", "sendonly"),
        ("inactive", "sendrecv", "inactive"),
        ("sendrecv", "recvonly", "recvonly"),
        ("sendonly", "sendonly", "inactive"),
    ],
)
def test_answer_direction(offered: str, wanted: str, expected: str) -> None:
    assert answer_direction(offered, wanted) == expected


def test_hold_and_resume() -> None:
    offer = make_offer("192.0.2.1", 4000, session_version=3)
    held = hold_offer(offer)
    assert is_on_hold(held) and not is_on_hold(offer)
    assert held.origin.session_version == 4  # RFC 3264 §8: a new offer bumps the version
    audio = held.audio()
    assert audio is not None and audio.direction == "sendonly"
    answer = make_answer(held, "192.0.2.2", 5000)
    agreed = negotiated(answer, held)
    assert agreed is not None and agreed.direction == "recvonly"
    resumed = resume_offer(held)
    assert resumed.origin.session_version == 5 and not is_on_hold(resumed)
    legacy = SessionDescription.parse(str(offer).replace("c=IN IP4 192.0.2.1", "c=IN IP4 0.0.0.0"))
    assert is_on_hold(legacy)
    agreed = negotiated(offer, legacy)
    assert agreed is not None and agreed.direction == "recvonly"


def test_bad_sdp() -> None:
    with pytest.raises(SipParseError) as info:
        SessionDescription.parse("o=x\r\n")
    assert info.value.status_hint == 488
    with pytest.raises(SipParseError):
        SessionDescription.parse("v=0\r\nm=audio notaport RTP/AVP 0\r\n")


def test_ipv6_offer() -> None:
    offer = make_offer("2001:db8::1", 4000)
    assert "c=IN IP6 2001:db8::1" in str(offer)
    assert SessionDescription.parse(str(offer)).address_of(offer.media[0]) == "2001:db8::1"


SIPP_OFFER = (
    "v=0\r\no=user1 53655765 2353687637 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 198.51.100.7\r\n"
    "t=0 0\r\nm=audio 6000 RTP/AVP 18 8 0 101 96\r\na=rtpmap:101 telephone-event/8000\r\n"
    "a=rtpmap:96 telephone-event/8000\r\na=sendonly\r\n"
)


def test_audio_offer_reads_one_stream_in_one_call() -> None:
    offer = audio_offer(SIPP_OFFER.encode())
    assert offer.address == "198.51.100.7"
    assert offer.port == 6000
    assert offer.codec == 8  # G.729 (18) is skipped: first G.711 in the peer's order
    assert offer.dtmf_payload_types == (101, 96)
    assert offer.dtmf_payload_type == 101
    assert offer.direction == "sendonly"


def test_audio_offer_reads_old_hold_as_inactive_and_media_level_address() -> None:
    held = SIPP_OFFER.replace("198.51.100.7", "0.0.0.0").replace("a=sendonly", "a=sendrecv")
    assert audio_offer(held).direction == "inactive"
    media_level = OFFER.replace("a=ptime:20", "c=IN IP4 203.0.113.5\r\na=ptime:20")
    first = audio_offer(media_level)
    assert (first.address, first.codec, first.dtmf_payload_types) == ("203.0.113.5", 8, (96,))
    assert first.direction == "sendrecv"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (("18 8 0 101 96", "18 101"), "no common codec"),
        (("m=audio 6000", "m=audio 0"), "no audio stream"),
        (("m=audio", "m=video"), "no audio stream"),
        (("c=IN IP4 198.51.100.7\r\n", ""), "no connection address"),
    ],
)
def test_audio_offer_without_usable_audio_is_488(change: tuple[str, str], reason: str) -> None:
    with pytest.raises(SipParseError) as info:
        audio_offer(SIPP_OFFER.replace(*change))
    assert info.value.status_hint == 488
    assert reason in info.value.reason


def test_audio_body_round_trips_through_audio_offer() -> None:
    body = audio_body("192.0.2.1", 5000, (8, 0), 101, "recvonly", session_version=3)
    parsed = SessionDescription.parse(body)
    assert parsed.origin.session_version == 3
    audio = parsed.audio()
    assert audio is not None and audio.attribute("fmtp") == "101 0-16"
    assert audio_offer(body) == audio_offer(body.decode())
    offer = audio_offer(body)
    assert (offer.address, offer.port, offer.codec) == ("192.0.2.1", 5000, 8)
    assert (offer.dtmf_payload_types, offer.direction) == ((101,), "recvonly")
    assert audio_offer(audio_body("192.0.2.1", 5000, (0,), None)).dtmf_payload_types == ()
