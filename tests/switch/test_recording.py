"""Call recordings hold what the recorded leg said (channel 0) and what it heard (channel 1),
whoever produced the audio: the switch's own prompts as much as a bridged agent."""

from __future__ import annotations

import asyncio
import wave
from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from seatline.switch import Call

from .conftest import DOMAIN, SwitchUnderTest, needs_baresip, needs_sipp
from .harness import Baresip, run_sipp
from .test_agents import registered

pytestmark = [needs_sipp]

RATE = 8000


def prompt_audio(seconds: float = 1.5) -> npt.NDArray[np.int16]:
    """A noise-like prompt: it correlates with itself only, not with speech or a tone."""
    rng = np.random.default_rng(7)
    return (rng.standard_normal(int(seconds * RATE)) * 3000).astype(np.int16)


def read_channels(path: Path) -> npt.NDArray[np.float64]:
    """A stereo recording as float (n, 2)."""
    with wave.open(str(path), "rb") as wav:
        assert wav.getnchannels() == 2
        assert wav.getframerate() == RATE
        data = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").reshape(-1, 2)
    return data.astype(np.float64)


def find(signal: npt.NDArray[np.float64], needle: npt.NDArray[np.int16]) -> tuple[int, float]:
    """Where `needle` best matches inside `signal` and the normalised correlation there."""
    probe = needle.astype(np.float64)
    size = 1 << int(np.ceil(np.log2(len(signal) + len(probe))))
    spectrum = np.fft.rfft(signal, size) * np.conj(np.fft.rfft(probe, size))
    lag = int(np.argmax(np.fft.irfft(spectrum, size)[: len(signal) - len(probe) + 1]))
    window = signal[lag : lag + len(probe)]
    score = float(window @ probe / (np.linalg.norm(window) * np.linalg.norm(probe) + 1e-9))
    return lag, score


def located(heard: npt.NDArray[np.float64], prompt: npt.NDArray[np.int16]) -> tuple[int, int]:
    """Where the prompt starts and ends in `heard`, checking that all of it is there, in order."""
    # In 0.25 s pieces: a media timer that fires late leaves a gap in the recording (frames
    # are placed by when they left), which must not fail the test. A piece cut by such a gap
    # still scores over 0.7; unrelated audio scores about 0.1.
    piece = RATE // 4
    spans, scores = [], []
    for start in range(0, len(prompt) - piece + 1, piece):
        lag, score = find(heard, prompt[start : start + piece])
        spans.append(lag)
        scores.append(score)
    assert min(scores) > 0.6, scores
    assert float(np.median(scores)) > 0.9, scores  # G.711 quantisation noise aside
    assert spans == sorted(spans), spans
    return spans[0], spans[-1] + piece


def rms(samples: npt.NDArray[np.float64]) -> float:
    """Root mean square level."""
    return float(np.sqrt(np.mean(samples**2))) if len(samples) else 0.0


async def test_a_prompt_played_while_recording_is_on_the_heard_channel(
    switch: SwitchUnderTest, tmp_path: Path
) -> None:
    recording = tmp_path / "prompt.wav"
    prompt = prompt_audio()
    done: asyncio.Future[Path] = asyncio.get_running_loop().create_future()

    async def greet_and_record(call: Call) -> None:
        await call.answer()
        recorder = call.start_recording(recording)
        await call.play(prompt)
        await call.wait_ended()
        done.set_result(recorder.path)

    switch.router.add("7310", greet_and_record)
    result = await run_sipp(
        "uac_pcap.xml", switch.port, switch.sipp_port, "-m", "1", service="7310"
    )
    assert result.returncode == 0, result.errors[:2000]
    data = read_channels(await asyncio.wait_for(done, 5))
    said, heard = data[:, 0], data[:, 1]
    assert len(data) > 2 * RATE  # the call lasted SIPp's 3 s

    start, end = located(heard, prompt)
    assert start < 0.2 * RATE, start  # the prompt started as the recording did
    assert rms(heard[start:end]) > 1500
    assert rms(heard[end + RATE // 10 :]) < 50  # nothing was sent after it

    assert rms(said) > 300  # g711a.pcap speech from the caller
    assert find(said, prompt)[1] < 0.2  # the caller's channel is not the prompt


@pytest.fixture
async def agent(switch: SwitchUnderTest, tmp_path: Path) -> AsyncIterator[Baresip]:
    """A baresip agent phone (sends a 1 kHz tone) registered as agent-alice."""
    switch.credentials.add(DOMAIN, "alice", "right-pass", agent_id="agent-alice")
    (tmp_path / "alice").mkdir()
    phone = Baresip(tmp_path / "alice", "alice", "right-pass", DOMAIN, switch.port)
    await phone.start()
    try:
        yield phone
    finally:
        await phone.stop()


def tone_level(samples: npt.NDArray[np.float64], freq: float) -> float:
    """How much of `samples`' energy is at `freq` (0..1)."""
    spectrum = np.abs(np.fft.rfft(samples)) ** 2
    freqs = np.fft.rfftfreq(len(samples), 1 / RATE)
    near = np.abs(freqs - freq) < 20
    return float(spectrum[near].sum() / (spectrum.sum() + 1e-9))


@needs_baresip
async def test_a_recording_started_before_the_bridge_holds_prompt_then_agent(
    switch: SwitchUnderTest, agent: Baresip, tmp_path: Path
) -> None:
    await registered(switch, "alice")
    recording = tmp_path / "whole-call.wav"
    prompt = prompt_audio(1.0)
    done: asyncio.Future[tuple[Path, bool]] = asyncio.get_running_loop().create_future()

    async def announce_then_bridge(call: Call) -> None:
        await call.answer()
        recorder = call.start_recording(recording)
        await call.play(prompt)
        bridged = await call.bridge("agent:agent-alice")
        done.set_result((recorder.path, bridged.connected))

    switch.router.add("7320", announce_then_bridge)
    result = await run_sipp(
        "uac_pcap.xml", switch.port, switch.sipp_port, "-m", "1", service="7320"
    )
    assert result.returncode == 0, result.errors[:2000] + agent.log()[-2000:]
    path, connected = await asyncio.wait_for(done, 5)
    assert connected
    await agent.wait_event("CALL_CLOSED")
    data = read_channels(path)
    said, heard = data[:, 0], data[:, 1]
    start, end = located(heard, prompt)
    assert start < 0.2 * RATE, start
    after = heard[end:]
    assert rms(after) > 300  # the agent's phone, relayed once bridged
    assert tone_level(after, 1000.0) > 0.5  # ...which sends baresip's 1 kHz tone
    assert rms(said) > 300
