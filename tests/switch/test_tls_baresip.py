"""Done-when of finding 7 with a real phone: baresip registers over TLS (trusting a self-signed
CA) and takes, and makes, calls with mandatory SDES-SRTP; audio flows both ways, and the RTP on
the wire is not G.711 in clear."""

from __future__ import annotations

import asyncio
import wave
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import numpy as np
import pytest

from seatline.cli.tls import SelfSigned
from seatline.rtp import g711
from seatline.switch import Call
from seatline.switch.fork import ring
from seatline.switch.prompts import tone

from .conftest import needs_baresip, needs_sipp
from .harness import free_port, run_sipp
from .test_agents import channel_rms
from .test_tls import capture_wire, until
from .tls_peer import (
    DOMAIN,
    TlsBaresip,
    TlsSwitch,
    certs,
    start_tls_switch,
    tls_registrar,
    tone_level,
)

__all__ = ["certs", "tls_registrar"]

pytestmark = [needs_baresip]


async def tls_phone(switch: TlsSwitch, certs: SelfSigned, workdir: Path) -> TlsBaresip:
    """alice's baresip, registered over TLS with `mediaenc=srtp-mand`."""
    switch.credentials.add(DOMAIN, "alice", "alice-pass", agent_id="alice")
    workdir.mkdir()
    phone = TlsBaresip(
        workdir,
        "alice",
        "alice-pass",
        DOMAIN,
        switch.port,
        cafile=certs.ca,
        switch_tls_port=switch.tls_port,
    )
    await phone.start()
    core = switch.service.core
    try:
        await until(lambda: core.registrar.find_agent("alice", core.clock()), timeout=15)
    except TimeoutError:
        await phone.stop()
        raise AssertionError("baresip did not register over TLS:\n" + phone.log()[-3000:]) from None
    return phone


def heard_by_phone(phone: TlsBaresip) -> np.ndarray:
    """What baresip decoded from the switch (its sndfile `-dec` recording), as PCM."""
    (path,) = [p for p in phone.record_dir.glob("*.wav") if "dec" in p.name]
    with wave.open(str(path), "rb") as wav:
        return np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")


def energy_at(pcm: np.ndarray, frequency: float) -> float:
    """Share of `pcm`'s energy within a few hertz of `frequency`."""
    signal = pcm.astype(np.float64)
    spectrum = np.abs(np.fft.rfft(signal * np.hanning(len(signal)))) ** 2
    centre = round(frequency * len(signal) / 8000)
    width = max(3, len(signal) // 2000)
    return float(spectrum[centre - width : centre + width + 1].sum() / max(spectrum.sum(), 1e-9))


def listen(call: Call) -> tuple[list[bytes], list[bytes]]:
    """(packets as they reached the switch's socket, payloads the switch decoded from them)."""
    wire = capture_wire(call.media)
    heard: list[bytes] = []
    tap: Callable[[bytes, int], None] = lambda packet, pt: heard.append(packet[12:])  # noqa: E731
    call.media.taps.append(tap)
    return wire, heard


async def test_a_tls_phone_takes_a_call_with_srtp_and_audio_both_ways(
    tls_registrar: TlsSwitch, certs: SelfSigned, tmp_path: Path
) -> None:
    phone = await tls_phone(tls_registrar, certs, tmp_path / "alice")
    try:
        (binding,) = tls_registrar.service.core.registrar.find_agent(
            "alice", tls_registrar.service.core.clock()
        )
        assert binding.transport == "TLS"
        call, status = await ring(
            tls_registrar.service.core, "agent:alice", timeout=10, tenant_id=""
        )
        assert status == 200 and call is not None, phone.log()[-3000:]
        assert call.leg.transport == "TLS"
        assert call.media.srtp is not None
        wire, heard = listen(call)
        # The switch sends 440 Hz; baresip sends its 1 kHz tone file.
        await call.media.play(g711.encode(tone((440.0,), 2.0, 0.3), call.media.codec))
        await until(lambda: len(heard) >= 50)
        assert call.media.srtp_dropped == 0
        # Received on the wire: SRTP (80-bit tags), its payload is no tone...
        assert all(len(p) == 12 + 160 + 10 for p in wire[-50:]), {len(p) for p in wire}
        assert tone_level([p[12:-10] for p in wire[-50:]]) < 0.1
        # ...while what the switch decrypted is baresip's 1 kHz tone.
        assert tone_level(heard[-50:]) > 0.5
        await call.hangup()
        await phone.wait_event("CALL_CLOSED")
        # And the phone heard the switch's 440 Hz through SRTP.
        await until(lambda: any(phone.record_dir.glob("*dec*.wav")))
        assert energy_at(heard_by_phone(phone), 440.0) > 0.3
    finally:
        await phone.stop()


@pytest.fixture
async def tls_with_sipp(certs: SelfSigned) -> AsyncIterator[tuple[TlsSwitch, int]]:
    """A TLS-enabled switch whose only trusted peer is a SIPp caller's port."""
    sipp_port = free_port()
    switch = await start_tls_switch(certs, (f"127.0.0.1:{sipp_port}",))
    try:
        yield switch, sipp_port
    finally:
        await switch.service.stop()


@needs_sipp
async def test_a_plain_caller_bridged_to_an_srtp_agent_is_relayed_and_recorded(
    tls_with_sipp: tuple[TlsSwitch, int], certs: SelfSigned, tmp_path: Path
) -> None:
    """SIPp (plain UDP, G.711 speech) -> switch -> baresip (TLS, SRTP): decrypt one side,
    encrypt the other; the customer's recording has both voices."""
    switch, sipp_port = tls_with_sipp
    recording = tmp_path / "bridge.wav"
    linked: asyncio.Future[Call] = asyncio.get_running_loop().create_future()
    wires: list[list[bytes]] = []

    async def to_agent(call: Call) -> None:
        agent, status = await call.connect("agent:alice")
        assert agent is not None, status
        assert agent.leg.transport == "TLS" and agent.media.srtp is not None
        assert call.media.srtp is None  # the caller's leg stays plain RTP
        wires.append(capture_wire(agent.media))
        call.start_recording(recording)
        linked.set_result(agent)
        await call.wait_unlinked()

    switch.router.add("7200", to_agent)
    phone = await tls_phone(switch, certs, tmp_path / "alice")
    try:
        result = await run_sipp("uac_pcap.xml", switch.port, sipp_port, "-m", "1", service="7200")
        assert result.returncode == 0, result.errors[:2000] + phone.log()[-2000:]
        await asyncio.wait_for(linked, 5)
        await phone.wait_event("CALL_CLOSED")
        (wire,) = wires
        assert len(wire) > 100
        assert tone_level([p[12:-10] for p in wire[-100:]]) < 0.1  # the agent's leg: ciphertext
        caller_rms, agent_rms = channel_rms(recording)
        assert caller_rms > 300, (caller_rms, agent_rms)  # SIPp's speech (plain leg)
        assert agent_rms > 300, (caller_rms, agent_rms)  # baresip's tone, decrypted
        # baresip heard SIPp's speech through SRTP.
        await until(lambda: any(phone.record_dir.glob("*dec*.wav")))
        assert np.sqrt(np.mean(heard_by_phone(phone).astype(np.float64) ** 2)) > 300
    finally:
        await phone.stop()


async def test_hold_and_resume_keep_an_srtp_call_decrypting(
    tls_registrar: TlsSwitch, certs: SelfSigned, tmp_path: Path
) -> None:
    """Re-INVITEs on an SRTP leg carry our key again and take the phone's (maybe new) one."""
    phone = await tls_phone(tls_registrar, certs, tmp_path / "alice")
    try:
        call, status = await ring(
            tls_registrar.service.core, "agent:alice", timeout=10, tenant_id=""
        )
        assert status == 200 and call is not None, phone.log()[-3000:]
        _, heard = listen(call)
        await until(lambda: len(heard) >= 10)
        await call.hold()
        await asyncio.sleep(0.5)
        await call.resume()
        await asyncio.sleep(0.5)
        before = len(heard)
        await until(lambda: len(heard) >= before + 50)
        assert tone_level(heard[-50:]) > 0.5
        assert call.media.srtp_dropped <= 2, call.media.srtp_dropped
        await call.hangup()
    finally:
        await phone.stop()


async def test_a_tls_phone_calls_in_with_srtp(
    tls_registrar: TlsSwitch, certs: SelfSigned, tmp_path: Path
) -> None:
    answered: asyncio.Future[Call] = asyncio.get_running_loop().create_future()

    async def pick_up(call: Call) -> None:
        await call.answer()
        answered.set_result(call)
        await call.media.play(g711.encode(tone((440.0,), 3.0, 0.3), call.media.codec))
        await call.hangup()

    tls_registrar.router.add("7300", pick_up)
    phone = await tls_phone(tls_registrar, certs, tmp_path / "alice")
    try:
        await phone.command("dial", f"sip:7300@{DOMAIN}:{tls_registrar.tls_port};transport=tls")
        call = await asyncio.wait_for(answered, 15)
        assert call.leg.transport == "TLS" and call.agent_id == "alice"
        assert call.media.srtp is not None
        wire, heard = listen(call)
        await until(lambda: len(heard) >= 50)
        assert tone_level([p[12:-10] for p in wire[-50:]]) < 0.1
        assert tone_level(heard[-50:]) > 0.5
        await phone.wait_event("CALL_CLOSED", timeout=10)
    finally:
        await phone.stop()
