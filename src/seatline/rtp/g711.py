"""G.711 µ-law (PCMU) and A-law (PCMA) codecs as NumPy table lookups.

The tables are computed once at import from the ITU-T reference formulae (G.711 as implemented
in the ITU-T G.191 software tools: 16-bit input, one's-complement magnitude for negative samples,
so that the code of ~x is the code of x with the sign bit flipped). Encoding a 20 ms frame is one
fancy-index into a 65,536-entry table; decoding is one index into a 256-entry table.
"""

from __future__ import annotations

from typing import TypeVar

import numpy as np
import numpy.typing as npt

__all__ = [
    "ALAW_DECODE",
    "ALAW_ENCODE",
    "ALAW_SILENCE",
    "ALAW_TO_ULAW",
    "PCMA",
    "PCMU",
    "ULAW_DECODE",
    "ULAW_ENCODE",
    "ULAW_SILENCE",
    "ULAW_TO_ALAW",
    "alaw_decode",
    "alaw_encode",
    "decode",
    "encode",
    "silence",
    "transcode",
    "ulaw_decode",
    "ulaw_encode",
]

PCMU = 0
PCMA = 8
ULAW_SILENCE = 0xFF
ALAW_SILENCE = 0xD5

Pcm = npt.NDArray[np.int16]
_Table = npt.NDArray[np.uint8]
_T = TypeVar("_T", bound=np.generic)

# Every 16-bit sample, in the order of its unsigned bit pattern (the encode-table index).
_SAMPLES = np.arange(65536, dtype=np.uint32).astype(np.uint16).view(np.int16).astype(np.int32)
_BIT_LENGTH = np.array([int(v).bit_length() for v in range(4096)], dtype=np.int32)


def _magnitude(shift: int) -> npt.NDArray[np.int32]:
    # One's complement for negatives (G.191): |x| - 1, so both signs share decision levels.
    return np.where(_SAMPLES < 0, ~_SAMPLES, _SAMPLES) >> shift


def _build_ulaw_encode() -> _Table:
    biased = np.minimum(_magnitude(2) + 33, 0x1FFF)
    segment = 1 + _BIT_LENGTH[biased >> 6]
    low = 0x0F - ((biased >> segment) & 0x0F)
    code = ((8 - segment) << 4) | low
    code = np.where(_SAMPLES >= 0, code | 0x80, code)
    return _frozen(code.astype(np.uint8))


def _build_ulaw_decode() -> Pcm:
    codes = np.arange(256, dtype=np.int32)
    inverted = ~codes
    exponent = (inverted >> 4) & 0x07
    mantissa = inverted & 0x0F
    step = 4 << (exponent + 1)
    magnitude = (0x80 << exponent) + step * mantissa + step // 2 - 4 * 33
    return _frozen(np.where(codes < 0x80, -magnitude, magnitude).astype(np.int16))


def _build_alaw_encode() -> _Table:
    level = _magnitude(4)
    exponent = np.maximum(_BIT_LENGTH[level] - 4, 0)
    # Segments above the first keep four mantissa bits below the implicit leading one.
    mantissa = np.where(exponent > 0, (level >> np.maximum(exponent - 1, 0)) - 16, level)
    code = (exponent << 4) + mantissa
    code = np.where(_SAMPLES >= 0, code | 0x80, code) ^ 0x55
    return _frozen(code.astype(np.uint8))


def _build_alaw_decode() -> Pcm:
    codes = np.arange(256, dtype=np.int32)
    level = (codes ^ 0x55) & 0x7F
    exponent = level >> 4
    mantissa = (level & 0x0F) + np.where(exponent > 0, 16, 0)
    magnitude = ((mantissa << 4) + 8) << np.maximum(exponent - 1, 0)
    return _frozen(np.where(codes > 127, magnitude, -magnitude).astype(np.int16))


def _frozen(table: npt.NDArray[_T]) -> npt.NDArray[_T]:
    table.setflags(write=False)
    return table


ULAW_ENCODE: _Table = _build_ulaw_encode()
ULAW_DECODE: Pcm = _build_ulaw_decode()
ALAW_ENCODE: _Table = _build_alaw_encode()
ALAW_DECODE: Pcm = _build_alaw_decode()

# Law-to-law conversion through the linear value, as 256-byte tables for bytes.translate:
# a bridged PCMU/PCMA call then costs well under a microsecond per frame and no NumPy at all.
ULAW_TO_ALAW: bytes = ALAW_ENCODE[ULAW_DECODE.view(np.uint16)].tobytes()
ALAW_TO_ULAW: bytes = ULAW_ENCODE[ALAW_DECODE.view(np.uint16)].tobytes()

_ENCODE = {PCMU: ULAW_ENCODE, PCMA: ALAW_ENCODE}
_DECODE = {PCMU: ULAW_DECODE, PCMA: ALAW_DECODE}
_SILENCE = {PCMU: ULAW_SILENCE, PCMA: ALAW_SILENCE}


def _as_index(pcm: npt.NDArray[np.integer]) -> npt.NDArray[np.uint16]:
    if pcm.dtype != np.int16:
        # Wider input saturates rather than wrapping, so a loud mix clips instead of crackling.
        pcm = np.minimum(np.maximum(pcm, -32768), 32767).astype(np.int16)
    return pcm.view(np.uint16)


def ulaw_encode(pcm: npt.NDArray[np.integer]) -> bytes:
    """Encode 16-bit samples to µ-law bytes."""
    return ULAW_ENCODE[_as_index(pcm)].tobytes()


def alaw_encode(pcm: npt.NDArray[np.integer]) -> bytes:
    """Encode 16-bit samples to A-law bytes."""
    return ALAW_ENCODE[_as_index(pcm)].tobytes()


def ulaw_decode(data: bytes) -> Pcm:
    """Decode µ-law bytes to a new int16 array."""
    return ULAW_DECODE[np.frombuffer(data, dtype=np.uint8)]


def alaw_decode(data: bytes) -> Pcm:
    """Decode A-law bytes to a new int16 array."""
    return ALAW_DECODE[np.frombuffer(data, dtype=np.uint8)]


def encode(pcm: npt.NDArray[np.integer], payload_type: int) -> bytes:
    """Encode samples for static payload type 0 (PCMU) or 8 (PCMA)."""
    try:
        table = _ENCODE[payload_type]
    except KeyError:
        raise ValueError(f"payload type {payload_type} is not G.711 (0 or 8)") from None
    return table[_as_index(pcm)].tobytes()


def decode(data: bytes | bytearray | memoryview, payload_type: int) -> Pcm:
    """Decode a payload of static payload type 0 (PCMU) or 8 (PCMA) to int16 samples."""
    try:
        table = _DECODE[payload_type]
    except KeyError:
        raise ValueError(f"payload type {payload_type} is not G.711 (0 or 8)") from None
    return table[np.frombuffer(data, dtype=np.uint8)]


def silence(payload_type: int, samples: int = 160) -> bytes:
    """A PCMU or PCMA payload of the code nearest zero (0 for µ-law, +8 for A-law)."""
    try:
        return bytes([_SILENCE[payload_type]]) * samples
    except KeyError:
        raise ValueError(f"payload type {payload_type} is not G.711 (0 or 8)") from None


def transcode(data: bytes, source: int, target: int) -> bytes:
    """Convert a G.711 payload between PCMU (0) and PCMA (8); the same type passes through."""
    if source == target and source in _ENCODE:
        return data
    if (source, target) == (PCMU, PCMA):
        return data.translate(ULAW_TO_ALAW)
    if (source, target) == (PCMA, PCMU):
        return data.translate(ALAW_TO_ULAW)
    raise ValueError(f"cannot transcode payload type {source} to {target} (G.711 is 0 and 8)")
