"""A carrier made of SIPp for end-to-end dialler tests: the far ends the switch dials out to.

`carrier_scenario` writes a SIPp UAS scenario (every incoming call runs it): a person who says
"Hello?" and listens, an answering machine that talks for seconds, a busy line, or a phone
nobody picks up. The spoken audio comes from espeak-ng and is played from a pcap written here
(Ethernet/IPv4/UDP/RTP, 20 ms of G.711 per packet), as `play_pcap_audio` wants.

    pcap = person_pcap(tmp_path)
    scenario = carrier_scenario(tmp_path / "person.xml", "person", pcap, hold_ms=5000)
    run = asyncio.ensure_future(run_sipp(scenario, switch.port, carrier_port, "-m", "2"))
"""

from __future__ import annotations

import asyncio
import shutil
import struct
import subprocess
from pathlib import Path

import numpy as np
import numpy.typing as npt

from seatline.rtp import g711
from seatline.switch.config import TrunkConfig
from seatline.switch.prompts import resample, silence, tone
from switch.harness import SippResult, run_sipp, until_listening

from .sipp_xml import CONTACT, reply

RATE = 8000
FRAME_SAMPLES = 160  # 20 ms per RTP packet
Pcm = npt.NDArray[np.int16]

PERSON_TEXT = "Hello?"
MACHINE_TEXT = (
    "Hi, you have reached the voicemail of Anna Schmidt. I cannot take your call right now, "
    "please leave a message after the tone."
)
BEHAVIOURS = ("person", "machine", "busy", "ring_out")


def espeak_available() -> bool:
    """Whether espeak-ng is on PATH (scripts/test installs it)."""
    return shutil.which("espeak-ng") is not None


# -- audio ------------------------------------------------------------------------------------
def speech_pcm(text: str, voice: str = "en", words_per_minute: int = 160) -> Pcm:
    """`text` spoken by espeak-ng, as 8 kHz int16 PCM."""
    wav = subprocess.run(
        ["espeak-ng", "-v", voice, "-s", str(words_per_minute), "--stdout", "--", text],
        capture_output=True,
        check=True,
        timeout=30,
    ).stdout
    rate, samples = _streamed_wav(wav)
    return np.clip(resample(samples.astype(np.float64), rate), -32768, 32767).astype(np.int16)


def _streamed_wav(wav: bytes) -> tuple[int, npt.NDArray[np.int16]]:
    """Rate and samples of a mono 16-bit WAV written to a pipe (its lengths are placeholders)."""
    if wav[:4] != b"RIFF" or wav[8:12] != b"WAVE":
        raise ValueError("espeak-ng wrote no WAV")
    pos, rate = 12, 0
    while pos + 8 <= len(wav):
        kind, size = wav[pos : pos + 4], struct.unpack_from("<I", wav, pos + 4)[0]
        if kind == b"fmt ":
            channels, rate, _, _, bits = struct.unpack_from("<HIIHH", wav, pos + 10)
            if channels != 1 or bits != 16:
                raise ValueError(f"expected mono 16-bit speech, got {channels} ch {bits} bit")
        elif kind == b"data":
            data = wav[pos + 8 :]  # up to the end: a streamed WAV cannot say how long it is
            return rate, np.frombuffer(data[: len(data) // 2 * 2], dtype="<i2").astype(np.int16)
        pos += 8 + size + (size & 1)
    raise ValueError("espeak-ng's WAV has no data chunk")


def person_pcap(directory: Path) -> Path:
    """A person answering: a breath of silence, "Hello?" (about 0.6 s), then listening quietly.

    A real phone keeps sending RTP while its user listens, so the silence is in the pcap too
    (a detector needs to hear the pause after the greeting).
    """
    pcm = np.concatenate([silence(0.3), speech_pcm(PERSON_TEXT), silence(5.0)])
    return write_rtp_pcap(directory / "person.pcap", pcm)


def machine_pcap(directory: Path) -> Path:
    """A voicemail: a long greeting (over 4 s), the beep, then silence while it records."""
    greeting = speech_pcm(MACHINE_TEXT)
    pcm = np.concatenate([silence(0.3), greeting, silence(0.3), tone((1000.0,), 0.5), silence(3.0)])
    return write_rtp_pcap(directory / "machine.pcap", pcm)


# -- pcap -------------------------------------------------------------------------------------
_PCAP_HEADER = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)  # LINKTYPE_ETHERNET
_MAC_DST = bytes.fromhex("020000000002")
_MAC_SRC = bytes.fromhex("020000000001")
_IP_SRC = bytes([192, 0, 2, 1])  # documentation addresses: SIPp replaces them when it plays
_IP_DST = bytes([192, 0, 2, 2])
_UDP_SRC, _UDP_DST = 16000, 16002
_EPOCH = 1_700_000_000


def _checksum(data: bytes) -> int:
    """The Internet checksum (RFC 1071)."""
    if len(data) % 2:
        data += b"\x00"
    total: int = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def _udp_packet(rtp: bytes, ident: int) -> bytes:
    """Ethernet, IPv4 and UDP headers around one RTP packet."""
    udp_len = 8 + len(rtp)
    pseudo = _IP_SRC + _IP_DST + struct.pack("!BBH", 0, 17, udp_len)
    udp = struct.pack("!HHHH", _UDP_SRC, _UDP_DST, udp_len, 0) + rtp
    udp_sum = _checksum(pseudo + udp) or 0xFFFF
    udp = udp[:6] + struct.pack("!H", udp_sum) + udp[8:]
    ip = struct.pack(
        "!BBHHHBBH4s4s", 0x45, 0, 20 + udp_len, ident, 0x4000, 64, 17, 0, _IP_SRC, _IP_DST
    )
    ip = ip[:10] + struct.pack("!H", _checksum(ip)) + ip[12:]
    return _MAC_DST + _MAC_SRC + b"\x08\x00" + ip + udp


def write_rtp_pcap(path: Path, pcm: np.ndarray, payload_type: int = g711.PCMA) -> Path:
    """Write `pcm` (8 kHz int16) as a pcap of RTP packets, 160 samples each, 20 ms apart."""
    samples = np.asarray(pcm, dtype=np.int16)
    short = -len(samples) % FRAME_SAMPLES
    if short:
        samples = np.concatenate([samples, np.zeros(short, dtype=np.int16)])
    encoded = g711.encode(samples, payload_type)
    seq0, ts0, ssrc = 0x2A00, 0x10000000, 0x5EA71E00
    chunks = [_PCAP_HEADER]
    for i in range(len(encoded) // FRAME_SAMPLES):
        marker = 0x80 if i == 0 else 0
        rtp = struct.pack(
            "!BBHII",
            0x80,
            marker | payload_type,
            (seq0 + i) & 0xFFFF,
            (ts0 + i * FRAME_SAMPLES) & 0xFFFFFFFF,
            ssrc,
        )
        frame = _udp_packet(rtp + encoded[i * FRAME_SAMPLES : (i + 1) * FRAME_SAMPLES], i + 1)
        usec = i * 20_000
        seconds, micros = _EPOCH + usec // 1_000_000, usec % 1_000_000
        chunks.append(struct.pack("<IIII", seconds, micros, len(frame), len(frame)) + frame)
    path.write_bytes(b"".join(chunks))
    return path


# -- scenarios --------------------------------------------------------------------------------
_HEAD = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<!-- Written by tests/live/carrier.py: a carrier's far end that {what}. -->
<scenario name="carrier {behaviour}">
"""

_INVITE = """  <recv request="INVITE" rrs="true">
    <action>
      <ereg regexp=".*" search_in="hdr" header="From:" assign_to="caller"/>
      <ereg regexp=".*" search_in="hdr" header="To:" assign_to="callee"/>
    </action>
  </recv>
"""

_INVITE_PLAIN = """  <recv request="INVITE"></recv>
"""

_ACK = '  <recv request="ACK" crlf="true"></recv>\n'

_TRYING = reply("100 Trying")

_RINGING = reply("180 Ringing", to_tag=True, headers=[CONTACT])

_SDP = """v=0
o=carrier 53655765 2353687637 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 8 101
a=rtpmap:8 PCMA/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-15
a=ptime:20
"""

_ANSWER = (
    reply(
        "200 OK",
        attrs=' retrans="500"',
        to_tag=True,
        headers=[CONTACT, "Content-Type: application/sdp"],
        body=_SDP,
    )
    + _ACK
)

_OUR_BYE = """  <send retrans="500">
    <![CDATA[
      BYE [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From:[$callee];tag=[pid]SIPpTag01[call_number]
      To:[$caller]
      Call-ID: [call_id]
      CSeq: 1 BYE
      Contact: <sip:carrier@[local_ip]:[local_port]>
      Max-Forwards: 70
      Content-Length: 0
    ]]>
  </send>
  <recv response="200" crlf="true"></recv>
"""

_BUSY = reply("486 Busy Here", to_tag=True) + _ACK

_CANCELLED = (
    '  <recv request="CANCEL"></recv>\n'
    + reply("200 OK")
    + reply("487 Request Terminated", to_tag=True, cseq="CSeq: [$invite_cseq] INVITE")
    + _ACK
)
_INVITE_CSEQ = """  <recv request="INVITE">
    <action>
      <ereg regexp="[0-9]+" search_in="hdr" header="CSeq:" assign_to="invite_cseq"/>
    </action>
  </recv>
"""

_TAIL = """  <ResponseTimeRepartition value="10, 20, 50, 100, 200, 500"/>
  <CallLengthRepartition value="100, 500, 1000, 5000, 10000"/>
</scenario>
"""


def _play(pcap: Path) -> str:
    return f'  <nop><action><exec play_pcap_audio="{pcap.resolve()}"/></action></nop>\n'


def carrier_scenario(
    path: Path,
    behaviour: str,
    pcap: Path | None = None,
    hold_ms: int = 8000,
    ring_ms: int = 500,
) -> Path:
    """Write a SIPp UAS scenario for one kind of far end; every call SIPp takes runs it.

    - "person": 100, 180, (ring_ms) 200 with SDP (PCMA 8, telephone-event 101), ACK, plays
      `pcap`, then waits for the switch's BYE (answered 200) for up to `hold_ms`; if none comes
      it hangs up itself (BYE, expects 200). Either way the call succeeds.
    - "machine": the same, but the dialler must hang up on a machine: when `hold_ms` passes
      without the switch's BYE, SIPp hangs up and counts the call failed (exit code 1). For a
      machine that is connected to an agent instead, use "person" with the machine's pcap.
    - "busy": 100 then 486 Busy Here, ACK.
    - "ring_out": 100, 180, then rings until CANCEL: 200 to it, 487 to the INVITE, ACK.
    """
    if behaviour not in BEHAVIOURS:
        raise ValueError(f"unknown carrier behaviour {behaviour!r}; one of {BEHAVIOURS}")
    if behaviour in ("person", "machine") and pcap is None:
        raise ValueError(f"a {behaviour} needs the pcap it says (person_pcap, machine_pcap)")
    if hold_ms <= 0 or ring_ms < 0:
        raise ValueError("hold_ms must be positive and ring_ms not negative")
    what = {
        "person": "answers, says hello and listens until either side hangs up",
        "machine": "answers with a voicemail greeting and expects the dialler to hang up",
        "busy": "is busy (486)",
        "ring_out": "rings until the caller gives up (CANCEL)",
    }[behaviour]
    parts = [_HEAD.format(what=what, behaviour=behaviour)]
    if behaviour == "busy":
        parts += [_INVITE_PLAIN, _TRYING, _BUSY]
    elif behaviour == "ring_out":
        parts += [_INVITE_CSEQ, _TRYING, _RINGING, _CANCELLED]
    else:
        assert pcap is not None
        parts += [_INVITE, _TRYING, _RINGING]
        if ring_ms:
            parts.append(f'  <pause milliseconds="{ring_ms}"/>\n')
        parts += [_ANSWER, _play(pcap)]
        parts.append(f'  <recv request="BYE" timeout="{hold_ms}" ontimeout="hang_up"></recv>\n')
        parts.append(reply("200 OK", attrs=' next="done"'))
        parts.append('  <label id="hang_up"/>\n' + _OUR_BYE)
        if behaviour == "machine":
            # The dialler should have hung up: fail this call (SIPp counts a timeout as failed;
            # no such request ever comes).
            parts.append('  <recv request="DIALLER_DID_NOT_HANG_UP" timeout="10"></recv>\n')
        parts.append('  <label id="done"/>\n')
    parts.append(_TAIL)
    path.write_text("".join(parts))
    return path


# -- running it -------------------------------------------------------------------------------
def carrier_trunk(
    port: int, prefixes: tuple[str, ...] = ("0",), name: str = "carrier"
) -> TrunkConfig:
    """A trunk sending numbers with `prefixes` to the carrier SIPp on 127.0.0.1:`port`."""
    return TrunkConfig(
        name,
        inbound_addresses=(f"127.0.0.1:{port}",),
        outbound_host="127.0.0.1",
        outbound_port=port,
        outbound_prefixes=prefixes,
    )


async def start_carrier(
    scenario: Path, switch_port: int, port: int, calls: int = 1, timeout: float = 60.0
) -> asyncio.Future[SippResult]:
    """Start the carrier SIPp on 127.0.0.1:`port` for `calls` calls; returns once it listens."""
    run = asyncio.ensure_future(
        run_sipp(scenario, switch_port, port, "-m", str(calls), service="s", timeout=timeout)
    )
    try:
        await until_listening(port)
    except TimeoutError:
        run.cancel()
        raise
    return run
