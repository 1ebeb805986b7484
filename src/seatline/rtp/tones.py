"""Call-progress tones, DTMF dual tones and comfort noise as 8 kHz int16 NumPy frames.

A `Cadence` is data (frequencies and on/off durations); `ToneGenerator` plays one frame at a
time with phase continuity, so a stream can pull 160 samples per 20 ms tick. `detect_dtmf` is a
Goertzel in-band detector for one frame. No I/O and no clock: the caller pulls frames.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import numpy.typing as npt

__all__ = [
    "BUSY",
    "DTMF_HIGH",
    "DTMF_LOW",
    "RINGBACK",
    "SAMPLE_RATE",
    "Cadence",
    "InbandDtmfDetector",
    "ToneGenerator",
    "ToneStep",
    "beep",
    "comfort_noise",
    "detect_dtmf",
    "dtmf_tone",
    "level_to_amplitude",
    "tone",
]

SAMPLE_RATE = 8000
Pcm = npt.NDArray[np.int16]

# A full-scale 16-bit sine is +3.17 dBm0 (ITU-T G.711's digital milliwatt sits 3.17 dB below).
_FULL_SCALE_DBM0 = 3.17
DTMF_LOW = (697.0, 770.0, 852.0, 941.0)
DTMF_HIGH = (1209.0, 1336.0, 1477.0, 1633.0)
_KEYPAD = ("123A", "456B", "789C", "*0#D")


def level_to_amplitude(dbm0: float) -> float:
    """Peak amplitude (16-bit units) of a sine at `dbm0`."""
    return float(32767 * 10 ** ((dbm0 - _FULL_SCALE_DBM0) / 20))


@dataclass(frozen=True, slots=True)
class ToneStep:
    """One step of a cadence: frequencies to sum (empty for silence) for `duration` seconds."""

    frequencies: tuple[float, ...]
    duration: float


@dataclass(frozen=True, slots=True)
class Cadence:
    """A repeating pattern of tone steps, e.g. ringback 425 Hz 1 s on, 4 s off."""

    steps: tuple[ToneStep, ...]
    level: float = -13.0  # dBm0 per frequency

    @classmethod
    def on_off(
        cls, frequencies: tuple[float, ...], on: float, off: float, level: float = -13.0
    ) -> Cadence:
        """The common two-step cadence."""
        return cls((ToneStep(frequencies, on), ToneStep((), off)), level)

    @property
    def period(self) -> float:
        """Seconds before the pattern repeats."""
        return sum(step.duration for step in self.steps)


# Per-country call-progress tones (ITU-T E.180 supplement 2 and national specifications).
RINGBACK: Mapping[str, Cadence] = MappingProxyType(
    {
        "EU": Cadence.on_off((425.0,), 1.0, 4.0),
        "CN": Cadence.on_off((450.0,), 1.0, 4.0),
        "US": Cadence.on_off((440.0, 480.0), 2.0, 4.0, level=-19.0),
        "UK": Cadence(
            (
                ToneStep((400.0, 450.0), 0.4),
                ToneStep((), 0.2),
                ToneStep((400.0, 450.0), 0.4),
                ToneStep((), 2.0),
            ),
            level=-19.0,
        ),
    }
)
BUSY: Mapping[str, Cadence] = MappingProxyType(
    {
        "EU": Cadence.on_off((425.0,), 0.5, 0.5),
        "CN": Cadence.on_off((450.0,), 0.35, 0.35),
        "US": Cadence.on_off((480.0, 620.0), 0.5, 0.5, level=-24.0),
        "UK": Cadence.on_off((400.0,), 0.375, 0.375),
    }
)


class ToneGenerator:
    """Plays a cadence frame by frame, forever, with continuous phase across frames."""

    def __init__(self, cadence: Cadence, sample_rate: int = SAMPLE_RATE) -> None:
        """Start at the beginning of the cadence's first step."""
        self.cadence = cadence
        self.sample_rate = sample_rate
        self._position = 0  # samples since the start
        bounds = np.cumsum([round(step.duration * sample_rate) for step in cadence.steps])
        self._bounds = bounds
        self._period = int(bounds[-1])
        if self._period <= 0:
            raise ValueError("a cadence needs a positive total duration")
        amplitude = level_to_amplitude(cadence.level)
        # One period rendered once: frames are then slices, so a tick costs a copy, not a sin().
        t = np.arange(self._period) / sample_rate
        wave = np.zeros(self._period)
        start = 0
        for step, stop in zip(cadence.steps, bounds, strict=True):
            for frequency in step.frequencies:
                wave[start:stop] += amplitude * np.sin(2 * np.pi * frequency * t[start:stop])
            start = int(stop)
        self._wave = np.clip(np.round(wave), -32768, 32767).astype(np.int16)

    def next_frame(self, samples: int = 160) -> Pcm:
        """The next `samples` samples of the tone."""
        index = (self._position + np.arange(samples)) % self._period
        self._position = (self._position + samples) % self._period
        return self._wave[index]


def tone(
    frequencies: tuple[float, ...],
    duration: float,
    level: float = -13.0,
    sample_rate: int = SAMPLE_RATE,
) -> Pcm:
    """A steady sum of sines, `level` dBm0 each, for `duration` seconds."""
    t = np.arange(round(duration * sample_rate)) / sample_rate
    wave = np.zeros_like(t)
    amplitude = level_to_amplitude(level)
    for frequency in frequencies:
        wave += amplitude * np.sin(2 * np.pi * frequency * t)
    return np.clip(np.round(wave), -32768, 32767).astype(np.int16)


def beep(frequency: float = 1000.0, duration: float = 0.25, level: float = -10.0) -> Pcm:
    """A single beep (recording notice, voicemail prompt)."""
    return tone((frequency,), duration, level)


def dtmf_tone(digit: str, duration: float = 0.1, level: float = -7.0) -> Pcm:
    """The dual tone of a keypad digit (ITU-T Q.23)."""
    for row, keys in enumerate(_KEYPAD):
        column = keys.find(digit.upper())
        if column >= 0 and len(digit) == 1:
            return tone((DTMF_LOW[row], DTMF_HIGH[column]), duration, level)
    raise ValueError(f"{digit!r} is not a DTMF key")


def comfort_noise(samples: int, rng: np.random.Generator, level: float = -70.0) -> Pcm:
    """Very quiet white noise so a listener does not think the line went dead."""
    rms = level_to_amplitude(level) / np.sqrt(2)
    return np.clip(np.round(rng.normal(0, rms, samples)), -32768, 32767).astype(np.int16)


def _goertzel_power(
    frame: npt.NDArray[np.float64], frequencies: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    # Goertzel's result (DFT power at each exact frequency), as one matrix product rather than
    # a per-sample Python recurrence.
    n = np.arange(frame.size)
    basis = np.exp(-2j * np.pi * np.outer(frequencies, n) / SAMPLE_RATE)
    return np.asarray(np.abs(basis @ frame) ** 2, dtype=np.float64)


_DTMF_FREQUENCIES = np.array(DTMF_LOW + DTMF_HIGH)


def detect_dtmf(frame: npt.NDArray[np.int16], min_level: float = -30.0) -> str | None:
    """The keypad digit present in one frame (≥ 102 samples), or None (a Goertzel detector)."""
    if frame.size < 102:
        raise ValueError("DTMF detection needs at least 102 samples (12.75 ms) per frame")
    samples = frame.astype(np.float64)
    power = _goertzel_power(samples, _DTMF_FREQUENCIES)
    low, high = power[:4], power[4:]
    row, column = int(np.argmax(low)), int(np.argmax(high))
    # A sine of amplitude A gives |X|^2 = (A n / 2)^2 at its own frequency.
    floor = (level_to_amplitude(min_level) * frame.size / 2) ** 2
    if low[row] < floor or high[column] < floor:
        return None
    # Each tone must dominate its group, and the two must be within twist limits (Q.24).
    if np.sort(low)[-2] * 8 > low[row] or np.sort(high)[-2] * 8 > high[column]:
        return None
    if not 1 / 16 <= high[column] / low[row] <= 16:
        return None
    total = float(np.dot(samples, samples)) * frame.size / 2
    if (low[row] + high[column]) < 0.5 * total:
        return None  # speech or noise carrying energy elsewhere
    return _KEYPAD[row][column]


class InbandDtmfDetector:
    """Frame-by-frame in-band DTMF: a key is reported once, after `hits` frames agree.

    For legs without RFC 4733 (old trunks sending tones in the audio). A key must pause
    (a frame with no or another digit) before the same key is reported again.
    """

    def __init__(self, hits: int = 2, min_level: float = -30.0) -> None:
        """`hits` consecutive 20 ms frames (40 ms by default, Q.24 asks for >= 40 ms)."""
        self.hits = hits
        self.min_level = min_level
        self._candidate: str | None = None
        self._count = 0
        self._reported = False

    def feed(self, frame: npt.NDArray[np.int16]) -> str | None:
        """Feed one frame; return the key the first time it has been held long enough."""
        digit = detect_dtmf(frame, self.min_level)
        if digit != self._candidate:
            self._candidate, self._count, self._reported = digit, 0, False
        if digit is None:
            return None
        self._count += 1
        if self._count >= self.hits and not self._reported:
            self._reported = True
            return digit
        return None
