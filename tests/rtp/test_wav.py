"""WAV read/write round trips, resampling to 8 kHz and framing."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from seatline.rtp import WavError, frames, load_prompt, read_wav, resample, tone, write_wav


def test_stereo_round_trip_is_exact(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    stereo = rng.integers(-32768, 32768, size=(8000, 2)).astype(np.int16)
    path = tmp_path / "call.wav"
    write_wav(path, stereo)
    samples, rate = read_wav(path)
    assert rate == 8000 and samples.shape == (8000, 2)
    assert np.array_equal(samples, stereo)
    with wave.open(str(path)) as reader:
        assert (reader.getnchannels(), reader.getsampwidth()) == (2, 2)


def test_mono_round_trip_and_8_bit_input(tmp_path: Path) -> None:
    mono = np.arange(-500, 500, dtype=np.int16)
    write_wav(tmp_path / "m.wav", mono, rate=16000)
    samples, rate = read_wav(tmp_path / "m.wav")
    assert rate == 16000 and np.array_equal(samples, mono)
    with wave.open(str(tmp_path / "u8.wav"), "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(1)
        writer.setframerate(8000)
        writer.writeframes(bytes([0, 128, 255]))
    samples, _ = read_wav(tmp_path / "u8.wav")
    assert samples.tolist() == [-32768, 0, 32512]


def test_resampling_keeps_the_tone_and_removes_what_cannot_be_carried() -> None:
    rate = 44100
    t = np.arange(rate) / rate
    signal = (8000 * np.sin(2 * np.pi * 1000 * t) + 8000 * np.sin(2 * np.pi * 6000 * t)).astype(
        np.int16
    )
    out = resample(signal, rate, 8000)
    assert out.size == 8000
    spectrum = np.abs(np.fft.rfft(out.astype(np.float64)))
    # 1 kHz survives at about its level; 6 kHz (above 4 kHz Nyquist) must not alias to 2 kHz.
    assert spectrum[1000] > 0.9 * 8000 * 8000 / 2
    assert spectrum[2000] < 0.01 * spectrum[1000]
    up = resample(tone((440.0,), 0.5), 8000, 16000)
    assert up.size == 8000
    assert np.array_equal(resample(up, 16000, 16000), up)


def test_load_prompt_mixes_down_and_resamples(tmp_path: Path) -> None:
    left = tone((500.0,), 1.0, sample_rate=16000)
    write_wav(tmp_path / "p.wav", np.stack([left, left], axis=1), rate=16000)
    prompt = load_prompt(tmp_path / "p.wav")
    assert prompt.shape == (8000,) and prompt.dtype == np.int16
    spectrum = np.abs(np.fft.rfft(prompt.astype(np.float64)))
    assert int(np.argmax(spectrum)) == 500


def test_bad_files_raise_wav_error(tmp_path: Path) -> None:
    (tmp_path / "bad.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk")
    with pytest.raises(WavError):
        read_wav(tmp_path / "bad.wav")
    with wave.open(str(tmp_path / "24.wav"), "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(3)
        writer.setframerate(8000)
        writer.writeframes(bytes(9))
    with pytest.raises(WavError, match="24-bit"):
        read_wav(tmp_path / "24.wav")


def test_frames_chunk_and_pad() -> None:
    chunks = list(frames(np.arange(400, dtype=np.int16), 160))
    assert [c.size for c in chunks] == [160, 160, 160]
    assert chunks[2][:80].tolist() == list(range(320, 400)) and not chunks[2][80:].any()
    stereo = list(frames(np.ones((170, 2), dtype=np.int16), 160))
    assert stereo[1].shape == (160, 2) and stereo[1][10:].sum() == 0
