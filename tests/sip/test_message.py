"""Message parse/serialize, the header collection, and stream framing."""

from __future__ import annotations

from pathlib import Path

import pytest

from seatline.sip import (
    Headers,
    SipParseError,
    SipRequest,
    SipResponse,
    StreamFramer,
    make_response,
    parse_message,
    parse_stream,
)
from seatline.sip.auth import DigestChallenge, DigestCredentials
from seatline.sip.headers import parse_contacts, parse_via

FIXTURES = Path(__file__).parent / "fixtures"
FIXTURE_FILES = sorted(FIXTURES.glob("*.sip"))


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: p.stem)
def test_fixture_round_trip_is_byte_exact(path: Path) -> None:
    data = path.read_bytes()
    assert bytes(parse_message(data)) == data


def test_fixture_fields() -> None:
    invite = SipRequest.parse((FIXTURES / "invite.sip").read_bytes())
    assert (invite.method, invite.uri) == ("INVITE", "sip:bob@biloxi.example.com")
    assert invite.from_addr.display_name == "Alice" and invite.from_addr.tag == "9fxced76sl"
    assert invite.top_via.has_rport and invite.top_via.rport is None
    assert invite.body.endswith(b"a=rtpmap:0 PCMU/8000\r\n")
    ringing = SipResponse.parse((FIXTURES / "ringing.sip").read_bytes())
    assert (ringing.status, ringing.reason, ringing.to_addr.tag) == (180, "Ringing", "8321234356")
    assert ringing.top_via.rport == 5060
    register = SipRequest.parse((FIXTURES / "register.sip").read_bytes())
    contacts = parse_contacts(register.headers.get("Contact") or "")
    assert contacts != "*" and contacts[0].expires == 3600 and contacts[0].q == 0.7
    creds = DigestCredentials.parse(register.headers.get("Authorization") or "")
    assert creds.username == "bob" and creds.opaque == ""
    challenge = SipResponse.parse((FIXTURES / "unauthorized.sip").read_bytes())
    parsed = DigestChallenge.parse(challenge.headers.get("WWW-Authenticate") or "")
    assert parsed.qop == ("auth",) and not parsed.stale


def test_headers_are_case_insensitive_multi_valued_and_compact() -> None:
    headers = Headers([("v", "SIP/2.0/UDP a;branch=z9hG4bK1"), ("Via", "SIP/2.0/UDP b")])
    assert headers.get_all("VIA") == ["SIP/2.0/UDP a;branch=z9hG4bK1", "SIP/2.0/UDP b"]
    headers.prepend("Via", "SIP/2.0/UDP top")
    assert headers.get("via") == "SIP/2.0/UDP top"
    assert headers.remove_first("Via") == "SIP/2.0/UDP top"
    headers.add("Supported", "replaces, timer")
    headers.add("k", "100rel")
    assert headers.get_list("Supported") == ["replaces", "timer", "100rel"]
    headers.set("Via", "SIP/2.0/TCP c")
    assert headers.get_all("Via") == ["SIP/2.0/TCP c"]
    assert "SUPPORTED" in headers and "Require" not in headers
    assert headers.remove("supported") == 2 and len(headers) == 1


def test_folding_and_compact_forms_unfold_to_one_value() -> None:
    data = (
        b"OPTIONS sip:a@b SIP/2.0\r\n"
        b"v: SIP/2.0/UDP h;branch=z9hG4bKx\r\n"
        b"Subject: one\r\n\ttwo\r\n   three\r\n"
        b"f: <sip:x@y>;tag=1\r\nt: <sip:a@b>\r\ni: c\r\nCSeq: 1 OPTIONS\r\nl: 0\r\n\r\n"
    )
    msg = parse_message(data)
    assert msg.headers.get("s") == "one two three"
    assert msg.call_id == "c" and msg.headers.get("Content-Length") == "0"


def test_serialisation_rewrites_content_length() -> None:
    req = SipRequest("MESSAGE", "sip:a@b", Headers([("Content-Length", "999")]), b"hello")
    assert bytes(req).endswith(b"Content-Length: 5\r\n\r\nhello")
    bare = SipRequest("OPTIONS", "sip:a@b")
    assert bytes(bare) == b"OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 0\r\n\r\n"


def test_make_response_copies_headers_and_adds_to_tag() -> None:
    invite = SipRequest.parse((FIXTURES / "invite.sip").read_bytes())
    ok = make_response(invite, 200, to_tag="x1", headers=[("Contact", "<sip:bob@b>")])
    assert ok.reason == "OK"
    assert ok.headers.get("Via") == invite.headers.get("Via")
    assert ok.to_addr.tag == "x1" and ok.from_addr == invite.from_addr
    assert ok.cseq == invite.cseq and ok.call_id == invite.call_id
    assert make_response(invite, 100, to_tag="x1").to_addr.tag is None  # §8.2.6.2
    again = make_response(SipRequest("BYE", "sip:a@b", ok.headers.copy()), 200, to_tag="zz")
    assert again.to_addr.tag == "x1"  # an existing tag is kept


@pytest.mark.parametrize(
    ("data", "reason", "status"),
    [
        (b"INVITE sip:a@b SIP/2.0\r\n", "no blank line after the header block", 400),
        (b"INVITE sip:a@b SIP/3.0\r\n\r\n", "unsupported SIP version 'SIP/3.0'", 505),
        (b"INVITE sip:a@b HTTP/1.1\r\n\r\n", "malformed SIP version 'HTTP/1.1'", 400),
        (b"SIP/2.0 20 OK\r\n\r\n", "bad status code '20'", 400),
        (b"INV ITE sip:a@b SIP/2.0\r\n\r\n", "malformed request line", 400),
        (b"OPTIONS sip:a SIP/2.0\r\nNo colon\r\n\r\n", "header line without a colon: 'No colon'", 400),  # noqa: E501
        (b"OPTIONS sip:a SIP/2.0\r\nl: 10\r\n\r\nab", "message shorter than its Content-Length", 400),  # noqa: E501
        (b"OPTIONS sip:a@b SIP/2.0\r\nl: 12345678901\r\n\r\n", "Content-Length too large", 413),
    ],
)  # fmt: skip
def test_parse_errors_are_verbatim(data: bytes, reason: str, status: int) -> None:
    with pytest.raises(SipParseError) as info:
        parse_message(data)
    assert (info.value.reason, info.value.status_hint) == (reason, status)


def test_bare_lf_messages_are_accepted() -> None:
    msg = parse_message(b"OPTIONS sip:a@b SIP/2.0\nCall-ID: x\nl: 2\n\nhi")
    assert msg.call_id == "x" and msg.body == b"hi"


def test_via_parts() -> None:
    via = parse_via("SIP/2.0/udp [2001:db8::9]:5070;branch=z9hG4bK1;received=192.0.2.1;rport=1")
    assert (via.transport, via.host, via.port) == ("UDP", "[2001:db8::9]", 5070)
    assert (via.received, via.rport, via.branch) == ("192.0.2.1", 1, "z9hG4bK1")
    assert str(via) == "SIP/2.0/UDP [2001:db8::9]:5070;branch=z9hG4bK1;received=192.0.2.1;rport=1"


def stream_bytes() -> bytes:
    return b"".join(p.read_bytes() for p in FIXTURE_FILES)


def test_stream_framer_whole_and_byte_by_byte() -> None:
    data = b"\r\n\r\n" + stream_bytes()  # a keep-alive ping first (RFC 5626)
    whole, rest = parse_stream(data)
    assert rest == b"" and len(whole) == len(FIXTURE_FILES)
    framer = StreamFramer()
    got = []
    for i in range(len(data)):
        framer.feed(data[i : i + 1])
        while (msg := framer.next_message()) is not None:
            got.append(msg)
    assert got == whole and framer.take_pings() == 1 and framer.buffered == 0


def test_stream_needs_content_length_and_stays_failed() -> None:
    framer = StreamFramer()
    framer.feed(b"OPTIONS sip:a@b SIP/2.0\r\nCall-ID: x\r\n\r\n")
    with pytest.raises(SipParseError, match="missing Content-Length"):
        framer.next_message()
    with pytest.raises(SipParseError):
        framer.next_message()


def test_stream_limits() -> None:
    framer = StreamFramer(max_head=100)
    framer.feed(b"OPTIONS sip:a@b SIP/2.0\r\n" + b"X: y\r\n" * 50)
    with pytest.raises(SipParseError) as info:
        framer.next_message()
    assert info.value.status_hint == 513
    framer = StreamFramer(max_body=10)
    framer.feed(b"OPTIONS sip:a@b SIP/2.0\r\nl: 11\r\n\r\n")
    with pytest.raises(SipParseError, match="body too large"):
        framer.next_message()


def test_header_name_memo_never_admits_a_non_token() -> None:
    Headers().get("Bad Name")  # code may look up anything...
    with pytest.raises(SipParseError, match="bad header name"):
        parse_message(b"OPTIONS sip:a SIP/2.0\r\nBad Name: x\r\n\r\n")  # ...the wire may not
