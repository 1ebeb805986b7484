"""G.711 tables against the ITU-T formulae (G.711 / G.191 reference code), known values, audioop."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from seatline.rtp import g711


def _ulaw_reference(x: int) -> int:
    # G.191 ulaw_compress, one sample at a time, written straight from the standard's steps.
    absno = ((~x) >> 2) + 33 if x < 0 else (x >> 2) + 33
    absno = min(absno, 0x1FFF)
    i = absno >> 6
    segno = 1
    while i:
        segno += 1
        i >>= 1
    out = ((8 - segno) << 4) | (0x0F - ((absno >> segno) & 0x0F))
    return out | 0x80 if x >= 0 else out


def _alaw_reference(x: int) -> int:
    # G.191 alaw_compress.
    ix = (~x) >> 4 if x < 0 else x >> 4
    if ix > 15:
        iexp = 1
        while ix > 16 + 15:
            ix >>= 1
            iexp += 1
        ix -= 16
        ix += iexp << 4
    if x >= 0:
        ix |= 0x80
    return ix ^ 0x55


def _ulaw_expand_reference(code: int) -> int:
    sign = -1 if code < 0x80 else 1
    mantissa = ~code
    exponent = (mantissa >> 4) & 7
    step = 4 << (exponent + 1)
    return sign * ((0x80 << exponent) + step * (mantissa & 0x0F) + step // 2 - 4 * 33)


def _alaw_expand_reference(code: int) -> int:
    ix = (code ^ 0x55) & 0x7F
    exponent, mantissa = ix >> 4, ix & 0x0F
    if exponent > 0:
        mantissa += 16
    mantissa = (mantissa << 4) + 8
    if exponent > 1:
        mantissa <<= exponent - 1
    return mantissa if code > 127 else -mantissa


ALL = np.arange(-32768, 32768, dtype=np.int16)


def test_encode_tables_match_the_reference_for_every_sample() -> None:
    ulaw = np.array([_ulaw_reference(int(x)) for x in ALL], dtype=np.uint8)
    alaw = np.array([_alaw_reference(int(x)) for x in ALL], dtype=np.uint8)
    assert np.array_equal(np.frombuffer(g711.ulaw_encode(ALL), np.uint8), ulaw)
    assert np.array_equal(np.frombuffer(g711.alaw_encode(ALL), np.uint8), alaw)


def test_decode_tables_match_the_reference_for_every_code() -> None:
    codes = bytes(range(256))
    assert g711.ulaw_decode(codes).tolist() == [_ulaw_expand_reference(c) for c in range(256)]
    assert g711.alaw_decode(codes).tolist() == [_alaw_expand_reference(c) for c in range(256)]


@pytest.mark.parametrize(
    ("sample", "ulaw", "alaw"),
    [
        (0, 0xFF, 0xD5),
        (-1, 0x7F, 0x55),
        (1000, 0xCE, 0xFA),
        (-1000, 0x4E, 0x7A),
        (32767, 0x80, 0xAA),
        (-32768, 0x00, 0x2A),
    ],
)
def test_known_codes(sample: int, ulaw: int, alaw: int) -> None:
    pcm = np.array([sample], dtype=np.int16)
    assert g711.ulaw_encode(pcm) == bytes([ulaw])
    assert g711.alaw_encode(pcm) == bytes([alaw])


def test_known_decoded_levels() -> None:
    assert g711.ulaw_decode(b"\xff\x7f\x80\x00").tolist() == [0, 0, 32124, -32124]
    assert g711.alaw_decode(b"\xd5\x55\xaa\x2a").tolist() == [8, -8, 32256, -32256]


def test_round_trips() -> None:
    codes = bytes(range(256))
    # Every A-law code survives decode+encode; for µ-law all but negative zero (0x7F -> 0xFF).
    assert g711.alaw_encode(g711.alaw_decode(codes)) == codes
    expected = bytearray(codes)
    expected[0x7F] = 0xFF
    assert g711.ulaw_encode(g711.ulaw_decode(codes)) == bytes(expected)
    # Re-encoding a decoded signal is idempotent, and the error stays within one step.
    for encode, decode in (
        (g711.ulaw_encode, g711.ulaw_decode),
        (g711.alaw_encode, g711.alaw_decode),
    ):
        once = decode(encode(ALL))
        assert np.array_equal(decode(encode(once)), once)
        error = np.abs(once.astype(np.int32) - ALL)
        assert error.max() <= 1024
        assert error[np.abs(ALL.astype(np.int32)) < 64].max() <= 8


def test_sign_symmetry_of_ones_complement() -> None:
    positive = ALL[ALL >= 0]
    for encode in (g711.ulaw_encode, g711.alaw_encode):
        flipped = np.frombuffer(encode(positive), np.uint8) ^ 0x80
        assert np.array_equal(np.frombuffer(encode(~positive), np.uint8), flipped)


def test_agrees_with_audioop_where_the_standard_is_unambiguous() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        audioop = pytest.importorskip("audioop")
    pcm = ALL.tobytes()
    assert g711.alaw_encode(ALL) == audioop.lin2alaw(pcm, 2)
    assert np.array_equal(
        g711.ulaw_decode(bytes(range(256))),
        np.frombuffer(audioop.ulaw2lin(bytes(range(256)), 2), np.int16),
    )
    assert np.array_equal(
        g711.alaw_decode(bytes(range(256))),
        np.frombuffer(audioop.alaw2lin(bytes(range(256)), 2), np.int16),
    )
    # audioop truncates negative µ-law input two's-complement style: equal for x >= 0, and for
    # x < 0 it codes x as G.191 codes x - 4 (one 14-bit step lower).
    ours = np.frombuffer(g711.ulaw_encode(ALL), np.uint8)
    theirs = np.frombuffer(audioop.lin2ulaw(pcm, 2), np.uint8)
    assert np.array_equal(ours[ALL >= 0], theirs[ALL >= 0])
    shifted = np.clip(ALL[ALL < 0].astype(np.int32) - 4, -32768, 0).astype(np.int16)
    assert np.array_equal(np.frombuffer(g711.ulaw_encode(shifted), np.uint8), theirs[ALL < 0])


def test_generic_entry_points() -> None:
    frame = (np.sin(np.arange(160) / 3) * 8000).astype(np.int16)
    assert g711.encode(frame, g711.PCMU) == g711.ulaw_encode(frame)
    assert np.array_equal(
        g711.decode(g711.encode(frame, 8), 8), g711.alaw_decode(g711.alaw_encode(frame))
    )
    assert g711.silence(0, 3) == b"\xff\xff\xff" and g711.silence(8, 1) == b"\xd5"
    loud = np.array([40000, -40000], dtype=np.int32)
    assert g711.ulaw_encode(loud) == g711.ulaw_encode(np.array([32767, -32768], np.int16))
    with pytest.raises(ValueError, match=r"payload type 9 is not G\.711"):
        g711.encode(frame, 9)
    with pytest.raises(ValueError):
        g711.decode(b"", 18)


def test_tables_are_read_only() -> None:
    with pytest.raises(ValueError):
        g711.ULAW_ENCODE[0] = 1


def test_transcoding_tables_equal_the_linear_path() -> None:
    codes = bytes(range(256))
    assert g711.transcode(codes, g711.PCMU, g711.PCMA) == g711.alaw_encode(g711.ulaw_decode(codes))
    assert g711.transcode(codes, g711.PCMA, g711.PCMU) == g711.ulaw_encode(g711.alaw_decode(codes))
    assert g711.transcode(codes, g711.PCMA, g711.PCMA) is codes
    assert g711.transcode(b"\xff", 0, 8) == b"\xd5"  # silence stays silence
    with pytest.raises(ValueError):
        g711.transcode(codes, 0, 18)
