"""Benchmark of `seatline.sip`: prints one JSON line of figures (fixed seed).

Run: `.venv/bin/python bench/sip_parse.py`.

* parse_per_second: distinct INVITE datagrams (with SDP) parsed and validated per second;
* serialize_per_second: the same INVITE turned back into bytes per second;
* calls_per_second: whole calls through two transaction layers joined in memory (INVITE,
  100, 180, 200, ACK, BYE, 200, with dialogs and SDP offer/answer) per wall second, i.e. the
  SIP work the switch does per call on one core, excluding sockets and media.
"""

from __future__ import annotations

import json
import random
import time

from seatline.sip import (
    Dialog,
    Headers,
    RequestReceived,
    ResponseReceived,
    SipRequest,
    TransactionLayer,
    make_response,
    parse_message,
    validate_request,
)
from seatline.sip.sdp import SessionDescription, make_answer, make_offer

SEED = 20261129
UAC = ("192.0.2.1", 5060)
UAS = ("192.0.2.2", 5060)


def invite(n: int, rng: random.Random) -> SipRequest:
    sdp = bytes(make_offer("192.0.2.1", 20000 + n % 10000, session_id=str(rng.getrandbits(32))))
    headers = Headers(
        [
            ("Via", f"SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK{n:x}{rng.getrandbits(32):x};rport"),
            ("Max-Forwards", "70"),
            ("From", f'"Caller {n}" <sip:+3312345{n:05d}@carrier.example>;tag={n:x}a'),
            ("To", "<sip:95555@seatline.example>"),
            ("Call-ID", f"{rng.getrandbits(64):x}@192.0.2.1"),
            ("CSeq", "1 INVITE"),
            ("Contact", "<sip:+33123450000@192.0.2.1:5060>"),
            ("User-Agent", "bench"),
            ("Content-Type", "application/sdp"),
        ]
    )
    return SipRequest("INVITE", "sip:95555@seatline.example", headers, sdp)


def pump(a: TransactionLayer, b: TransactionLayer, now: float) -> None:
    moved = True
    while moved:
        moved = False
        for out in a.datagrams_to_send():
            moved = True
            b.receive_datagram(out.data, UAC, "UDP", now)
        for out in b.datagrams_to_send():
            moved = True
            a.receive_datagram(out.data, UAS, "UDP", now)


def one_call(n: int, uac: TransactionLayer, uas: TransactionLayer, rng: random.Random) -> None:
    now = n * 0.001
    req = invite(n, rng)
    uac.send_request(req, UAS, "UDP", now)
    pump(uac, uas, now)
    event = uas.next_event()
    assert isinstance(event, RequestReceived)
    incoming = event.request
    offer = SessionDescription.parse(incoming.body)
    leg = Dialog.from_uas(incoming, f"s{n:x}", "sip:95555@192.0.2.2:5060")
    uas.send_response(make_response(incoming, 180, to_tag=f"s{n:x}"), now)
    answer = bytes(make_answer(offer, "192.0.2.2", 30000))
    ok = make_response(
        incoming,
        200,
        to_tag=f"s{n:x}",
        headers=[("Contact", "<sip:95555@192.0.2.2:5060>"), ("Content-Type", "application/sdp")],
        body=answer,
    )
    uas.send_response(ok, now)
    leg.confirm()
    pump(uac, uas, now)
    final = None
    while (ev := uac.next_event()) is not None:
        if isinstance(ev, ResponseReceived) and ev.response.status == 200:
            final = ev.response
    assert final is not None
    dialog = Dialog.from_uac(req, final, "sip:+33123450000@192.0.2.1:5060")
    uac.send_stateless(
        dialog.create_ack(1, f"SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKa{n:x}"), UAS, "UDP"
    )
    bye = dialog.create_request("BYE", f"SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKb{n:x}")
    uac.send_request(bye, UAS, "UDP", now)
    pump(uac, uas, now)
    while (ev := uas.next_event()) is not None:
        if isinstance(ev, RequestReceived) and ev.request.method == "BYE":
            leg.receive_request(ev.request)
            uas.send_response(make_response(ev.request, 200), now)
    pump(uac, uas, now)
    while uac.next_event() is not None:
        pass
    uac.handle_timer(now)
    uas.handle_timer(now)


def main() -> None:
    rng = random.Random(SEED)
    n = 20000
    # Distinct messages (tags, branches, Call-IDs), so parser memos only help as in real traffic.
    datagrams = [bytes(invite(i, rng)) for i in range(n)]
    data = datagrams[0]
    start = time.perf_counter()
    for data in datagrams:
        msg = parse_message(data)
        assert isinstance(msg, SipRequest)
        validate_request(msg)
    parse_rate = n / (time.perf_counter() - start)
    start = time.perf_counter()
    for _ in range(n):
        bytes(msg)
    serialize_rate = n / (time.perf_counter() - start)
    uac, uas = TransactionLayer(), TransactionLayer()
    calls = 2000
    start = time.perf_counter()
    for i in range(calls):
        one_call(i, uac, uas, rng)
    call_rate = calls / (time.perf_counter() - start)
    print(
        json.dumps(
            {
                "parse_per_second": round(parse_rate),
                "serialize_per_second": round(serialize_rate),
                "calls_per_second": round(call_rate),
                "invite_bytes": len(data),
            }
        )
    )


if __name__ == "__main__":
    main()
