"""Fuzz invariant: garbage in -> a parsed message or SipParseError out, nothing else.

Fed whole to the datagram parser and byte by byte through the stream framer, and through
the whole transaction layer, which must never raise on network input.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seatline.sip import (
    SipParseError,
    SipRequest,
    StreamFramer,
    TransactionLayer,
    parse_message,
    response_for_bad_request,
    validate_request,
    validate_response,
)
from seatline.sip.headers import parse_contacts, parse_name_addr
from seatline.sip.sdp import SessionDescription
from seatline.sip.uri import parse_uri

HERE = Path(__file__).parent
CORPUS = [p.read_bytes() for p in sorted((HERE / "torture").glob("*.dat"))] + [
    p.read_bytes() for p in sorted((HERE / "fixtures").glob("*.sip"))
]
SIP_BYTES = b'\r\n :;,<>"\\@=%/[]?tag branch SIP/2.0 INVITE sip: Via CSeq 0123456789'


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """A corpus message with a few random byte edits (insert, delete, replace, truncate)."""
    data = bytearray(draw(st.sampled_from(CORPUS)))
    for _ in range(draw(st.integers(0, 6))):
        if not data:
            break
        pos = draw(st.integers(0, len(data) - 1))
        op = draw(st.integers(0, 3))
        byte = draw(st.sampled_from(SIP_BYTES + bytes(range(0, 256, 7))))
        if op == 0:
            data.insert(pos, byte)
        elif op == 1:
            del data[pos]
        elif op == 2:
            data[pos] = byte
        else:
            del data[pos:]
    return bytes(data)


garbage = st.one_of(mutated(), st.binary(max_size=300), st.text(max_size=200).map(str.encode))


def exercise(data: bytes) -> None:
    """Parse and touch every parsed field the stack relies on."""
    try:
        msg = parse_message(data)
        if isinstance(msg, SipRequest):
            validate_request(msg)
            parse_uri(msg.uri)
        else:
            validate_response(msg)
        _ = (msg.cseq, msg.vias, msg.from_addr, msg.to_addr, msg.call_id, msg.branch)
        for value in msg.headers.get_all("Contact"):
            parse_contacts(value)
        for value in msg.headers.get_all("Route"):
            parse_name_addr(value)
        if msg.content_type == "application/sdp":
            SessionDescription.parse(msg.body)
        bytes(msg)
    except SipParseError as exc:
        response_for_bad_request(data, exc)  # must not raise either


FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(garbage)
def test_datagram_parser_only_raises_sip_parse_error(data: bytes) -> None:
    exercise(data)


@FUZZ
@given(garbage, st.integers(1, 7))
def test_stream_framer_only_raises_sip_parse_error(data: bytes, step: int) -> None:
    framer = StreamFramer()
    try:
        for i in range(0, len(data), step):
            framer.feed(data[i : i + step])
            while (msg := framer.next_message()) is not None:
                bytes(msg)
    except SipParseError:
        pass


@FUZZ
@given(st.lists(garbage, max_size=4))
def test_transaction_layer_never_raises_on_network_input(datagrams: list[bytes]) -> None:
    layer = TransactionLayer()
    for i, data in enumerate(datagrams):
        layer.receive_datagram(data, ("192.0.2.1", 5060), "UDP", float(i))
        layer.handle_timer(float(i))
    layer.handle_timer(1000.0)
    assert len(layer) == 0  # everything it created has ended by itself (timer U included)


@FUZZ
@given(st.text(max_size=120))
def test_uri_parser_only_raises_sip_parse_error(text: str) -> None:
    try:
        uri = parse_uri(text)
        uri.equivalent(uri)
    except SipParseError:
        pass
