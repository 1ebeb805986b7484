"""Dialogs (RFC 3261 §12): creation on both sides, in-dialog requests and route sets."""

from __future__ import annotations

import pytest

from seatline.sip import Headers, SipRequest, make_response
from seatline.sip.dialog import Dialog, DialogId, DialogState, uac_dialog_id, uas_dialog_id
from seatline.sip.errors import SipStateError

from .harness import UAS_ADDR, Pair, drain, request


def invite_with_routes() -> SipRequest:
    req = request("INVITE", cseq=314)
    req.headers.add("Record-Route", "<sip:p2.example.com;lr>, <sip:p1.example.com;lr>")
    return req


def test_uac_and_uas_dialogs_mirror_each_other() -> None:
    invite = invite_with_routes()
    ok = make_response(invite, 200, to_tag="b7")
    ok.headers.add("Contact", "<sip:bob@192.0.2.2:5060>")
    for name, value in invite.headers.items():
        if name == "Record-Route":
            ok.headers.add(name, value)
    uac = Dialog.from_uac(invite, ok, "sip:alice@192.0.2.1:5060")
    uas = Dialog.from_uas(invite, "b7", "sip:bob@192.0.2.2:5060", confirmed=True)
    assert uac.id == DialogId("call-1@192.0.2.1", "a1", "b7")
    assert uas.id == DialogId("call-1@192.0.2.1", "b7", "a1")
    assert uac.state is uas.state is DialogState.CONFIRMED
    assert uac.remote_target == "sip:bob@192.0.2.2:5060"
    assert uas.remote_target == "sip:alice@192.0.2.1:5060"
    # §12.1.1/§12.1.2: the UAS keeps Record-Route order, the UAC reverses it.
    assert uas.route_set == ["<sip:p2.example.com;lr>", "<sip:p1.example.com;lr>"]
    assert uac.route_set == ["<sip:p1.example.com;lr>", "<sip:p2.example.com;lr>"]
    assert uac_dialog_id(ok) == uac.id
    assert (uac.local_seq, uas.remote_seq) == (314, 314)


def confirmed_uac(record_route: str | None = None) -> Dialog:
    invite = request("INVITE", cseq=5)
    ok = make_response(invite, 200, to_tag="b7")
    ok.headers.add("Contact", "<sip:bob@192.0.2.2:5070;transport=udp>")
    if record_route:
        ok.headers.add("Record-Route", record_route)
    return Dialog.from_uac(invite, ok, "sip:alice@192.0.2.1:5060")


def test_bye_with_loose_route_set() -> None:
    dialog = confirmed_uac("<sip:p2.example.com;lr>, <sip:p1.example.com;lr>")
    bye = dialog.create_request("BYE", "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-bye")
    assert bye.uri == "sip:bob@192.0.2.2:5070;transport=udp"
    assert bye.headers.get_all("Route") == ["<sip:p1.example.com;lr>", "<sip:p2.example.com;lr>"]
    assert (bye.cseq.seq, bye.cseq.method) == (6, "BYE")
    assert bye.to_addr.tag == "b7" and bye.from_addr.tag == "a1"
    assert bye.headers.get("Contact") is None
    assert dialog.next_hop() == "sip:p1.example.com;lr"
    assert uas_dialog_id(bye) == DialogId("call-1@192.0.2.1", "b7", "a1")


def test_strict_route_puts_the_target_last() -> None:
    dialog = confirmed_uac("<sip:strict.example.com>")
    reinvite = dialog.create_request(
        "INVITE",
        "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-re",
        body=b"v=0\r\n",
        content_type="application/sdp",
    )
    assert reinvite.uri == "sip:strict.example.com"
    assert reinvite.headers.get_all("Route") == ["<sip:bob@192.0.2.2:5070;transport=udp>"]
    assert reinvite.headers.get("Contact") == "<sip:alice@192.0.2.1:5060>"  # target refresh
    assert reinvite.content_type == "application/sdp"


def test_ack_for_2xx_reuses_the_invite_cseq_and_refer_counts_up() -> None:
    dialog = confirmed_uac()
    ack = dialog.create_ack(5, "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-ack")
    assert (ack.method, ack.cseq.seq, ack.cseq.method) == ("ACK", 5, "ACK")
    refer = dialog.create_request(
        "REFER",
        "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-ref",
        headers=[("Refer-To", "<sip:carol@example.com>")],
    )
    assert refer.cseq.seq == 6 and refer.headers.get("Refer-To") == "<sip:carol@example.com>"
    with pytest.raises(ValueError):
        dialog.create_request("ACK", "SIP/2.0/UDP x;branch=z9hG4bK1")


def test_incoming_requests_update_remote_seq_and_target() -> None:
    invite = request("INVITE", cseq=10)
    dialog = Dialog.from_uas(invite, "b7", "sip:bob@192.0.2.2", confirmed=True)
    reinvite = request("INVITE", cseq=11, branch="z9hG4bK-2")
    reinvite.headers.set("Contact", "<sip:alice@198.51.100.7:5062>")
    assert dialog.receive_request(reinvite) is None
    assert dialog.remote_target == "sip:alice@198.51.100.7:5062"
    stale = request("BYE", cseq=9, branch="z9hG4bK-3")
    assert dialog.receive_request(stale) == 500  # §12.2.2: lower CSeq


def test_early_dialog_is_confirmed_and_then_terminated() -> None:
    invite = request("INVITE")
    ringing = make_response(invite, 180, to_tag="b7")
    ringing.headers.add("Contact", "<sip:bob@192.0.2.2>")
    dialog = Dialog.from_uac(invite, ringing, "sip:alice@192.0.2.1")
    assert dialog.state is DialogState.EARLY
    ok = make_response(invite, 200, to_tag="b7")
    ok.headers.add("Contact", "<sip:bob@192.0.2.99>")
    dialog.confirm(ok)
    assert dialog.state is DialogState.CONFIRMED and dialog.remote_target == "sip:bob@192.0.2.99"
    dialog.terminate()
    with pytest.raises(SipStateError):
        dialog.confirm()
    with pytest.raises(SipStateError):
        dialog.create_request("BYE", "SIP/2.0/UDP x;branch=z9hG4bK1")
    with pytest.raises(ValueError):
        Dialog.from_uac(invite, make_response(invite, 100), "sip:alice@192.0.2.1")


def test_full_call_through_the_pair_harness() -> None:
    pair = Pair()
    invite = request("INVITE")
    pair.uac.send_request(invite, UAS_ADDR, "UDP", 0.0)
    pair.pump()
    [incoming] = drain(pair.uas)
    uas = Dialog.from_uas(incoming.request, "b7", "sip:bob@192.0.2.2:5060")
    ok = make_response(incoming.request, 200, to_tag="b7")
    ok.headers.add("Contact", "<sip:bob@192.0.2.2:5060>")
    pair.uas.send_response(ok, 0.1)
    uas.confirm()
    pair.pump()
    final = [
        e for e in drain(pair.uac) if getattr(e, "response", None) and e.response.status == 200
    ]
    uac = Dialog.from_uac(invite, final[0].response, "sip:alice@192.0.2.1:5060")
    ack = uac.create_ack(invite.cseq.seq, "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-ack")
    pair.uac.send_stateless(ack, UAS_ADDR, "UDP")
    bye = uac.create_request("BYE", "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-bye")
    pair.uac.send_request(bye, UAS_ADDR, "UDP", 0.2)
    pair.pump()
    got = drain(pair.uas)
    assert [e.request.method for e in got] == ["ACK", "BYE"]
    assert uas.receive_request(got[1].request) is None
    pair.uas.send_response(make_response(got[1].request, 200), 0.2)
    pair.pump()
    assert [e.response.status for e in drain(pair.uac)] == [200]
    uac.terminate()
    uas.terminate()
    pair.advance(60.0)
    assert len(pair.uac) == len(pair.uas) == 0


def test_headers_helper_used_by_dialog_is_case_insensitive() -> None:
    headers = Headers([("record-route", "<sip:x;lr>")])
    assert headers.get("Record-Route") == "<sip:x;lr>"
