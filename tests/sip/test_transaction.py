"""Transaction state machines (RFC 3261 §17) driven through the in-memory pair harness."""

from __future__ import annotations

import itertools

import pytest

from seatline.sip import SipParseError, SipRequest, SipResponse, make_response, parse_message
from seatline.sip.errors import SipStateError
from seatline.sip.events import (
    MessageRejected,
    RequestReceived,
    ResponseReceived,
    TransactionKey,
    TransactionTimeout,
    TransportError,
)
from seatline.sip.layer import TransactionLayer, make_cancel, server_key
from seatline.sip.transaction import TRANSITIONS, Kind, State, TimerConfig

from .harness import UAS_ADDR, Pair, drain, request


def send_times(log: list[tuple[float, bytes]], start: bytes) -> list[float]:
    return [t for t, data in log if data.startswith(start)]


def test_invite_retransmits_over_udp_with_timer_a_and_times_out_with_b() -> None:
    pair = Pair(drop=lambda side, out: side == "uac")  # the UAS never hears us
    key = pair.uac.send_request(request("INVITE"), UAS_ADDR, "UDP", 0.0)
    pair.pump()
    pair.advance(40.0)
    # §17.1.1.2: Timer A starts at T1 and doubles each time (0.5, 1, 2, 4, 8, 16 s).
    assert send_times(pair.sent_by_uac, b"INVITE") == [0.0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5]
    assert drain(pair.uac) == [TransactionTimeout(key, "B")]  # Timer B = 64*T1 = 32 s
    assert len(pair.uac) == 0


def test_non_invite_retransmits_with_timer_e_capped_at_t2() -> None:
    pair = Pair(drop=lambda side, out: side == "uac")
    key = pair.uac.send_request(request("OPTIONS"), UAS_ADDR, "UDP", 0.0)
    pair.pump()
    pair.advance(40.0)
    times = send_times(pair.sent_by_uac, b"OPTIONS")
    gaps = [round(b - a, 3) for a, b in itertools.pairwise(times)]
    assert gaps[:4] == [0.5, 1.0, 2.0, 4.0]
    assert set(gaps[4:]) == {4.0}  # capped at T2
    assert times[-1] < 32.0
    assert drain(pair.uac) == [TransactionTimeout(key, "F")]


def test_no_retransmission_over_tcp_but_timeout_still_fires() -> None:
    pair = Pair(transport="TCP", drop=lambda side, out: side == "uac")
    key = pair.uac.send_request(request("INVITE", transport="TCP"), UAS_ADDR, "TCP", 0.0)
    pair.pump()
    pair.advance(40.0)
    assert send_times(pair.sent_by_uac, b"INVITE") == [0.0]
    assert drain(pair.uac) == [TransactionTimeout(key, "B")]


def test_provisional_stops_timer_a_in_proceeding() -> None:
    pair = Pair()  # the UAS answers 100 Trying at once (§17.2.1)
    key = pair.uac.send_request(request("INVITE"), UAS_ADDR, "UDP", 0.0)
    pair.pump()
    events = drain(pair.uac)
    assert [e.response.status for e in events if isinstance(e, ResponseReceived)] == [100]
    txn = pair.uac.transaction(key)
    assert txn is not None and txn.state is State.PROCEEDING
    pair.advance(10.0)
    assert send_times(pair.sent_by_uac, b"INVITE") == [0.0]


def test_non_2xx_final_is_acked_by_the_transaction_and_absorbed() -> None:
    pair = Pair()
    pair.uac.send_request(request("INVITE"), UAS_ADDR, "UDP", 0.0)
    pair.pump()
    [incoming] = [e for e in drain(pair.uas) if isinstance(e, RequestReceived)]
    assert incoming.key is not None
    pair.uas.send_response(make_response(incoming.request, 486, to_tag="b1"), 0.1)
    pair.pump()
    statuses = [e.response.status for e in drain(pair.uac) if isinstance(e, ResponseReceived)]
    assert statuses == [100, 486]
    acks = [data for _, data in pair.sent_by_uac if data.startswith(b"ACK ")]
    assert len(acks) == 1
    ack = parse_message(acks[0])
    assert isinstance(ack, SipRequest)
    assert ack.branch == "z9hG4bK-1" and ack.to_addr.tag == "b1"
    assert drain(pair.uas) == []  # the ACK for a non-2xx never reaches the TU
    server = pair.uas.transaction(incoming.key)
    assert server is not None and server.state is State.CONFIRMED
    pair.advance(40.0)
    assert len(pair.uac) == 0 and len(pair.uas) == 0


def test_lost_ack_makes_timer_g_retransmit_and_the_client_re_acks() -> None:
    dropped: list[bytes] = []

    def drop_first_ack(side: str, out: object) -> bool:
        data = getattr(out, "data", b"")
        if side == "uac" and data.startswith(b"ACK ") and not dropped:
            dropped.append(data)
            return True
        return False

    pair = Pair(drop=drop_first_ack)
    pair.uac.send_request(request("INVITE"), UAS_ADDR, "UDP", 0.0)
    pair.pump()
    [incoming] = [e for e in drain(pair.uas) if isinstance(e, RequestReceived)]
    pair.uas.send_response(make_response(incoming.request, 603, to_tag="b1"), 0.0)
    pair.pump()
    pair.advance(1.0)
    assert send_times(pair.sent_by_uas, b"SIP/2.0 603") == [0.0, 0.5]  # Timer G = T1
    assert len(send_times(pair.sent_by_uac, b"ACK ")) == 2
    assert [e for e in drain(pair.uac) if isinstance(e, ResponseReceived)][
        -1
    ].response.status == 603


def test_2xx_is_retransmitted_until_the_tu_acks() -> None:
    pair = Pair()
    key = pair.uac.send_request(request("INVITE"), UAS_ADDR, "UDP", 0.0)
    pair.pump()
    [incoming] = [e for e in drain(pair.uas) if isinstance(e, RequestReceived)]
    ok = make_response(incoming.request, 200, to_tag="b1")
    pair.uas.send_response(ok, 0.0)
    pair.pump()
    pair.advance(1.6)
    assert send_times(pair.sent_by_uas, b"SIP/2.0 200") == [0.0, 0.5, 1.5]
    # RFC 6026: the client transaction waits in Accepted and passes every 2xx up.
    oks = [
        e for e in drain(pair.uac) if isinstance(e, ResponseReceived) and e.response.status == 200
    ]
    assert len(oks) == 3 and all(e.key == key for e in oks)
    ack = request("ACK", branch="z9hG4bK-ack")
    ack.headers.set("To", "<sip:bob@example.com>;tag=b1")
    pair.uac.send_stateless(ack, UAS_ADDR, "UDP")
    pair.pump()
    [got] = drain(pair.uas)
    assert isinstance(got, RequestReceived) and got.request.method == "ACK" and got.key is None
    pair.advance(40.0)
    assert send_times(pair.sent_by_uas, b"SIP/2.0 200") == [0.0, 0.5, 1.5]
    assert drain(pair.uas) == []  # acked: Timer L ends it quietly
    assert len(pair.uas) == 0


def test_2xx_never_acked_times_out_with_timer_l() -> None:
    pair = Pair(drop=lambda side, out: side == "uas" and out.data.startswith(b"SIP/2.0 200"))
    pair.uac.send_request(request("INVITE"), UAS_ADDR, "UDP", 0.0)
    pair.pump()
    [incoming] = [e for e in drain(pair.uas) if isinstance(e, RequestReceived)]
    assert incoming.key is not None
    pair.uas.send_response(make_response(incoming.request, 200, to_tag="b1"), 0.0)
    pair.pump()
    pair.advance(40.0)
    times = send_times(pair.sent_by_uas, b"SIP/2.0 200")
    assert times[:4] == [0.0, 0.5, 1.5, 3.5] and times[-1] < 32.0
    assert drain(pair.uas) == [TransactionTimeout(incoming.key, "L")]


def test_cancel_after_provisional() -> None:
    pair = Pair()
    invite_key = pair.uac.send_request(request("INVITE"), UAS_ADDR, "UDP", 0.0)
    pair.pump()
    [incoming] = [e for e in drain(pair.uas) if isinstance(e, RequestReceived)]
    cancel_key = pair.uac.cancel(invite_key, 1.0)
    assert cancel_key == TransactionKey("z9hG4bK-1", "CANCEL")
    pair.pump()
    [cancel] = drain(pair.uas)
    assert isinstance(cancel, RequestReceived) and cancel.request.method == "CANCEL"
    assert cancel.cancels == incoming.key
    pair.uas.send_response(make_response(cancel.request, 200, to_tag="b1"), 1.0, cancel.key)
    pair.uas.send_response(make_response(incoming.request, 487, to_tag="b1"), 1.0)
    pair.pump()
    got = [(e.key, e.response.status) for e in drain(pair.uac) if isinstance(e, ResponseReceived)]
    assert got == [(invite_key, 100), (cancel_key, 200), (invite_key, 487)]


def test_cancel_before_any_provisional_waits_for_one() -> None:
    pair = Pair(auto_trying=False)
    invite_key = pair.uac.send_request(request("INVITE"), UAS_ADDR, "UDP", 0.0)
    pair.pump()
    [incoming] = [e for e in drain(pair.uas) if isinstance(e, RequestReceived)]
    pair.uac.cancel(invite_key, 0.1)
    pair.pump()
    assert not [d for _, d in pair.sent_by_uac if d.startswith(b"CANCEL")]  # §9.1
    pair.uas.send_response(make_response(incoming.request, 180, to_tag="b1"), 0.2)
    pair.pump()
    assert [d for _, d in pair.sent_by_uac if d.startswith(b"CANCEL")]


def test_make_cancel_copies_the_right_fields() -> None:
    invite = request("INVITE")
    invite.headers.add("Route", "<sip:proxy.example.com;lr>")
    cancel = make_cancel(invite)
    assert cancel.method == "CANCEL" and cancel.uri == invite.uri
    assert cancel.branch == invite.branch
    assert (cancel.cseq.seq, cancel.cseq.method) == (1, "CANCEL")
    assert cancel.headers.get("Route") == "<sip:proxy.example.com;lr>"


def test_retransmitted_request_is_absorbed_and_answered_again() -> None:
    pair = Pair()
    pair.uac.send_request(request("OPTIONS"), UAS_ADDR, "UDP", 0.0)
    pair.pump()
    [incoming] = drain(pair.uas)
    assert isinstance(incoming, RequestReceived)
    pair.uas.send_response(make_response(incoming.request, 200, to_tag="x"), 0.0)
    raw = bytes(request("OPTIONS"))
    pair.uas.receive_datagram(raw, ("192.0.2.1", 5060), "UDP", 0.2)
    assert drain(pair.uas) == []
    assert len(pair.uas.datagrams_to_send()) == 2  # the first answer and its repeat


def test_rport_sends_responses_to_the_observed_address() -> None:
    pair = Pair(uac_source=("203.0.113.9", 40000))
    pair.uac.send_request(request("OPTIONS"), UAS_ADDR, "UDP", 0.0)
    for out in pair.uac.datagrams_to_send():
        pair.uas.receive_datagram(out.data, ("203.0.113.9", 40000), "UDP", 0.0)
    [incoming] = drain(pair.uas)
    assert isinstance(incoming, RequestReceived)
    via = incoming.request.top_via
    assert (via.received, via.rport) == ("203.0.113.9", 40000)
    pair.uas.send_response(make_response(incoming.request, 200, to_tag="x"), 0.0)
    [out] = pair.uas.datagrams_to_send()
    assert out.address == ("203.0.113.9", 40000)
    assert b";rport=40000" in out.data and b";received=203.0.113.9" in out.data


def test_bad_request_is_answered_statelessly() -> None:
    layer = TransactionLayer()
    data = bytes(request("OPTIONS")).replace(b"CSeq: 1 OPTIONS", b"CSeq: 1 INVITE")
    layer.receive_datagram(data, ("192.0.2.1", 5060), "UDP", 0.0)
    [out] = layer.datagrams_to_send()
    assert out.data.startswith(b"SIP/2.0 400 Bad Request\r\n")
    answer = SipResponse.parse(out.data)
    assert answer.to_addr.tag  # §8.2.6.2, stable across retransmissions
    [event] = drain(layer)
    assert isinstance(event, MessageRejected) and event.status == 400
    layer.receive_datagram(b"\x00garbage\r\n\r\n", ("192.0.2.1", 5060), "UDP", 0.0)
    assert layer.datagrams_to_send() == []
    assert isinstance(layer.next_event(), MessageRejected)
    layer.receive_datagram(b"\r\n\r\n", ("192.0.2.1", 5060), "UDP", 0.0)  # keep-alive
    assert layer.next_event() is None and layer.datagrams_to_send() == []


def test_badbranch_is_matched_the_rfc2543_way() -> None:
    from pathlib import Path

    data = (Path(__file__).parent / "torture" / "badbranch.dat").read_bytes()
    msg = parse_message(data)
    assert isinstance(msg, SipRequest)
    assert server_key(msg).branch.startswith("2543:")  # a bare magic cookie is no branch
    layer = TransactionLayer()
    layer.receive_datagram(data, ("192.0.2.1", 5060), "UDP", 0.0)
    layer.receive_datagram(data, ("192.0.2.1", 5060), "UDP", 0.5)
    assert [type(e) for e in drain(layer)] == [RequestReceived]
    assert len(layer) == 1


def test_transport_error_ends_the_transaction() -> None:
    layer = TransactionLayer()
    key = layer.send_request(request("OPTIONS"), UAS_ADDR, "TCP", 0.0)
    layer.transport_error(key, "connection refused")
    assert drain(layer) == [TransportError(key, "connection refused")]
    assert len(layer) == 0 and layer.next_timer() is None


def test_illegal_moves_raise_a_named_error() -> None:
    pair = Pair()
    pair.uac.send_request(request("MESSAGE"), UAS_ADDR, "UDP", 0.0)
    pair.pump()
    [incoming] = drain(pair.uas)
    assert isinstance(incoming, RequestReceived) and incoming.key is not None
    pair.uas.send_response(make_response(incoming.request, 202, to_tag="x"), 0.0)
    with pytest.raises(SipStateError, match="already answered"):
        pair.uas.send_response(make_response(incoming.request, 500, to_tag="x"), 0.0)
    with pytest.raises(ValueError, match="z9hG4bK"):
        pair.uac.send_request(request("OPTIONS", branch="old"), UAS_ADDR, "UDP", 0.0)


def test_transition_table_covers_every_kind_and_never_leaves_terminated() -> None:
    assert set(TRANSITIONS) == set(Kind)
    for table in TRANSITIONS.values():
        assert State.TERMINATED not in table
        assert all(State.TERMINATED in targets for targets in table.values())


def test_timer_config_is_checked() -> None:
    with pytest.raises(ValueError):
        TimerConfig(t1=5.0, t2=4.0)


def test_unparseable_response_is_dropped() -> None:
    layer = TransactionLayer()
    layer.receive_datagram(b"SIP/2.0 200 OK\r\nVia: nonsense\r\n\r\n", UAS_ADDR, "UDP", 0.0)
    [event] = drain(layer)
    assert isinstance(event, MessageRejected) and event.status == 0
    assert layer.datagrams_to_send() == []


def test_response_matching_uses_cseq_method() -> None:
    layer = TransactionLayer()
    layer.send_request(request("INVITE"), UAS_ADDR, "UDP", 0.0)
    layer.datagrams_to_send()
    resp = make_response(request("INVITE"), 200, to_tag="b")
    resp.headers.set("CSeq", "1 CANCEL")  # same branch, other method: not ours
    layer.receive_message(resp, UAS_ADDR, "UDP", 0.1)
    assert drain(layer) == []
    with pytest.raises(SipParseError):
        SipResponse.parse(bytes(request("INVITE")))


def test_unanswered_requests_are_cleaned_up_by_timer_u() -> None:
    pair = Pair()
    pair.uac.send_request(request("INVITE"), UAS_ADDR, "UDP", 0.0)
    pair.uac.send_request(request("OPTIONS", branch="z9hG4bK-2"), UAS_ADDR, "UDP", 0.0)
    pair.pump()
    keys = [e.key for e in drain(pair.uas) if isinstance(e, RequestReceived)]
    pair.advance(400.0)
    timers = [e.timer for e in drain(pair.uas) if isinstance(e, TransactionTimeout)]
    assert timers.count("U") == 2  # then H too: the caller gave up long ago, nobody ACKs
    assert any(d.startswith(b"SIP/2.0 408") for _, d in pair.sent_by_uas)  # the INVITE's caller
    assert len(pair.uas) == 0 and len(keys) == 2


def test_stale_timer_entries_do_not_pile_up() -> None:
    layer = TransactionLayer()
    for i in range(6000):
        req = request("OPTIONS", branch=f"z9hG4bK-{i}", transport="TCP")
        layer.receive_message(req, ("192.0.2.1", 40000), "TCP", i * 0.01)
        event = layer.next_event()
        assert isinstance(event, RequestReceived)
        layer.send_response(make_response(event.request, 200, to_tag="t"), i * 0.01, event.key)
        layer.handle_timer(i * 0.01)  # Timer J is zero over TCP: the transaction ends
    assert len(layer) == 0
    assert len(layer._heap) <= 4096 + 1  # the 32 s guard entries were compacted away
    assert len(layer.datagrams_to_send()) == 6000
