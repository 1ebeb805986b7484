"""RFC 4475 torture messages: parse, validate, and the status each one earns."""

from __future__ import annotations

from pathlib import Path

import pytest

from seatline.sip import SipParseError, SipRequest, SipResponse, parse_message, parse_stream
from seatline.sip.responses import response_for_bad_request
from seatline.sip.uri import AbsoluteUri, SipUri, parse_uri, unescape
from seatline.sip.validate import (
    accepts,
    body_type_supported,
    unsupported_extensions,
    validate_request,
    validate_response,
)

TORTURE = Path(__file__).parent / "torture"

VALID = [
    "wsinv", "intmeth", "esc01", "escnull", "esc02", "lwsdisp", "longreq", "dblreq",
    "semiuri", "transports", "mpart01", "unreason", "noreason",
    # valid syntax; the transaction or application layer decides (§3.2, §3.3, §3.4)
    "badbranch", "unksm2", "bext01", "invut", "regaut01", "bcast", "zeromf", "cparam01",
    "cparam02", "regescrt", "sdp01", "inv2543",
]  # fmt: skip

INVALID = {
    "badinv01": 400, "clerr": 400, "ncl": 400, "scalar02": 400, "scalarlg": 400,
    "quotbal": 400, "ltgtruri": 400, "lwsruri": 400, "lwsstart": 400, "trws": 400,
    "escruri": 400, "baddate": 400, "regbadct": 400, "badaspec": 400, "baddn": 400,
    # mismatch02: §3.1.2.18 prefers 501 but names 400 as acceptable
    "badvers": 505, "mismatch01": 400, "mismatch02": 400, "bigcode": 400,
    "insuf": 400, "unkscm": 416, "novelsc": 416, "multi01": 400, "mcl01": 400,
}  # fmt: skip


def load(name: str) -> bytes:
    return (TORTURE / f"{name}.dat").read_bytes()


def check(data: bytes) -> SipRequest | SipResponse:
    """Parse and validate like the switch does; raise SipParseError on rejection."""
    msg = parse_message(data)
    if isinstance(msg, SipRequest):
        validate_request(msg)
    else:
        validate_response(msg)
    return msg


def test_the_corpus_is_complete() -> None:
    names = {p.stem for p in TORTURE.glob("*.dat")}
    assert names == set(VALID) | set(INVALID)
    assert len(names) == 49


@pytest.mark.parametrize("name", sorted((set(VALID) | set(INVALID)) - {"mpart01"}))
def test_every_line_ends_in_crlf(name: str) -> None:
    """RFC 4475's archive uses CRLF throughout (mpart01's DER part holds bare CR/LF octets)."""
    data = load(name)
    assert data.endswith(b"\r\n")
    assert b"\n" not in data.replace(b"\r\n", b"") and b"\r" not in data.replace(b"\r\n", b"")


@pytest.mark.parametrize("name", VALID)
def test_declared_length_matches_the_body(name: str) -> None:
    msg = check(load(name))
    declared = msg.headers.get("Content-Length")
    if name == "inv2543":  # RFC 2543 style: no Content-Length, the datagram ends the body
        assert declared is None and len(msg.body) == 105
        return
    assert declared is not None
    assert len(msg.body) == int(declared)


def test_bytes_the_rfc_spells_out() -> None:
    """Octets that typing from memory got wrong once; each is as RFC 4475 §3 prints it."""
    for name in ("ltgtruri", "lwsruri"):
        assert b"Content-Length: 159\r\n" in load(name) and b"t=3149328700 0\r\n" in load(name)
    assert load("unkscm").startswith(
        b"OPTIONS nobodyKnowsThisScheme:totallyopaquecontent SIP/2.0\r\n"
    )
    trws = load("trws")
    assert trws.startswith(b"OPTIONS sip:remote-target@example.com SIP/2.0  \r\n")
    assert b"host1.examle.com" in trws  # the RFC's own spelling
    multi01 = load("multi01")
    assert b"\r\nl: 154\r\n" in multi01 and len(multi01.split(b"\r\n\r\n", 1)[1]) == 152
    assert b"l: 138\r\n\r\nv=0\r\no=mhandley" in load("mismatch02")
    assert load("noreason").startswith(b"SIP/2.0 100 \r\n")
    assert b"Content-Length: 0\r\n\r\n\r\nINVITE sip:joe@example.com" in load("dblreq")
    assert b"\x00" not in load("escnull") and load("escnull").count(b"%00") == 5
    assert b'To: "BEL:\\\x07 NUL:\\\x00 DEL:\\\x7f" <sip:' in load("intmeth")
    assert b"1" + b"0" * 100 + b"\r\n" in load("scalar02")


@pytest.mark.parametrize("name", VALID)
def test_valid_messages_parse_and_validate(name: str) -> None:
    msg = check(load(name))
    again = parse_message(bytes(msg))  # serialising keeps every field
    assert (again.start_line(), again.body) == (msg.start_line(), msg.body)
    before, after = msg.headers.copy(), again.headers.copy()
    before.remove("Content-Length")  # always rewritten (inv2543 has none)
    after.remove("Content-Length")
    assert after == before


@pytest.mark.parametrize(("name", "status"), sorted(INVALID.items()))
def test_invalid_messages_are_rejected_with_their_status(name: str, status: int) -> None:
    with pytest.raises(SipParseError) as info:
        check(load(name))
    assert info.value.status_hint == status


@pytest.mark.parametrize(("name", "status"), sorted(INVALID.items()))
def test_bad_requests_get_an_error_response(name: str, status: int) -> None:
    data = load(name)
    with pytest.raises(SipParseError) as info:
        check(data)
    answer = response_for_bad_request(data, info.value, to_tag="t1")
    if data.startswith(b"SIP/"):
        assert answer is None  # responses are never answered
        return
    assert answer is not None
    assert answer.status == status
    sent = SipResponse.parse(bytes(answer))
    assert sent.headers.get_all("Via") == parse_message_lenient_vias(data)


def parse_message_lenient_vias(data: bytes) -> list[str]:
    lines = data.split(b"\r\n\r\n", 1)[0].decode("utf-8", "replace").split("\r\n")
    out = []
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() in ("via", "v"):
            out.append(value.strip())
    return out


def test_wsinv_fields() -> None:
    msg = check(load("wsinv"))
    assert isinstance(msg, SipRequest)
    assert msg.method == "INVITE"
    assert msg.uri == "sip:vivekg@chair-dnrc.example.com;unknownparam"
    assert msg.to_addr.tag == "1918181833n"
    assert msg.to_addr.uri == "sip:vivekg@chair-dnrc.example.com"
    assert msg.from_addr.display_name == 'J Rosenberg \\"'
    assert msg.from_addr.tag == "98asjd8"
    assert msg.headers.get("max-forwards") == "0068"
    assert (msg.cseq.seq, msg.cseq.method) == (9, "INVITE")
    vias = msg.vias
    assert [(v.transport, v.host, v.branch) for v in vias] == [
        ("UDP", "192.0.2.2", "390skdjuw"),
        ("TCP", "spindle.example.com", "z9hG4bK9ikj8"),
        ("UDP", "192.168.255.111", "z9hG4bK30239"),
    ]
    contact = msg.headers.get("Contact")
    assert contact is not None
    assert msg.headers.get("s") == ""
    assert msg.headers.get("Subject") == ""
    assert msg.headers.get("NewFangledHeader") == "newfangled value continued newfangled value"
    assert msg.headers.get("UnknownHeaderWithUnusualValue") == ";;,,;;,;"
    assert msg.content_type == "application/sdp"
    assert len(msg.body) == 150


def test_wsinv_contact_params() -> None:
    from seatline.sip.headers import parse_name_addr

    msg = check(load("wsinv"))
    contact = parse_name_addr(msg.headers.get("m") or "")
    assert contact.display_name == 'Quoted string ""'
    assert contact.param("newparam") == "newvalue"
    assert contact.param("secondparam") == ""
    assert contact.q == 0.33


def test_intmeth_unusual_method_and_uri() -> None:
    msg = check(load("intmeth"))
    assert isinstance(msg, SipRequest)
    assert msg.method == "!interesting-Method0123456789_*+`.%indeed'~"
    uri = parse_uri(msg.uri)
    assert isinstance(uri, SipUri)
    assert uri.user == "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*"
    assert uri.password == "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)"
    assert uri.host == "example.com"
    assert msg.to_addr.display_name == "BEL:\x07 NUL:\x00 DEL:\x7f"
    assert msg.headers.get("extensionHeader-!.%*+_`'~") == "\ufeff\u5927\u505c\u96fb"


def test_esc01_escaped_uris() -> None:
    msg = check(load("esc01"))
    assert isinstance(msg, SipRequest)
    ruri = parse_uri(msg.uri)
    assert isinstance(ruri, SipUri)
    assert unescape(ruri.user or "") == "sips:user@example.com"
    from_uri = parse_uri(msg.from_addr.uri)
    assert isinstance(from_uri, SipUri)
    assert unescape(from_uri.user or "") == "I have spaces"
    assert parse_uri(msg.to_addr.uri).equivalent(parse_uri("sip:user@example.com"))
    contact = parse_uri("sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31")
    assert contact.equivalent(parse_uri("sip:caller@host5.example.net;lr;name=value%2541"))


def test_escnull_keeps_nul_octets() -> None:
    msg = check(load("escnull"))
    uri = parse_uri(msg.from_addr.uri)
    assert isinstance(uri, SipUri)
    assert unescape(uri.user or "") == "null-\x00-null"
    assert len(msg.headers.get_all("Contact")) == 2


def test_esc02_percent_is_not_an_escape_in_tokens() -> None:
    msg = check(load("esc02"))
    assert isinstance(msg, SipRequest)
    assert msg.method == "RE%47IST%45R"
    assert msg.to_addr.display_name == "%Z%45"
    assert len(msg.headers.get_all("Contact")) == 2
    assert msg.headers.get("C%6Fntact") == "<sip:alias2@host2.example.com>"


def test_longreq_huge_headers() -> None:
    msg = check(load("longreq"))
    assert len(msg.vias) == 34
    assert msg.vias[-1].received == "192.0.2.5"
    assert msg.call_id == "longreq.one" + "really" * 20 + "longcallid"
    assert "extreme" * 10 in (msg.to_addr.display_name or "")
    assert msg.from_addr.tag == "12" + "982" * 50 + "424"
    assert msg.headers.get("Unknown-" + "Long" * 20 + "-Name") is not None


def test_dblreq_datagram_takes_only_the_first_message() -> None:
    data = load("dblreq")
    msg = check(data)
    assert isinstance(msg, SipRequest)
    assert msg.method == "REGISTER"
    assert msg.body == b""
    # On a stream the same bytes carry two messages, framed by Content-Length.
    msgs, rest = parse_stream(data)
    assert [m.method for m in msgs if isinstance(m, SipRequest)] == ["REGISTER", "INVITE"]
    # The noise INVITE says Content-Length 150 but carries 153 octets ("m =video" included).
    assert msgs[1].body.startswith(b"v=0\r\n") and b"m =video" in msgs[1].body
    assert len(msgs[1].body) == 150
    assert rest == b"C\r\n"


def test_semiuri_user_part_with_semicolons() -> None:
    msg = check(load("semiuri"))
    assert isinstance(msg, SipRequest)
    uri = parse_uri(msg.uri)
    assert isinstance(uri, SipUri)
    assert unescape(uri.user or "") == "user;par=u@example.net"
    assert uri.host == "example.com"
    assert uri.params == ()
    assert len(msg.headers.get_list("Accept")) == 6


def test_transports_keeps_unknown_transport() -> None:
    msg = check(load("transports"))
    assert [v.transport for v in msg.vias] == ["UDP", "SCTP", "TLS", "UNKNOWN", "TCP"]


def test_mpart01_binary_body_survives() -> None:
    msg = check(load("mpart01"))
    assert msg.content_type == "multipart/mixed"
    assert msg.headers.get("Content-Length") == "553"
    assert len(msg.body) == 553
    assert msg.body.startswith(b"--7a9cbec02ceef655\r\nContent-Type: text/plain\r\n")
    assert msg.body.endswith(b"\x99\xd0\x05\r\n--7a9cbec02ceef655--\r\n")
    # The S/MIME part is DER (342 octets) with NUL, CR and LF octets inside it.
    blob = msg.body.split(b"binary\r\n\r\n")[2].split(b"\r\n--7a9cbec02ceef655--")[0]
    assert blob.startswith(b"\x30\x82\x01\x52\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x02")
    assert len(blob) == 4 + 0x152
    assert b"\x00" in blob and b"\x0a" in blob


def test_unreason_and_noreason() -> None:
    msg = check(load("unreason"))
    assert isinstance(msg, SipResponse)
    assert msg.status == 200
    assert msg.reason.startswith("= 2**3 * 5**2 ")
    assert "\u043f\u0440\u043e\u0441\u0442\u043e\u0435" in msg.reason
    empty = check(load("noreason"))
    assert isinstance(empty, SipResponse)
    assert (empty.status, empty.reason) == (100, "")


def test_application_layer_cases() -> None:
    bext = check(load("bext01"))
    assert isinstance(bext, SipRequest)
    assert unsupported_extensions(bext, frozenset({"100rel"})) == [
        "nothingSupportsThis",
        "nothingSupportsThisEither",
    ]
    invut = check(load("invut"))
    assert isinstance(invut, SipRequest)
    assert not body_type_supported(invut, frozenset({"application/sdp"}))
    sdp01 = check(load("sdp01"))
    assert isinstance(sdp01, SipRequest)
    assert not accepts(sdp01, "application/sdp")  # answer 406
    unksm2 = check(load("unksm2"))
    assert isinstance(parse_uri(unksm2.to_addr.uri), AbsoluteUri)
    zeromf = check(load("zeromf"))
    assert zeromf.headers.get("Max-Forwards") == "0"
    bcast = check(load("bcast"))
    assert bcast.vias[1].host == "255.255.255.255"


def test_contact_parameter_ownership() -> None:
    from seatline.sip.headers import parse_name_addr

    c1 = parse_name_addr(check(load("cparam01")).headers.get("Contact") or "")
    assert c1.uri == "sip:+19725552222@gw1.example.net"
    assert c1.param("unknownparam") == ""
    c2 = parse_name_addr(check(load("cparam02")).headers.get("Contact") or "")
    assert c2.params == ()
    uri = parse_uri(c2.uri)
    assert isinstance(uri, SipUri)
    assert uri.param("unknownparam") == ""
    reg = parse_name_addr(check(load("regescrt")).headers.get("m") or "")
    escaped = parse_uri(reg.uri)
    assert isinstance(escaped, SipUri)
    assert escaped.headers == (("Route", "%3Csip:sip.example.com%3E"),)


def test_longreq_unknown_header_keeps_its_spaces() -> None:
    msg = check(load("longreq"))
    value = msg.headers.get("Unknown-" + "Long" * 20 + "-Name")
    assert value == (
        f"unknown-{'long' * 20}-value; unknown-{'long' * 20}-parameter-name = "
        f"unknown-{'long' * 20}-parameter-value"
    )
    assert msg.vias[-1].branch == "very" + "long" * 50 + "branchvalue"
    assert msg.to_addr.display_name == f"I have a user name of {'extreme' * 10} proportion"


def test_other_valid_fields() -> None:
    from seatline.sip.headers import parse_name_addr

    lwsdisp = check(load("lwsdisp"))
    assert (lwsdisp.from_addr.display_name, lwsdisp.from_addr.tag) == ("caller", "323")
    assert lwsdisp.from_addr.uri == "sip:caller@example.com"
    badbranch = check(load("badbranch"))
    assert badbranch.branch == "z9hG4bK"  # only the magic cookie (§3.2.1)
    regaut01 = check(load("regaut01"))
    assert regaut01.headers.get("Authorization") == "NoOneKnowsThisScheme opaque-data=here"
    unksm2 = check(load("unksm2"))
    assert parse_name_addr(unksm2.headers.get("Contact") or "").uri == "name:John_Smith"
    assert unksm2.from_addr.uri == "http://www.example.com"
    esc01 = check(load("esc01"))
    assert (esc01.content_type, len(esc01.body)) == ("application/sdp", 150)
    transports = check(load("transports"))
    assert transports.call_id == "transports.kijh4akdnaqjkwendsasfdj"
    wsinv = check(load("wsinv"))
    route = wsinv.headers.get("Route")
    assert route == "<sip:services.example.com;lr;unknownwith=value;unknown-no-value>"
    assert wsinv.body.startswith(b"v=0\r\no=mhandley 29739 7272939 IN IP4 192.0.2.3\r\n")
    assert wsinv.body.endswith(b"a=rtpmap:31 LPC\r\n")


def test_inv2543_without_branch_or_tags() -> None:
    msg = check(load("inv2543"))
    assert msg.branch is None
    assert msg.from_addr.tag is None
    assert msg.body.endswith(b"m=audio 49217 RTP/AVP 0\r\n")


TORTURE_5118 = Path(__file__).parent / "torture5118"


@pytest.mark.parametrize(
    "name",
    ["ipv6-good", "port-ambiguous", "port-unambiguous", "via-received-param-with-delim",
     "ipv4-mapped-ipv6"],
)  # fmt: skip
def test_rfc5118_valid_ipv6_messages(name: str) -> None:
    data = (TORTURE_5118 / f"{name}.dat").read_bytes()
    assert b"\r" not in data  # bare LF, as RFC 5118's archive has it
    msg = check(data)
    for via in msg.vias:
        assert via.host.startswith("[") and via.host.endswith("]")
    if isinstance(msg, SipRequest):
        uri = parse_uri(msg.uri)
        assert isinstance(uri, SipUri)


def test_rfc5118_ports_and_references() -> None:
    def ruri(name: str) -> SipUri:
        msg = check((TORTURE_5118 / f"{name}.dat").read_bytes())
        assert isinstance(msg, SipRequest)
        uri = parse_uri(msg.uri)
        assert isinstance(uri, SipUri)
        return uri

    assert (ruri("port-ambiguous").host, ruri("port-ambiguous").port) == (
        "[2001:db8::10:5070]",
        None,
    )
    assert (ruri("port-unambiguous").host, ruri("port-unambiguous").port) == (
        "[2001:db8::10]",
        5070,
    )
    msg = check((TORTURE_5118 / "via-received-param-with-delim.dat").read_bytes())
    from seatline.sip.rport import response_address

    assert response_address(msg.top_via) == ("2001:db8::9:255", 5060)
    mapped = check((TORTURE_5118 / "ipv4-mapped-ipv6.dat").read_bytes())
    assert mapped.vias[0].port == 19823
    from seatline.sip.sdp import SessionDescription

    sdp = SessionDescription.parse(mapped.body)
    audio = sdp.audio()
    assert audio is not None and sdp.address_of(audio) == "::ffff:192.0.2.2"


def test_rfc5118_unbracketed_ipv6_request_uri_is_rejected() -> None:
    with pytest.raises(SipParseError) as info:
        check((TORTURE_5118 / "ipv6-bad.dat").read_bytes())
    assert info.value.status_hint == 400


@pytest.mark.parametrize(("name", "status"), sorted(INVALID.items()))
def test_transaction_layer_answers_or_drops_each_invalid_message(name: str, status: int) -> None:
    from seatline.sip import MessageRejected, TransactionLayer

    layer = TransactionLayer()
    data = load(name)
    layer.receive_datagram(data, ("192.0.2.1", 5060), "UDP", 0.0)
    event = layer.next_event()
    assert isinstance(event, MessageRejected)
    sent = layer.datagrams_to_send()
    if data.startswith(b"SIP/"):
        assert (event.status, sent) == (0, [])
    else:
        assert event.status == status
        assert [SipResponse.parse(o.data).status for o in sent] == [status]
    assert len(layer) == 0
