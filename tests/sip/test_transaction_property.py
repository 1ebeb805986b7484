"""Property: any sequence of TU answers, losses and clock moves leaves both transaction
layers consistent (at most one final per client transaction, no stray exception) and empty
once the clock runs past every timer."""

from __future__ import annotations

import contextlib

from hypothesis import given, settings
from hypothesis import strategies as st

from seatline.sip import make_response
from seatline.sip.errors import SipStateError
from seatline.sip.events import RequestReceived, ResponseReceived, TransactionTimeout

from .harness import UAS_ADDR, Pair, drain, request

STATUSES = [100, 180, 183, 200, 202, 302, 404, 486, 500, 603]
actions = st.lists(
    st.one_of(
        st.tuples(st.just("answer"), st.sampled_from(STATUSES)),
        st.tuples(st.just("advance"), st.floats(0.0, 40.0)),
        st.tuples(st.just("cancel"), st.just(0)),
        st.tuples(st.just("loss"), st.integers(0, 100)),
    ),
    max_size=12,
)


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(["INVITE", "OPTIONS", "BYE"]),
    st.sampled_from(["UDP", "TCP"]),
    actions,
)
def test_random_transaction_runs(
    method: str, transport: str, steps: list[tuple[str, float]]
) -> None:
    loss = {"rate": 0}
    counter = {"n": 0}

    def drop(side: str, out: object) -> bool:
        counter["n"] += 1
        return transport == "UDP" and (counter["n"] * 37) % 100 < loss["rate"]

    pair = Pair(transport=transport, drop=drop)
    key = pair.uac.send_request(request(method, transport=transport), UAS_ADDR, transport, 0.0)
    pair.pump()
    server_events = []
    client_events = []
    for action, value in steps:
        server_events += drain(pair.uas)
        client_events += drain(pair.uac)
        incoming = next((e for e in server_events if isinstance(e, RequestReceived)), None)
        if action == "answer" and incoming is not None:
            response = make_response(incoming.request, int(value), to_tag="t")
            # An illegal move asked by the TU is refused by name and changes nothing.
            with contextlib.suppress(SipStateError):
                pair.uas.send_response(response, pair.now, incoming.key)
            pair.pump()
        elif action == "advance":
            pair.advance(pair.now + value)
        elif action == "cancel":
            pair.uac.cancel(key, pair.now)
            pair.pump()
        elif action == "loss":
            loss["rate"] = int(value)
    loss["rate"] = 0
    pair.advance(pair.now + 400.0)
    client_events += drain(pair.uac)
    finals = [
        e.response.status
        for e in client_events
        if isinstance(e, ResponseReceived) and e.key == key and e.response.status >= 300
    ]
    assert len(finals) <= 1  # a non-2xx final reaches the TU once, retransmissions absorbed
    timeouts = [e for e in client_events if isinstance(e, TransactionTimeout) and e.key == key]
    assert len(timeouts) <= 1
    assert len(pair.uac) == 0 and len(pair.uas) == 0
    assert pair.uac.next_timer() is None and pair.uas.next_timer() is None
