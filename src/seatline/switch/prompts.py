"""Prompt audio: WAV files, PCM arrays, generated tones and espeak-ng speech, all as 8 kHz PCM.

Audio is kept as int16 NumPy arrays at 8 kHz and encoded to the call's G.711 law once per
prompt and codec (cached), so the paced sender only slices bytes.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import tempfile
import wave
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

from seatline.rtp import g711 as _g711
from seatline.switch.errors import SpeechUnavailable

RATE = 8000
Pcm = npt.NDArray[np.int16]


def resample(samples: npt.NDArray[np.float64], rate: int) -> npt.NDArray[np.float64]:
    """Linear-interpolation resampling to 8 kHz (good enough for speech prompts)."""
    if rate == RATE or len(samples) == 0:
        return samples
    count = int(len(samples) * RATE / rate)
    positions = np.arange(count) * (rate / RATE)
    resampled: npt.NDArray[np.float64] = np.interp(positions, np.arange(len(samples)), samples)
    return resampled


def read_wav(path: str | Path) -> Pcm:
    """Read a 16-bit PCM WAV (any rate, mono or stereo) as 8 kHz mono."""
    with wave.open(str(path), "rb") as wav:
        if wav.getsampwidth() != 2:
            raise ValueError(f"{path}: only 16-bit PCM WAV is supported")
        channels = wav.getnchannels()
        rate = wav.getframerate()
        raw = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
    data = raw.reshape(-1, channels).mean(axis=1) if channels > 1 else raw.astype(np.float64)
    return np.clip(resample(data, rate), -32768, 32767).astype(np.int16)


def write_wav(path: str | Path, samples: npt.NDArray[np.int16], channels: int = 1) -> None:
    """Write int16 samples (interleaved when `channels` > 1) as an 8 kHz WAV."""
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(channels)
        wav.setsampwidth(2)
        wav.setframerate(RATE)
        wav.writeframes(samples.astype("<i2").tobytes())


def tone(freqs: tuple[float, ...], seconds: float, level: float = 0.25) -> Pcm:
    """A sum of sine waves at `level` of full scale."""
    t = np.arange(int(seconds * RATE)) / RATE
    wave_sum = sum(np.sin(2 * np.pi * f * t) for f in freqs) / max(1, len(freqs))
    return (np.asarray(wave_sum) * level * 32767).astype(np.int16)


def silence(seconds: float) -> Pcm:
    """Digital silence."""
    return np.zeros(int(seconds * RATE), dtype=np.int16)


def demo_prompt() -> Pcm:
    """The built-in demo prompt: a three-note chime then a pause (about 2 s)."""
    notes = [tone((f,), 0.3) for f in (523.25, 659.25, 783.99)]
    return np.concatenate([*notes, silence(1.1)])


def ringback(seconds: float = 6.0) -> Pcm:
    """North-American ringback (440+480 Hz, 2 s on, 4 s off)."""
    cycle = np.concatenate([tone((440.0, 480.0), 2.0, 0.2), silence(4.0)])
    reps = int(np.ceil(seconds / 6.0))
    return np.tile(cycle, reps)[: int(seconds * RATE)]


SPEECH_TIMEOUT = 20.0  # seconds espeak-ng may take for one prompt


def espeak_available() -> bool:
    """Whether espeak-ng is on PATH."""
    return shutil.which("espeak-ng") is not None


async def synthesize(text: str, voice: str = "en") -> Pcm:
    """Speak `text` with espeak-ng and return 8 kHz PCM."""
    exe = shutil.which("espeak-ng")
    if exe is None:
        raise SpeechUnavailable("call.say needs espeak-ng (apt-get install espeak-ng)")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "say.wav"
        proc = await asyncio.create_subprocess_exec(
            exe,
            "-v",
            voice,
            "-w",
            str(out),
            "--",
            text,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            # Bounded: a stuck synthesizer must not leave a caller in silence for ever.
            _, err = await asyncio.wait_for(proc.communicate(), SPEECH_TIMEOUT)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            raise SpeechUnavailable(f"espeak-ng took over {SPEECH_TIMEOUT:.0f} s") from None
        if proc.returncode != 0:
            raise SpeechUnavailable(f"espeak-ng failed: {err.decode(errors='replace')[:200]}")
        return read_wav(out)


Audio = str | Path | Pcm  # a WAV file or 8 kHz int16 PCM


@lru_cache(maxsize=64)
def _encoded_file(path: str, codec: int) -> bytes:
    return _g711.encode(read_wav(path), codec)


def encode_audio(audio: Audio, codec: int) -> bytes:
    """G.711 bytes for a WAV path or an 8 kHz int16 array (files are cached)."""
    if isinstance(audio, str | Path):
        return _encoded_file(str(audio), codec)
    return _g711.encode(np.asarray(audio, dtype=np.int16), codec)
