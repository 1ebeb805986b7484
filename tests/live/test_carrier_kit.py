"""The SIPp carrier kit: each far end behaves as promised when the switch dials out to it, and
answering machine detection tells the person from the voicemail on live RTP."""

from __future__ import annotations

import asyncio
import dataclasses
import struct
import xml.etree.ElementTree as ET
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest

from seatline.dialer import AmdResult, AmdVerdict, AnsweringMachineDetector
from seatline.rtp import g711
from seatline.switch import Call, CallEvent, Progress, outbound
from seatline.switch.media import payload_offset
from switch.conftest import SwitchUnderTest, needs_sipp
from switch.harness import SippResult

from .carrier import (
    BEHAVIOURS,
    carrier_scenario,
    carrier_trunk,
    espeak_available,
    machine_pcap,
    person_pcap,
    start_carrier,
    write_rtp_pcap,
)

needs_espeak = pytest.mark.skipif(not espeak_available(), reason="espeak-ng missing")
NUMBER = "0301234567"


# -- pure: the pcap and the scenarios --------------------------------------------------------
def read_pcap(path: Path) -> list[tuple[int, bytes]]:
    """(time in µs, Ethernet frame) of every packet in a classic little-endian pcap."""
    data = path.read_bytes()
    magic, major, minor, _, _, snaplen, link = struct.unpack_from("<IHHiIII", data)
    assert (magic, major, minor, link) == (0xA1B2C3D4, 2, 4, 1)
    packets, pos = [], 24
    while pos < len(data):
        sec, usec, incl, orig = struct.unpack_from("<IIII", data, pos)
        assert incl == orig <= snaplen
        packets.append((sec * 1_000_000 + usec, data[pos + 16 : pos + 16 + incl]))
        pos += 16 + incl
    return packets


def internet_checksum_ok(data: bytes) -> bool:
    """Whether `data` (checksum included) sums to 0xFFFF in one's complement."""
    if len(data) % 2:
        data += b"\x00"
    total: int = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return total == 0xFFFF


def test_pcap_holds_20ms_rtp_packets_of_the_audio(tmp_path: Path) -> None:
    pcm = (np.sin(np.arange(8000 + 50) * 0.3) * 8000).astype(np.int16)
    packets = read_pcap(write_rtp_pcap(tmp_path / "a.pcap", pcm))
    assert len(packets) == 51  # 1 s and 50 samples: the last packet padded with silence
    times = np.array([t for t, _ in packets])
    assert set(np.diff(times)) == {20_000}
    audio, seqs, stamps = [], [], []
    for i, (_, frame) in enumerate(packets):
        assert frame[12:14] == b"\x08\x00"  # IPv4
        ip, udp = frame[14:34], frame[34:]
        assert ip[0] == 0x45 and ip[9] == 17 and internet_checksum_ok(ip)
        assert struct.unpack("!H", ip[2:4])[0] == 20 + len(udp)
        assert struct.unpack("!H", udp[4:6])[0] == len(udp) == 8 + 12 + 160
        assert internet_checksum_ok(ip[12:20] + struct.pack("!BBH", 0, 17, len(udp)) + udp)
        rtp = udp[8:]
        assert rtp[0] == 0x80 and rtp[1] & 0x7F == 8 and bool(rtp[1] & 0x80) == (i == 0)
        seq, stamp = struct.unpack("!HI", rtp[2:8])
        seqs.append(seq)
        stamps.append(stamp)
        audio.append(g711.decode(rtp[12:], 8))
    assert {(b - a) & 0xFFFF for a, b in pairwise(seqs)} == {1}
    assert {(b - a) & 0xFFFFFFFF for a, b in pairwise(stamps)} == {160}
    decoded = np.concatenate(audio)
    assert np.abs(decoded[: len(pcm)].astype(int) - pcm).max() < 300  # A-law step at 8000
    assert np.abs(decoded[len(pcm) :]).max() < 16  # padded with A-law silence


def test_pcmu_pcap_has_payload_type_0(tmp_path: Path) -> None:
    (_, frame), *_ = read_pcap(write_rtp_pcap(tmp_path / "u.pcap", np.zeros(160, np.int16), 0))
    assert frame[14 + 20 + 8 + 1] & 0x7F == 0


@pytest.mark.parametrize("behaviour", BEHAVIOURS)
def test_scenarios_are_well_formed_xml(tmp_path: Path, behaviour: str) -> None:
    pcap = tmp_path / "x.pcap"
    path = carrier_scenario(tmp_path / f"{behaviour}.xml", behaviour, pcap, hold_ms=1234)
    root = ET.parse(path).getroot()
    assert root.tag == "scenario"
    assert root[0].tag == "recv" and root[0].get("request") == "INVITE"
    if behaviour in ("person", "machine"):
        assert str(pcap.resolve()) in path.read_text()
        assert 'timeout="1234"' in path.read_text()


def test_scenario_arguments_are_checked(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown carrier behaviour"):
        carrier_scenario(tmp_path / "x.xml", "fax")
    with pytest.raises(ValueError, match="needs the pcap"):
        carrier_scenario(tmp_path / "x.xml", "person")


# -- live: the switch dials the carrier ------------------------------------------------------
class Listener:
    """An RTP tap feeding the answering machine detector (gaps in sequence count as silence)."""

    def __init__(self) -> None:
        self.detector = AnsweringMachineDetector()
        self.decided = asyncio.Event()
        self.packets = 0
        self._seq: int | None = None

    def __call__(self, data: bytes, pt: int) -> None:
        if pt not in (g711.PCMU, g711.PCMA):
            return
        self.packets += 1
        seq = int.from_bytes(data[2:4], "big")
        if self._seq is not None:
            lost = (seq - self._seq - 1) & 0xFFFF
            if 0 < lost < 100:  # a reordered or very old packet is no gap
                self.detector.feed_silence(lost * 160)
        self._seq = seq
        if self.detector.feed(g711.decode(data[payload_offset(data) :], pt)) is not None:
            self.decided.set()

    async def verdict(self, timeout: float = 10.0) -> AmdResult:
        """Wait for the detector's result."""
        await asyncio.wait_for(self.decided.wait(), timeout)
        result = self.detector.result
        assert result is not None
        return result


async def carrier(
    switch: SwitchUnderTest, scenario: Path, calls: int = 1
) -> asyncio.Future[SippResult]:
    """Route NUMBER's prefix to a carrier SIPp running `scenario` on the switch's UAS port."""
    core = switch.service.core
    trunk = carrier_trunk(switch.sipp_uas_port)
    core.config = dataclasses.replace(core.config, trunks=(*core.config.trunks, trunk))
    return await start_carrier(scenario, switch.port, switch.sipp_uas_port, calls, timeout=30)


async def finished(run: asyncio.Future[SippResult]) -> SippResult:
    """The carrier's result, bounded."""
    result = await asyncio.wait_for(run, 45)
    assert result.returncode == 0, result.errors[:3000]
    return result


async def dial(switch: SwitchUnderTest) -> tuple[Call, Listener]:
    """Dial NUMBER out through the carrier trunk, with a detector listening to what comes back."""
    call = await outbound.dial(switch.service.core, NUMBER, tenant_id="")
    listener = Listener()
    call.media.taps.append(listener)
    return call, listener


@needs_sipp
async def test_busy_line_answers_486_to_every_call(switch: SwitchUnderTest, tmp_path: Path) -> None:
    run = await carrier(switch, carrier_scenario(tmp_path / "busy.xml", "busy"), calls=3)
    calls = [(await dial(switch))[0] for _ in range(3)]
    statuses = await asyncio.gather(*(c.wait_answer(10) for c in calls))
    assert statuses == [486, 486, 486]
    assert (await finished(run)).successful == 3


@needs_sipp
async def test_ring_out_rings_until_cancelled(switch: SwitchUnderTest, tmp_path: Path) -> None:
    run = await carrier(switch, carrier_scenario(tmp_path / "ring.xml", "ring_out"))
    call, _ = await dial(switch)
    ringing = asyncio.Event()

    def on_event(event: CallEvent) -> None:
        if isinstance(event, Progress) and event.status == 180:
            ringing.set()

    call.on(on_event)
    await asyncio.wait_for(ringing.wait(), 10)
    await call.hangup()  # the dialler's ring timeout: CANCEL
    assert await call.wait_answer(10) == 487
    assert (await finished(run)).successful == 1


@needs_sipp
@needs_espeak
async def test_person_says_hello_and_hangs_up_after_hold(
    switch: SwitchUnderTest, tmp_path: Path
) -> None:
    scenario = carrier_scenario(tmp_path / "p.xml", "person", person_pcap(tmp_path), hold_ms=3000)
    run = await carrier(switch, scenario)
    call, listener = await dial(switch)
    assert await call.wait_answer(10) == 200
    result = await listener.verdict()
    assert result.verdict is AmdVerdict.HUMAN, result
    assert result.seconds < 2.5  # 0.3 s lead-in, "Hello?", then the 0.8 s pause
    await asyncio.wait_for(call.wait_ended(), 10)  # the person's BYE after hold_ms
    assert call.end_reason == "remote-bye"
    assert call.media.packets_in > 20
    assert (await finished(run)).successful == 1


@needs_sipp
@needs_espeak
async def test_person_hears_the_switch_hang_up(switch: SwitchUnderTest, tmp_path: Path) -> None:
    scenario = carrier_scenario(tmp_path / "p.xml", "person", person_pcap(tmp_path), hold_ms=20000)
    run = await carrier(switch, scenario, calls=2)
    dialled = [await dial(switch) for _ in range(2)]
    assert await asyncio.gather(*(c.wait_answer(10) for c, _ in dialled)) == [200, 200]
    for call, listener in dialled:
        assert (await listener.verdict()).verdict is AmdVerdict.HUMAN
        assert call.media.packets_in > 20
        await call.hangup()
    assert (await finished(run)).successful == 2


@needs_sipp
@needs_espeak
async def test_machine_is_detected_and_hung_up_on(switch: SwitchUnderTest, tmp_path: Path) -> None:
    pcap = machine_pcap(tmp_path)
    run = await carrier(switch, carrier_scenario(tmp_path / "m.xml", "machine", pcap))
    call, listener = await dial(switch)
    assert await call.wait_answer(10) == 200
    result = await listener.verdict()
    assert result.verdict is AmdVerdict.MACHINE, result
    assert result.reason in ("long greeting", "too many words")
    assert call.media.packets_in > 20
    await call.hangup()
    assert (await finished(run)).successful == 1


@needs_sipp
@needs_espeak
async def test_machine_not_hung_up_on_fails_the_carrier_call(
    switch: SwitchUnderTest, tmp_path: Path
) -> None:
    pcap = machine_pcap(tmp_path)
    scenario = carrier_scenario(tmp_path / "m.xml", "machine", pcap, hold_ms=1500)
    run = await carrier(switch, scenario)
    call, _ = await dial(switch)
    assert await call.wait_answer(10) == 200
    result = await asyncio.wait_for(run, 45)
    assert result.returncode != 0 and result.failed == 1
    await asyncio.wait_for(call.wait_ended(), 10)  # SIPp's own BYE as it gives up
    assert call.end_reason == "remote-bye"
