"""Two-channel recording of one leg: what its far end said and what it heard, placed by time.

The media session of the recorded leg feeds both channels: `RECEIVED` with the audio that came
in from the far end, `SENT` with whatever the switch sent it (relayed partner audio, prompts,
ringback, the supervision mix), so the file is what the customer said and heard whoever
produced it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from seatline.rtp import g711 as _g711
from seatline.switch.prompts import RATE, write_wav

# Packets arriving up to this many samples late still follow the previous one without a gap.
_JITTER_SLACK = 400

RECEIVED = 0  # channel of the audio received from the recorded leg's far end
SENT = 1  # channel of the audio sent to it


class Recorder:
    """Collects G.711 payloads per channel and writes a stereo 8 kHz WAV."""

    def __init__(
        self, path: str | Path, max_seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.path = Path(path)
        self.max_samples = int(max_seconds * RATE)
        self._clock = clock
        self._start = clock()
        self._chunks: list[list[tuple[int, np.ndarray]]] = [[], []]
        self._cursor = [0, 0]
        self.closed = False

    def add(self, channel: int, payload: bytes | bytearray, pt: int) -> None:
        """Place one frame on `channel` at its arrival time (G.711 only; others are skipped)."""
        if self.closed or pt not in (_g711.PCMU, _g711.PCMA):
            return
        arrival = int((self._clock() - self._start) * RATE)
        cursor = self._cursor[channel]
        index = cursor if 0 <= arrival - cursor < _JITTER_SLACK or arrival < cursor else arrival
        if index >= self.max_samples:
            return
        pcm = _g711.decode(payload, pt)
        self._chunks[channel].append((index, pcm))
        self._cursor[channel] = index + len(pcm)

    def close(self) -> Path:
        """Write the WAV (channel 0 = `RECEIVED`, 1 = `SENT`) and return its path."""
        if self.closed:
            return self.path
        self.closed = True
        length = min(self.max_samples, max(self._cursor))
        stereo = np.zeros((length, 2), dtype=np.int16)
        for channel, chunks in enumerate(self._chunks):
            for index, pcm in chunks:
                end = min(length, index + len(pcm))
                if end > index:
                    stereo[index:end, channel] = pcm[: end - index]
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.touch(mode=0o600)  # private from the first byte, whatever the umask
        write_wav(self.path, stereo.reshape(-1), channels=2)
        return self.path
