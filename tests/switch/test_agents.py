"""Done-when 3: baresip registers as an agent with digest auth and a SIPp call is bridged to it,
recorded to a stereo WAV whose two channels both carry audio."""

from __future__ import annotations

import asyncio
import wave
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import numpy as np
import pytest

from seatline.switch import BridgeResult, Call

from .conftest import DOMAIN, SwitchUnderTest, needs_baresip, needs_sipp
from .harness import Baresip, run_sipp

pytestmark = [needs_sipp, needs_baresip]


@pytest.fixture
async def agent(switch: SwitchUnderTest, tmp_path: Path) -> AsyncIterator[Baresip]:
    switch.credentials.add(DOMAIN, "alice", "right-pass", agent_id="agent-alice")
    (tmp_path / "alice").mkdir()
    phone = Baresip(tmp_path / "alice", "alice", "right-pass", DOMAIN, switch.port)
    await phone.start()
    try:
        yield phone
    finally:
        await phone.stop()


async def test_wrong_password_is_refused(switch: SwitchUnderTest, tmp_path: Path) -> None:
    switch.credentials.add(DOMAIN, "bob", "right-pass")
    phone = Baresip(tmp_path, "bob", "wrong-pass", DOMAIN, switch.port)
    await phone.start()
    try:
        await until(lambda: switch.service.core.guard.failures > 0)
        assert "401 Unauthorized" in phone.log() or "403 Forbidden" in phone.log()
    finally:
        await phone.stop()
    assert not switch.service.core.registrar.bindings(f"bob@{DOMAIN}", switch.service.core.clock())


async def until(predicate: Callable[[], object], timeout: float = 10.0) -> None:
    """Wait until `predicate()` is true."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise TimeoutError("condition not met")
        await asyncio.sleep(0.05)


async def registered(switch: SwitchUnderTest, user: str) -> None:
    """Wait until `user` has a binding in the switch's registrar."""
    core = switch.service.core
    await until(lambda: core.registrar.bindings(f"{user}@{DOMAIN}", core.clock()))


def channel_rms(path: Path) -> tuple[float, float]:
    with wave.open(str(path), "rb") as wav:
        assert wav.getnchannels() == 2
        data = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").reshape(-1, 2)
    as_float = data.astype(np.float64)
    return tuple(float(np.sqrt(np.mean(as_float[:, c] ** 2))) for c in (0, 1))  # type: ignore[return-value]


async def test_call_is_bridged_to_the_agent_and_recorded(
    switch: SwitchUnderTest, agent: Baresip, tmp_path: Path
) -> None:
    await registered(switch, "alice")
    recording = tmp_path / "call.wav"
    outcome: asyncio.Future[BridgeResult] = asyncio.get_running_loop().create_future()

    async def to_agent(call: Call) -> None:
        outcome.set_result(await call.bridge("agent:agent-alice", record_to=recording))

    switch.router.add("7200", to_agent)
    result = await run_sipp(
        "uac_pcap.xml", switch.port, switch.sipp_port, "-m", "1", service="7200"
    )
    assert result.returncode == 0, result.errors[:2000] + agent.log()[-2000:]
    bridged = await asyncio.wait_for(outcome, 5)
    assert bridged.connected
    await agent.wait_event("CALL_CLOSED")
    caller_rms, agent_rms = channel_rms(recording)
    assert caller_rms > 300, (caller_rms, agent_rms)  # g711a.pcap speech
    assert agent_rms > 300, (caller_rms, agent_rms)  # baresip's 1 kHz tone
