"""SDES keys in SDP (RFC 4568 `a=crypto`) and RTP/SAVP offers and answers."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seatline.sip.errors import SipParseError
from seatline.sip.sdes import (
    CryptoAttribute,
    SdesError,
    choose_crypto,
    new_crypto,
    offer_cryptos,
    parse_crypto,
)
from seatline.sip.sdp import audio_body, audio_offer

KEY = base64.b64encode(bytes(range(30))).decode()
# Shaped as RFC 4568 §4's example: a key with a lifetime and an MKI.
EXAMPLE = f"1 AES_CM_128_HMAC_SHA1_80 inline:{KEY}|2^20|1:4"


def test_the_rfc_example_parses() -> None:
    crypto = parse_crypto(EXAMPLE)
    assert crypto.tag == 1
    assert crypto.suite == "AES_CM_128_HMAC_SHA1_80"
    assert len(crypto.key) == 30
    assert crypto.lifetime == "2^20"
    assert crypto.mki == "1:4"
    assert not crypto.usable  # an MKI needs per-packet key indexes we do not send


def test_a_plain_key_round_trips_and_is_usable() -> None:
    text = f"2 AES_CM_128_HMAC_SHA1_32 inline:{KEY}"
    crypto = parse_crypto(text)
    assert crypto.usable and crypto.key == bytes(range(30))
    assert str(crypto) == text
    assert parse_crypto(f"1 AES_CM_128_HMAC_SHA1_80 inline:{KEY}|2^31").usable


@pytest.mark.parametrize(
    "text",
    [
        "",
        "1",
        "x AES_CM_128_HMAC_SHA1_80 inline:" + KEY,
        "1 AES_CM_128_HMAC_SHA1_80 " + KEY,
        "1 AES_CM_128_HMAC_SHA1_80 inline:%%%%",
        "1 AES_CM_128_HMAC_SHA1_80 inline:" + base64.b64encode(b"too short").decode(),
        "1 AES_CM_128_HMAC_SHA1_80 inline:" + KEY + "|2^20|1:4|extra",
        "٣ AES_CM_128_HMAC_SHA1_80 inline:" + KEY,
        "1000000000 AES_CM_128_HMAC_SHA1_80 inline:" + KEY,
    ],
)
def test_malformed_attributes_are_sdes_errors(text: str) -> None:
    with pytest.raises(SdesError) as raised:
        parse_crypto(text)
    assert isinstance(raised.value, SipParseError) and raised.value.status_hint == 488


def test_unknown_suites_and_weakening_session_parameters_are_not_usable() -> None:
    assert not parse_crypto(f"1 F8_128_HMAC_SHA1_80 inline:{KEY}").usable
    assert not parse_crypto(f"1 AES_CM_128_HMAC_SHA1_80 inline:{KEY} UNENCRYPTED_SRTP").usable
    assert not parse_crypto(f"1 AES_CM_128_HMAC_SHA1_80 inline:{KEY} UNAUTHENTICATED_SRTP").usable


def test_choose_takes_the_first_usable_line_in_the_offerers_order() -> None:
    lines = [
        "1 AES_256_CM_HMAC_SHA1_80 inline:" + base64.b64encode(bytes(46)).decode(),
        "not even crypto",
        f"2 AES_CM_128_HMAC_SHA1_32 inline:{KEY}",
        f"3 AES_CM_128_HMAC_SHA1_80 inline:{KEY}",
    ]
    chosen = choose_crypto(lines)
    assert chosen is not None and chosen.tag == 2
    assert choose_crypto(["1 F8_128_HMAC_SHA1_80 inline:" + KEY]) is None
    assert choose_crypto([]) is None


def test_new_keys_are_fresh_and_offers_list_both_suites() -> None:
    first, second = (
        new_crypto(1, "AES_CM_128_HMAC_SHA1_80"),
        new_crypto(1, "AES_CM_128_HMAC_SHA1_80"),
    )
    assert first.key != second.key and len(first.key) == 30
    assert [(c.tag, c.suite) for c in offer_cryptos()] == [
        (1, "AES_CM_128_HMAC_SHA1_80"),
        (2, "AES_CM_128_HMAC_SHA1_32"),
    ]


def test_an_savp_body_carries_its_keys_and_reads_back() -> None:
    keys = offer_cryptos()
    body = audio_body("127.0.0.1", 4000, (0,), 101, proto="RTP/SAVP", crypto=keys)
    assert b"m=audio 4000 RTP/SAVP 0 101\r\n" in body
    offer = audio_offer(body)
    assert offer.proto == "RTP/SAVP" and offer.secure
    assert [parse_crypto(c) for c in offer.crypto] == list(keys)


def test_a_plain_body_has_no_keys() -> None:
    body = audio_body("127.0.0.1", 4000, (0, 8), 101)
    assert b"a=crypto" not in body and b"RTP/AVP" in body
    offer = audio_offer(body)
    assert offer.proto == "RTP/AVP" and offer.crypto == () and not offer.secure


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_any_text_parses_or_is_an_sdes_error(text: str) -> None:
    try:
        crypto = parse_crypto(text)
    except SdesError:
        return
    assert isinstance(crypto, CryptoAttribute)
