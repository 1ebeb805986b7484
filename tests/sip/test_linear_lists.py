"""Finding 18: splitting lists and parameters is linear in the size of the header.

One 64 kB header of 64,000 ';' used to block the event loop 0.1-0.24 s because every element
rescanned the whole value. Each parse here must stay under 50 ms of CPU time (process time,
so other processes on the machine do not make it flake), and the results stay right.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable

import pytest

from seatline.sip import SipParseError, parse_message
from seatline.sip.headers import parse_name_addr, parse_name_addrs, parse_via
from seatline.sip.syntax import parse_params, split_commas, split_unquoted

BOUND = 0.050  # seconds of CPU per parse


def cpu(fn: Callable[[], object]) -> float:
    start = time.process_time()
    with contextlib.suppress(SipParseError):
        fn()
    return time.process_time() - start


HOSTILE: dict[str, Callable[[], object]] = {
    "64k semicolons as params": lambda: parse_params(";" * 64_000),
    "64k semicolons after a name-addr": lambda: parse_name_addr("<sip:a@b>" + ";" * 64_000),
    "64k semicolons after a quoted name": lambda: parse_name_addr('"x" <sip:a@b>' + ";" * 64_000),
    "64k semicolons in a Via": lambda: parse_via("SIP/2.0/UDP h" + ";" * 64_000),
    "32k commas": lambda: split_commas("a," * 32_000),
    "32k commas with a quote": lambda: split_commas('"q",' + "a," * 32_000),
    "10k quoted params": lambda: parse_params(';a="x;y"' * 10_000),
    "10k angle-bracket routes": lambda: parse_name_addrs("<sip:a;lr>," * 6_000),
    "unterminated quote then 64k ;": lambda: parse_params('a="' + ";" * 64_000),
    "unterminated angle then 64k ,": lambda: split_commas("<" + "," * 64_000),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_lists_parse_in_linear_time(name: str) -> None:
    cpu(HOSTILE[name])  # warm caches and imports
    assert cpu(HOSTILE[name]) < BOUND, name


def test_a_datagram_with_a_64k_header_parses_in_bounded_time() -> None:
    head = (
        "OPTIONS sip:a@example.com SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
        "From: <sip:a@example.com>;tag=1\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\n"
    )
    data = (head + "To: <sip:b@example.com>" + ";" * 64_000 + "\r\n\r\n").encode()

    def work() -> None:
        msg = parse_message(data)
        _ = msg.to_addr

    assert cpu(work) < BOUND


def test_splitting_keeps_quotes_angles_and_escapes() -> None:
    assert split_unquoted('a;b="x;y";c', ";") == ["a", 'b="x;y"', "c"]
    assert split_unquoted('a="q\\";x";b', ";") == ['a="q\\";x"', "b"]
    assert split_unquoted("<sip:a;lr>;tag=1", ";") == ["<sip:a;lr>", "tag=1"]
    assert split_unquoted('"<";a', ";") == ['"<"', "a"]
    assert split_unquoted('<x";y>;b', ";") == ['<x";y>', "b"]
    assert split_unquoted("a;<b;c", ";") == ["a", "<b;c"]  # an open '<' runs to the end
    assert split_unquoted(" a , b ,", ",") == ["a", "b", ""]
    assert split_commas('"A, B" <sip:a@b>, <sip:c@d>') == ['"A, B" <sip:a@b>', "<sip:c@d>"]
    with pytest.raises(SipParseError):
        split_unquoted('a;b="x;c', ";")
