"""Pure pieces of the media side: prompt frames, timer slots, recorder, router."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

from seatline.rtp import g711
from seatline.switch.media import FRAME_SAMPLES, PHASES, MediaEngine, RtpSession, cut_frames
from seatline.switch.recorder import Recorder
from seatline.switch.router import CallRouter


def test_prompt_is_cut_into_frames_padded_with_silence() -> None:
    encoded = bytes(range(256)) * 2  # 512 bytes: three whole frames and 32 bytes
    frames = cut_frames(encoded, g711.PCMA)
    assert [len(f) for f in frames] == [FRAME_SAMPLES] * 4
    assert b"".join(frames)[: len(encoded)] == encoded
    assert frames[-1][32:] == g711.silence(g711.PCMA, FRAME_SAMPLES - 32)
    assert cut_frames(encoded[:320], g711.PCMU) == (encoded[:160], encoded[160:320])


async def test_playing_sessions_are_spread_over_the_timer_slots() -> None:
    engine = MediaEngine("127.0.0.1", (0, 0))
    sessions = []
    for port in range(2 * PHASES + 1):
        session = RtpSession(engine, port)  # no socket: sends are skipped, slots are not
        session.play(b"\xff" * FRAME_SAMPLES, loop=True)
        sessions.append(session)
    assert sorted(len(p) for p in engine.phases) == [2] * (PHASES - 1) + [3]
    assert set(engine.playing) == set(sessions)
    sessions[0].play(b"\xff" * FRAME_SAMPLES)  # a new prompt moves to the emptiest slot
    assert sum(len(p) for p in engine.phases) == len(sessions)
    for session in sessions:
        session.stop_playing()
    assert engine.playing == {}


def test_recorder_puts_each_leg_on_its_channel(tmp_path: Path) -> None:
    now = [0.0]
    rec = Recorder(tmp_path / "r.wav", 10, clock=lambda: now[0])
    tone = (np.sin(np.arange(160) / 3) * 8000).astype(np.int16)
    for i in range(50):
        now[0] = i * 0.02
        rec.add(0, g711.encode(tone, 0), 0)
    rec.add(1, g711.silence(8), 8)
    with wave.open(str(rec.close()), "rb") as wav:
        data = np.frombuffer(wav.readframes(wav.getnframes()), "<i2").reshape(-1, 2)
    assert data.shape[0] == 50 * 160
    assert np.abs(data[:, 0]).mean() > 1000
    assert np.abs(data[:, 1]).max() < 16


def test_router_prefers_exact_then_longest_prefix() -> None:
    async def a(call: object) -> None: ...
    async def b(call: object) -> None: ...
    async def c(call: object) -> None: ...

    router = CallRouter()
    router.add("9000", a)
    router.add_prefix("9", b)
    router.add_prefix("90", c)
    assert router.route("9000") is a
    assert router.route("9012") is c
    assert router.route("9100") is b
    assert router.route("1") is None
