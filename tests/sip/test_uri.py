"""SIP, SIPS and tel URIs: parsing, rendering and §19.1.4 comparison."""

from __future__ import annotations

import pytest

from seatline.sip import SipParseError
from seatline.sip.uri import (
    AbsoluteUri,
    SipUri,
    TelUri,
    escape_user,
    parse_sip_uri,
    parse_uri,
    unescape,
    uris_equivalent,
)


def test_parse_full_sip_uri() -> None:
    uri = parse_sip_uri("sips:alice:secret@[2001:db8::1]:5061;transport=tcp;lr?subject=hi&x=1")
    assert uri == SipUri(
        "[2001:db8::1]",
        "alice",
        5061,
        (("transport", "tcp"), ("lr", None)),
        (("subject", "hi"), ("x", "1")),
        "secret",
        "sips",
    )
    assert uri.transport == "tcp" and uri.lr
    assert str(uri) == "sips:alice:secret@[2001:db8::1]:5061;transport=tcp;lr?subject=hi&x=1"
    assert str(uri.without_headers()) == "sips:alice:secret@[2001:db8::1]:5061;transport=tcp;lr"


# RFC 3261 §19.1.4: equivalent pairs, then pairs that are not.
EQUAL = [
    ("sip:%61lice@atlanta.com;transport=TCP", "sip:alice@AtLanTa.CoM;Transport=tcp"),
    ("sip:carol@chicago.com", "sip:carol@chicago.com;newparam=5"),
    ("sip:carol@chicago.com", "sip:carol@chicago.com;security=on"),
    ("sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com",
     "sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com"),
    ("sip:alice@atlanta.com?subject=project%20x&priority=urgent",
     "sip:alice@atlanta.com?priority=urgent&subject=project%20x"),
    ("tel:+1-201-555-0123", "tel:+12015550123"),
]  # fmt: skip
DIFFERENT = [
    ("SIP:ALICE@AtLanTa.CoM;Transport=udp", "sip:alice@AtLanTa.CoM;Transport=UDP"),
    ("sip:bob@biloxi.com", "sip:bob@biloxi.com:5060"),
    ("sip:bob@biloxi.com", "sip:bob@biloxi.com;transport=udp"),
    ("sip:bob@biloxi.com", "sip:bob@biloxi.com:6000;transport=tcp"),
    ("sip:carol@chicago.com", "sip:carol@chicago.com?Subject=next%20meeting"),
    ("sip:bob@phone21.boxesbybob.com", "sip:bob@192.0.2.4"),
    ("sip:carol@chicago.com;security=on", "sip:carol@chicago.com;security=off"),
    ("sip:alice@atlanta.com", "sips:alice@atlanta.com"),
    ("sip:alice@atlanta.com", "tel:+1234"),
]  # fmt: skip


@pytest.mark.parametrize(("a", "b"), EQUAL)
def test_equivalent(a: str, b: str) -> None:
    assert uris_equivalent(a, b) and uris_equivalent(b, a)


@pytest.mark.parametrize(("a", "b"), DIFFERENT)
def test_not_equivalent(a: str, b: str) -> None:
    assert not uris_equivalent(a, b) and not uris_equivalent(b, a)


def test_tel_and_other_schemes() -> None:
    tel = parse_uri("tel:+358-555-1234567;postd=pp22")
    assert isinstance(tel, TelUri) and tel.is_global and tel.params == (("postd", "pp22"),)
    assert str(tel) == "tel:+358-555-1234567;postd=pp22"
    other = parse_uri("urn:service:sos")
    assert other == AbsoluteUri("urn", "service:sos")
    with pytest.raises(SipParseError) as info:
        parse_sip_uri("urn:service:sos")
    assert info.value.status_hint == 416


@pytest.mark.parametrize(
    "text",
    [
        "<sip:a@b>",
        "sip:",
        "sip:a@",
        "sip:a@b:99999",
        "sip:a@b c",
        "sip:a@[::1",
        "sip:a%zz@b",
        "1x:y",
    ],
)
def test_bad_uris(text: str) -> None:
    with pytest.raises(SipParseError):
        parse_uri(text)


def test_escaping_round_trip() -> None:
    assert escape_user("I have spaces@x") == "I%20have%20spaces%40x"
    assert unescape(escape_user("ü+;?")) == "ü+;?"
