"""Finding 16: only ASCII digits are numbers on the wire (`str.isdigit` takes '²' and '٣').

Every numeric field of a SIP message or an SDP body either parses from ASCII digits or raises
`SipParseError`; no other exception, and no non-ASCII digit ever becomes a number.
"""

from __future__ import annotations

import pytest

from seatline.sip import SipParseError, SipResponse, parse_message
from seatline.sip.headers import (
    parse_cseq,
    parse_expires,
    parse_max_forwards,
    parse_name_addr,
    parse_via,
)
from seatline.sip.message import content_length
from seatline.sip.sdp import SessionDescription, audio_offer, make_answer
from seatline.sip.syntax import split_host_port

# Superscript two, Arabic-Indic, fullwidth and Devanagari digits; int() also takes '_' and '+'.
NON_ASCII = ["1²0", "٣٠٠", "１８０", "१००", "1_0", "+10"]


def response(code: str, extra: str = "") -> bytes:
    return (
        f"SIP/2.0 {code} Ringing\r\n"
        "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\n"
        "From: <sip:a@example.com>;tag=1\r\nTo: <sip:b@example.com>\r\n"
        f"Call-ID: x\r\nCSeq: 1 INVITE\r\n{extra}Content-Length: 0\r\n\r\n"
    ).encode()


def test_is_digits_takes_ascii_only() -> None:
    from seatline.sip.syntax import is_digits

    assert is_digits("0123456789")
    for text in ["", "²", "٣", "１", "1²", "1 ", "-1", "1_0", "+1"]:
        assert not is_digits(text), text


@pytest.mark.parametrize("code", ["1²0", "٣٠٠", "１８０", "2٠0"])
def test_status_code_with_non_ascii_digits_is_a_parse_error(code: str) -> None:
    with pytest.raises(SipParseError):
        parse_message(response(code))


def test_ascii_status_still_parses() -> None:
    msg = parse_message(response("180"))
    assert isinstance(msg, SipResponse) and msg.status == 180


@pytest.mark.parametrize("text", NON_ASCII)
def test_header_numbers_refuse_non_ascii_digits(text: str) -> None:
    for parse in (parse_cseq,):
        with pytest.raises(SipParseError):
            parse(f"{text} INVITE")
    for parse_number in (parse_expires, parse_max_forwards):
        with pytest.raises(SipParseError):
            parse_number(text)
    with pytest.raises(SipParseError):
        split_host_port(f"example.com:{text}")


@pytest.mark.parametrize("text", ["²", "٣", "1²", "１"])
def test_rport_and_content_length_refuse_non_ascii(text: str) -> None:
    via = parse_via(f"SIP/2.0/UDP 192.0.2.1;rport={text};branch=z9hG4bK1")
    with pytest.raises(SipParseError):
        _ = via.rport
    msg = parse_message(response("180"))
    msg.headers.set("Content-Length", text)
    with pytest.raises(SipParseError):
        content_length(msg)


def test_version_with_non_ascii_digits_is_malformed_not_unsupported() -> None:
    data = b"OPTIONS sip:a@example.com SIP/\xd9\xa3.0\r\n\r\n"
    with pytest.raises(SipParseError) as caught:
        parse_message(data)
    assert caught.value.status_hint == 400


def test_contact_q_refuses_non_ascii_digits() -> None:
    for q in ["٠.٥", "0.5e0", "nan", "inf", "0.5555"]:
        with pytest.raises(SipParseError):
            _ = parse_name_addr(f"<sip:a@example.com>;q={q}").q
    assert parse_name_addr("<sip:a@example.com>;q=0.5").q == 0.5
    assert parse_name_addr("<sip:a@example.com>;q=1").q == 1.0


SDP = (
    "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
    "m=audio {port} RTP/AVP {formats}\r\n{attrs}"
)


def sdp(port: str = "4000", formats: str = "0 101", attrs: str = "") -> str:
    return SDP.format(port=port, formats=formats, attrs=attrs)


@pytest.mark.parametrize(
    "body",
    [
        sdp(formats="²"),
        sdp(formats="0 ²"),
        sdp(formats="٣"),
        sdp(port="４000"),
        sdp(port="٤٠٠٠"),
        sdp(port="4_000"),
        sdp(attrs="a=rtpmap:٠ PCMU/8000\r\n", formats="٠"),
        sdp(attrs="a=rtpmap:101 telephone-event/８000\r\n"),
        sdp(attrs="a=ptime:²\r\n"),
        "v=٠\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\n",
        "v=0\r\no=- 1 ² IN IP4 192.0.2.1\r\ns=-\r\n",
    ],
)
def test_sdp_numbers_are_ascii_or_a_parse_error(body: str) -> None:
    """Each either parses (the odd format ignored) or is a SipParseError: nothing else."""
    try:
        offer = audio_offer(body)
    except SipParseError:
        return
    assert offer.port == 4000 and offer.codec == 0
    assert all(0 <= pt <= 127 for pt in offer.dtmf_payload_types)


def test_non_ascii_format_is_not_a_codec() -> None:
    media = SessionDescription.parse(sdp(formats="٠ 8")).media[0]
    assert [c.payload_type for c in media.codecs()] == [8]


def test_answer_ignores_a_bad_ptime() -> None:
    offer = SessionDescription.parse(sdp(formats="0", attrs="a=ptime:²\r\n"))
    answer = make_answer(offer, "192.0.2.2", 5000)
    assert answer.media[0].port == 5000
    assert answer.media[0].attribute("ptime") == "20"
