"""Tones: frequencies by FFT, cadences, levels, DTMF synthesis and the Goertzel detector."""

from __future__ import annotations

import numpy as np
import pytest

from seatline.rtp import (
    BUSY,
    RINGBACK,
    InbandDtmfDetector,
    ToneGenerator,
    beep,
    comfort_noise,
    detect_dtmf,
    dtmf_tone,
    level_to_amplitude,
    tone,
)


def _peaks(samples: np.ndarray, count: int) -> list[float]:
    """The `count` strongest frequencies (Hz) of a signal at 8 kHz, 1 Hz resolution or better."""
    spectrum = np.abs(np.fft.rfft(samples.astype(np.float64), n=max(8000, samples.size)))
    freqs = np.fft.rfftfreq(max(8000, samples.size), 1 / 8000)
    order = np.argsort(spectrum)[::-1]
    found: list[float] = []
    for index in order:
        if all(abs(freqs[index] - f) > 20 for f in found):
            found.append(float(freqs[index]))
        if len(found) == count:
            break
    return sorted(found)


def _pull(generator: ToneGenerator, seconds: float) -> np.ndarray:
    return np.concatenate([generator.next_frame() for _ in range(round(seconds * 50))])


@pytest.mark.parametrize(
    ("country", "frequencies", "on", "period"),
    [("EU", [425], 1.0, 5.0), ("CN", [450], 1.0, 5.0), ("US", [440, 480], 2.0, 6.0)],
)
def test_ringback_frequencies_and_cadence(
    country: str, frequencies: list[int], on: float, period: float
) -> None:
    signal = _pull(ToneGenerator(RINGBACK[country]), period * 2)
    assert _peaks(signal[: int(on * 8000)], len(frequencies)) == pytest.approx(frequencies, abs=1)
    frames = signal.reshape(-1, 160)
    active = np.abs(frames).max(axis=1) > 0
    expected = (np.arange(frames.shape[0]) * 0.02) % period < on
    assert np.array_equal(active, expected)


def test_busy_tone_cadence_and_uk_ringback_double_ring() -> None:
    busy = _pull(ToneGenerator(BUSY["US"]), 1.0)
    assert _peaks(busy[:4000], 2) == pytest.approx([480, 620], abs=1)
    assert not busy[4000:].any()
    uk = _pull(ToneGenerator(RINGBACK["UK"]), 3.0).reshape(-1, 160)
    active = np.abs(uk).max(axis=1) > 0
    assert active[:20].all() and not active[20:30].any() and active[30:50].all()
    assert not active[50:150].any()


def test_generator_phase_is_continuous_across_frames() -> None:
    generator = ToneGenerator(RINGBACK["EU"])
    joined = np.concatenate([generator.next_frame(37) for _ in range(40)])
    reference = tone((425.0,), 1.0, level=-13.0)
    assert np.array_equal(joined, reference[: joined.size])


def test_levels() -> None:
    assert level_to_amplitude(3.17) == pytest.approx(32767)
    signal = tone((1000.0,), 1.0, level=0.0)
    rms = np.sqrt(np.mean(signal.astype(np.float64) ** 2))
    # 0 dBm0 is 3.17 dB below a full-scale sine.
    assert 20 * np.log10(rms / (32767 / np.sqrt(2))) == pytest.approx(-3.17, abs=0.01)
    assert _peaks(beep(1400.0, 0.5), 1) == pytest.approx([1400], abs=1)


@pytest.mark.parametrize("digit", list("0123456789*#ABCD"))
def test_dtmf_synthesis_and_detection(digit: str) -> None:
    samples = dtmf_tone(digit, duration=0.1)
    rows = {"1": 697, "4": 770, "7": 852, "*": 941}
    assert len(_peaks(samples, 2)) == 2
    assert detect_dtmf(samples[:160]) == digit
    assert detect_dtmf(samples[-160:]) == digit
    if digit in rows:
        assert _peaks(samples, 2)[0] == pytest.approx(rows[digit], abs=1)


def test_detector_rejects_silence_single_tones_and_noise() -> None:
    assert detect_dtmf(np.zeros(160, dtype=np.int16)) is None
    assert detect_dtmf(tone((697.0,), 0.02)) is None
    assert detect_dtmf(tone((425.0,), 0.02)) is None
    noise = comfort_noise(160, np.random.default_rng(1), level=-10.0)
    assert detect_dtmf(noise) is None
    with pytest.raises(ValueError):
        detect_dtmf(np.zeros(50, dtype=np.int16))
    with pytest.raises(ValueError):
        dtmf_tone("E")


def test_comfort_noise_is_quiet_and_seeded() -> None:
    a = comfort_noise(8000, np.random.default_rng(3))
    b = comfort_noise(8000, np.random.default_rng(3))
    assert np.array_equal(a, b)
    rms = float(np.sqrt(np.mean(a.astype(np.float64) ** 2)))
    assert rms == pytest.approx(level_to_amplitude(-70.0) / np.sqrt(2), rel=0.1)
    assert a.dtype == np.int16


def test_inband_detector_reports_each_key_press_once() -> None:
    gap = np.zeros(480, dtype=np.int16)
    keys = "1123#"
    signal = np.concatenate([np.concatenate([dtmf_tone(k, 0.1), gap]) for k in keys])
    noise = comfort_noise(signal.size, np.random.default_rng(2), level=-50.0)
    signal = (signal.astype(np.int32) + noise).astype(np.int16)
    detector = InbandDtmfDetector()
    found = [detector.feed(signal[i : i + 160]) for i in range(0, signal.size - 159, 160)]
    assert "".join(d for d in found if d is not None) == keys


def test_inband_detector_ignores_a_blip_shorter_than_two_frames() -> None:
    detector = InbandDtmfDetector()
    assert detector.feed(dtmf_tone("5", 0.02)) is None
    assert detector.feed(np.zeros(160, dtype=np.int16)) is None
    assert detector.feed(dtmf_tone("5", 0.02)) is None
