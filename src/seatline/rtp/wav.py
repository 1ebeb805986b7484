"""WAV files for prompts and recordings: 16-bit PCM read/write, resampling to 8 kHz, framing.

The only module of `seatline.rtp` that touches files (through the stdlib `wave` module).
Samples are int16 NumPy arrays: shape (n,) for mono, (n, 2) for stereo.
"""

from __future__ import annotations

import wave
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import numpy.typing as npt

from seatline.rtp.errors import WavError

__all__ = ["frames", "load_prompt", "read_wav", "resample", "write_wav"]

Pcm = npt.NDArray[np.int16]
_TAPS_PER_SIDE = 32


def read_wav(path: str | Path) -> tuple[Pcm, int]:
    """Read a 16-bit (or 8-bit) PCM WAV: (samples, sample rate); stereo is (n, 2)."""
    try:
        with wave.open(str(path), "rb") as reader:
            channels = reader.getnchannels()
            width = reader.getsampwidth()
            rate = reader.getframerate()
            raw = reader.readframes(reader.getnframes())
    except (wave.Error, EOFError) as error:
        raise WavError(f"{path}: {error}") from None
    if width == 2:
        samples = np.frombuffer(raw, dtype="<i2").astype(np.int16)
    elif width == 1:
        samples = ((np.frombuffer(raw, dtype=np.uint8).astype(np.int16) - 128) << 8).astype(
            np.int16
        )
    else:
        raise WavError(f"{path}: {8 * width}-bit samples are not supported (16 or 8)")
    usable = samples.size - samples.size % channels
    samples = samples[:usable]
    return (samples if channels == 1 else samples.reshape(-1, channels)), rate


def write_wav(path: str | Path, samples: npt.NDArray[np.integer], rate: int = 8000) -> None:
    """Write int16 samples, mono (n,) or multichannel (n, channels), as 16-bit PCM."""
    data = np.clip(samples, -32768, 32767).astype("<i2")
    channels = 1 if data.ndim == 1 else data.shape[1]
    Path(path).touch(mode=0o600)  # recordings and prompts are private, whatever the umask
    with wave.open(str(path), "wb") as writer:
        writer.setnchannels(channels)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes(data.tobytes())


def resample(samples: npt.NDArray[np.integer], rate: int, target: int = 8000) -> Pcm:
    """Change the sample rate: low-pass (windowed sinc) when going down, then interpolate."""
    if rate <= 0 or target <= 0:
        raise ValueError(f"sample rates must be positive, got {rate} and {target}")
    if samples.ndim == 2:
        columns = [resample(samples[:, c], rate, target) for c in range(samples.shape[1])]
        stacked: Pcm = np.column_stack(columns).astype(np.int16)
        return stacked
    signal = samples.astype(np.float64)
    if rate == target:
        return samples.astype(np.int16)
    if target < rate:
        # Cut just under the new Nyquist frequency so nothing above it folds back as aliasing.
        cutoff = 0.45 * target / rate
        n = np.arange(-_TAPS_PER_SIDE, _TAPS_PER_SIDE + 1)
        kernel = 2 * cutoff * np.sinc(2 * cutoff * n) * np.hamming(n.size)
        signal = np.convolve(signal, kernel / kernel.sum(), mode="same")
    count = int(samples.size * target // rate)
    positions = np.arange(count) * (rate / target)
    out = np.interp(positions, np.arange(samples.size), signal)
    result: Pcm = np.clip(np.round(out), -32768, 32767).astype(np.int16)
    return result


def load_prompt(path: str | Path, rate: int = 8000) -> Pcm:
    """Read a WAV as mono int16 at `rate` (8 kHz by default), mixing stereo down."""
    samples, source_rate = read_wav(path)
    if samples.ndim == 2:
        samples = samples.astype(np.int32).mean(axis=1).round().astype(np.int16)
    return resample(samples, source_rate, rate)


def frames(samples: npt.NDArray[np.int16], size: int = 160) -> Iterator[Pcm]:
    """Cut samples into frames of `size`, zero-padding the last one."""
    for start in range(0, len(samples), size):
        frame = samples[start : start + size]
        if len(frame) < size:
            pad = np.zeros((size - len(frame), *frame.shape[1:]), dtype=np.int16)
            frame = np.concatenate([frame, pad])
        yield frame
