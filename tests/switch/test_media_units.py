"""Pure pieces of the media side: prompt frames, timer slots, recording taps, router."""

from __future__ import annotations

import struct
import wave
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from seatline.rtp import g711
from seatline.switch.media import FRAME_SAMPLES, PHASES, MediaEngine, RtpSession, cut_frames
from seatline.switch.recorder import RECEIVED, SENT, Recorder
from seatline.switch.router import CallRouter

PEER = ("127.0.0.1", 40000)


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


def test_recorder_puts_each_direction_on_its_channel(tmp_path: Path) -> None:
    now = [0.0]
    rec = Recorder(tmp_path / "r.wav", 10, clock=lambda: now[0])
    tone = (np.sin(np.arange(160) / 3) * 8000).astype(np.int16)
    for i in range(50):
        now[0] = i * 0.02
        rec.add(RECEIVED, g711.encode(tone, 0), 0)
    rec.add(SENT, g711.silence(8), 8)
    data = read_stereo(rec.close())
    assert data.shape[0] == 50 * 160
    assert np.abs(data[:, 0]).mean() > 1000
    assert np.abs(data[:, 1]).max() < 16


class FakeSocket:
    """Stands in for a session's UDP socket: keeps what was sent."""

    def __init__(self) -> None:
        self.sent: list[bytes] = []

    def sendto(self, data: bytes, address: tuple[str, int]) -> int:
        """Keep a copy (the session reuses its buffer)."""
        self.sent.append(bytes(data))
        return len(data)


def sending_session(engine: MediaEngine, port: int, codec: int = g711.PCMA) -> RtpSession:
    """A session that sends to PEER through a FakeSocket."""
    session = RtpSession(engine, port)
    session.sock = FakeSocket()  # type: ignore[assignment]
    session.set_remote(*PEER, codec, (101,))
    return session


def rtp(payload: bytes, pt: int, seq: int) -> bytes:
    """One RTP packet as a peer would send it."""
    return struct.pack("!BBHII", 0x80, pt, seq, seq * FRAME_SAMPLES, 0x1234) + payload


def read_stereo(path: Path) -> npt.NDArray[np.int16]:
    """A stereo WAV's samples as (n, 2)."""
    with wave.open(str(path), "rb") as wav:
        assert wav.getnchannels() == 2
        return np.frombuffer(wav.readframes(wav.getnframes()), "<i2").reshape(-1, 2)


def noise(seconds: float, seed: int) -> npt.NDArray[np.int16]:
    """Reproducible noise-like audio (each test signal distinct from the others)."""
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(int(seconds * 8000)) * 4000).astype(np.int16)


async def test_recording_holds_what_the_leg_received_and_everything_sent_to_it(
    tmp_path: Path,
) -> None:
    engine = MediaEngine("127.0.0.1", (0, 0))
    leg = sending_session(engine, 1)
    partner = sending_session(engine, 2)
    now = [0.0]
    leg.recorder = Recorder(tmp_path / "leg.wav", 10, clock=lambda: now[0])
    caller, prompt, agent = noise(0.5, 1), noise(0.5, 2), noise(0.5, 3)
    caller_frames = cut_frames(g711.encode(caller, g711.PCMA), g711.PCMA)
    agent_frames = cut_frames(g711.encode(agent, g711.PCMU), g711.PCMU)
    # 0-0.5 s: not linked to anyone; the switch plays a prompt while the caller talks.
    leg.play(g711.encode(prompt, g711.PCMA))
    for i, frame in enumerate(caller_frames):
        now[0] = i * 0.02
        leg.datagram_received(rtp(frame, g711.PCMA, i), PEER)
        leg.tick()
    assert leg.player is None  # the prompt is over
    leg.send_dtmf("5")  # telephone-events are sent but are not audio
    # 0.5-1 s: linked; the partner's audio is relayed to the recorded leg as it arrives.
    partner.relay_to = leg
    for i, frame in enumerate(agent_frames):
        now[0] = 0.5 + i * 0.02
        partner.datagram_received(rtp(frame, g711.PCMU, i), ("127.0.0.1", 40002))
    data = read_stereo(leg.recorder.close())
    half = len(caller)
    assert data.shape == (2 * half, 2)
    decoded = g711.decode(g711.encode(caller, g711.PCMA), g711.PCMA)
    assert np.array_equal(data[:half, RECEIVED], decoded)
    assert not data[half:, RECEIVED].any()
    assert np.array_equal(data[:half, SENT], g711.decode(g711.encode(prompt, 8), 8))
    assert np.array_equal(data[half:, SENT], g711.decode(g711.encode(agent, 0), 0))
    assert partner.recorder is None


async def test_sends_decode_nothing_unless_a_recorder_is_attached(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    decoded: list[int] = []
    real_decode = g711.decode

    def counting_decode(data: bytes | bytearray | memoryview, payload_type: int) -> g711.Pcm:
        decoded.append(len(data))
        return real_decode(data, payload_type)

    monkeypatch.setattr(g711, "decode", counting_decode)
    engine = MediaEngine("127.0.0.1", (0, 0))
    leg = sending_session(engine, 1)
    partner = sending_session(engine, 2)
    partner.relay_to = leg

    def send_a_little() -> None:
        leg.play(g711.silence(g711.PCMA, 3 * FRAME_SAMPLES))
        for seq in range(3):
            leg.tick()
            partner.datagram_received(rtp(g711.silence(g711.PCMA), g711.PCMA, seq), PEER)

    send_a_little()
    assert len(leg.sock.sent) == 6  # type: ignore[union-attr]
    assert decoded == []
    leg.recorder = Recorder(tmp_path / "r.wav", 10, clock=lambda: 0.0)
    send_a_little()
    assert decoded == [FRAME_SAMPLES] * 6


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
