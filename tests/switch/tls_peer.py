"""Peers for the SIP-over-TLS tests: a certificate fixture, a Python `ssl` SIP client, an SRTP
phone end (keys, RTP socket), and baresip configured for TLS with mandatory SRTP."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import secrets
import socket
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

from seatline.cli.tls import SelfSigned, make_self_signed
from seatline.rtp import build_rtp, g711
from seatline.rtp.dtmf import encode_digit
from seatline.rtp.srtp import SrtpContext
from seatline.sip import SipMessage, SipRequest, SipResponse, StreamFramer
from seatline.sip.auth import DigestChallenge, authorize
from seatline.switch import CallRouter, StaticCredentials, SwitchConfig, SwitchService
from seatline.switch.tls import TlsSettings

from .harness import Baresip, free_port

DOMAIN = "127.0.0.1"
KEY = base64.b64encode(bytes(range(1, 31))).decode()


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> SelfSigned:
    """A test CA and a certificate for 127.0.0.1."""
    return make_self_signed(tmp_path_factory.mktemp("certs"), ("127.0.0.1", "localhost"))


@dataclass
class TlsSwitch:
    """A running switch with a TLS listener; loopback is trusted (no digest) unless a test
    registers, so INVITE tests need no challenge round."""

    service: SwitchService
    router: CallRouter
    credentials: StaticCredentials
    calls: list[object] = field(default_factory=list)

    @property
    def port(self) -> int:
        """The UDP/TCP port."""
        return self.service.port

    @property
    def tls_port(self) -> int:
        """The TLS port."""
        port = self.service.core.tls_port
        assert port is not None
        return port


async def start_tls_switch(
    certs: SelfSigned,
    trusted: tuple[str, ...],
    handshake_timeout: float = 10.0,
    **limits: float,
) -> TlsSwitch:
    """A switch on 127.0.0.1 with UDP, TCP and TLS on free ports, letting `trusted` in
    (`limits`: the stream limits of `SwitchConfig`, e.g. tcp_idle_seconds)."""
    router = CallRouter()
    credentials = StaticCredentials()
    config = SwitchConfig(domain=DOMAIN, trusted_sources=trusted, **limits)  # type: ignore[arg-type]
    service = SwitchService(config, router, credentials)
    low = max(20000, min(free_port(), 60000))
    low -= low % 2
    await service.start(
        "127.0.0.1",
        0,
        (low, low + 2000),
        tls=TlsSettings(certs.cert, certs.key, port=0, handshake_timeout=handshake_timeout),
    )
    return TlsSwitch(service, router, credentials)


@pytest.fixture
async def tls_switch(certs: SelfSigned) -> AsyncIterator[TlsSwitch]:
    """A TLS-enabled switch that lets loopback in without digest."""
    switch = await start_tls_switch(certs, ("127.0.0.1",))
    try:
        yield switch
    finally:
        await switch.service.stop()


@pytest.fixture
async def tls_registrar(certs: SelfSigned) -> AsyncIterator[TlsSwitch]:
    """A TLS-enabled switch that challenges everyone (phones must register with digest)."""
    switch = await start_tls_switch(certs, ())
    try:
        yield switch
    finally:
        await switch.service.stop()


class TlsClient:
    """A SIP user agent over one TLS connection, written with Python's `ssl`: sends text,
    reads framed messages."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.framer = StreamFramer()
        self.local: tuple[str, int] = writer.get_extra_info("sockname")[:2]

    @classmethod
    async def connect(cls, port: int, cafile: Path) -> TlsClient:
        """Connect to 127.0.0.1:`port`, verifying the switch's certificate against `cafile`."""
        context = ssl.create_default_context(cafile=str(cafile))
        reader, writer = await asyncio.open_connection(
            "127.0.0.1", port, ssl=context, server_hostname="127.0.0.1"
        )
        return cls(reader, writer)

    def send(self, text: str, body: bytes = b"") -> None:
        """Send one message (`text` is the head without Content-Length, lines joined by CRLF)."""
        head = text.strip().replace("\n", "\r\n") + f"\r\nContent-Length: {len(body)}\r\n\r\n"
        self.writer.write(head.encode() + body)

    async def receive(self, timeout: float = 5.0) -> SipMessage:
        """The next message the switch sends on this connection."""
        while True:
            message = self.framer.next_message()
            if message is not None:
                return message
            data = await asyncio.wait_for(self.reader.read(65536), timeout)
            if not data:
                raise ConnectionError("the switch closed the TLS connection")
            self.framer.feed(data)

    async def response(self, timeout: float = 5.0) -> SipResponse:
        """The next response, skipping 100 Trying."""
        while True:
            message = await self.receive(timeout)
            if isinstance(message, SipResponse) and message.status != 100:
                return message

    async def request(self, timeout: float = 5.0) -> SipRequest:
        """The next request the switch sends."""
        while True:
            message = await self.receive(timeout)
            if isinstance(message, SipRequest):
                return message

    def via(self, branch: str | None = None) -> str:
        """Our Via for a request over this connection."""
        host, port = self.local
        return f"SIP/2.0/TLS {host}:{port};branch=z9hG4bK{branch or secrets.token_hex(6)};rport"

    async def register(self, user: str, password: str, switch_tls_port: int) -> SipResponse:
        """REGISTER `user` with a `;transport=tls` Contact, answering the digest challenge."""
        call_id = secrets.token_hex(8)
        contact = f"<sip:{user}@{self.local[0]}:{self.local[1]};transport=tls>"
        uri = f"sip:{DOMAIN}:{switch_tls_port};transport=tls"
        extra = ""
        for cseq in (1, 2):
            self.send(
                f"""REGISTER {uri} SIP/2.0
Via: {self.via()}
Max-Forwards: 70
From: <sip:{user}@{DOMAIN}>;tag=reg{call_id[:6]}
To: <sip:{user}@{DOMAIN}>
Call-ID: {call_id}
CSeq: {cseq} REGISTER
Contact: {contact}
Expires: 600{extra}"""
            )
            answer = await self.response()
            if answer.status != 401:
                return answer
            challenge = DigestChallenge.parse(answer.headers.get("WWW-Authenticate") or "")
            creds = authorize(challenge, "REGISTER", uri, user, password, secrets.token_hex(4))
            extra = f"\nAuthorization: {creds}"
        return answer

    async def close(self) -> None:
        """Close the connection."""
        self.writer.close()
        with contextlib.suppress(TimeoutError, ConnectionError, ssl.SSLError):
            await asyncio.wait_for(self.writer.wait_closed(), 2)


class SrtpPhone:
    """The media end of a test phone: an RTP socket, an SDES key, and SDP to offer or answer."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.setblocking(False)
        self.port: int = self.sock.getsockname()[1]
        self.key = secrets.token_bytes(30)
        self.context: SrtpContext | None = None

    def crypto_line(self, tag: int = 1, suite: str = "AES_CM_128_HMAC_SHA1_80") -> str:
        """Our `a=crypto` value."""
        return f"{tag} {suite} inline:{base64.b64encode(self.key).decode()}"

    def sdp(self, proto: str = "RTP/SAVP", crypto: tuple[str, ...] | None = None) -> bytes:
        """An offer or answer for PCMU + telephone-event on our socket."""
        lines = crypto if crypto is not None else (self.crypto_line(),)
        attributes = "".join(f"a=crypto:{line}\r\n" for line in lines)
        return (
            "v=0\r\no=phone 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
            f"m=audio {self.port} {proto} 0 101\r\na=rtpmap:0 PCMU/8000\r\n"
            f"a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\n{attributes}a=sendrecv\r\n"
        ).encode()

    def key_up(self, switch_crypto: str) -> None:
        """Start SRTP with the switch's key from its SDP (`a=crypto` value)."""
        parts = switch_crypto.split()
        key = base64.b64decode(parts[2].removeprefix("inline:").split("|")[0])
        self.context = SrtpContext(parts[1], self.key, key)

    def send_tone(self, to: tuple[str, int], seq: int, frequency: float = 1000.0) -> None:
        """One 20 ms PCMU frame of a tone, protected."""
        assert self.context is not None
        samples = np.arange(160) + 160 * seq
        pcm = (8000 * np.sin(2 * np.pi * frequency * samples / 8000)).astype(np.int16)
        packet = build_rtp(0, seq & 0xFFFF, seq * 160, 0xCAFE, g711.encode(pcm, g711.PCMU))
        self.sock.sendto(self.context.protect(packet), to)

    def send_digit(self, to: tuple[str, int], digit: str, seq: int) -> int:
        """An RFC 4733 event for `digit` (payload type 101), protected; returns the next seq."""
        assert self.context is not None
        timestamp = seq * 160  # one timestamp for every packet of the event (RFC 4733 §2.5.1)
        for frame in encode_digit(digit):
            packet = build_rtp(101, seq & 0xFFFF, timestamp, 0xCAFE, frame.payload, frame.marker)
            self.sock.sendto(self.context.protect(packet), to)
            seq += 1
        return seq

    def drain(self) -> list[bytes]:
        """Every datagram waiting on our socket (as it came off the wire)."""
        out: list[bytes] = []
        while True:
            try:
                out.append(self.sock.recv(4096))
            except BlockingIOError:
                return out

    def close(self) -> None:
        """Release the socket."""
        self.sock.close()


def tone_level(payloads: list[bytes], frequency: float = 1000.0) -> float:
    """Share of the signal's energy at `frequency` in PCMU payloads (about 1 for a clean tone,
    about 1/80 for noise such as ciphertext decoded as if it were G.711)."""
    pcm = np.concatenate([g711.decode(p, g711.PCMU) for p in payloads]).astype(np.float64)
    spectrum = np.abs(np.fft.rfft(pcm * np.hanning(len(pcm)))) ** 2
    bin_width = 8000 / len(pcm)
    centre = round(frequency / bin_width)
    band = spectrum[max(0, centre - 3) : centre + 4].sum()
    return float(band / max(spectrum.sum(), 1e-9))


class TlsBaresip(Baresip):
    """baresip registering over TLS (trusting the test CA) with mandatory SRTP on its account."""

    def __init__(self, *args: object, cafile: Path, switch_tls_port: int, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.cafile = cafile
        self.switch_tls_port = switch_tls_port
        self.record_dir = self.dir / "recordings"

    def write_config(self) -> None:
        """The plain config plus srtp, sndfile (what the phone hears) and the CA; a TLS account."""
        super().write_config()
        self.record_dir.mkdir(exist_ok=True)
        config = (self.dir / "config").read_text()
        config = config.replace("sip_trans_def udp", "sip_trans_def tls")
        config += (
            f"sip_cafile {self.cafile}\n"
            "sip_verify_server yes\n"
            "module srtp.so\n"
            "module sndfile.so\n"
            f"snd_path {self.record_dir}\n"
        )
        (self.dir / "config").write_text(config)
        if self.proxy is None:
            aor, outbound = f"sip:{self.user}@{self.domain}:{self.switch_tls_port}", ""
        else:  # a SIP domain by name, reached through the switch's TLS port
            aor, outbound = f"sip:{self.user}@{self.domain}", f';outbound="sip:{self.proxy}"'
        (self.dir / "accounts").write_text(
            f"<{aor};transport=tls>;auth_user={self.user};auth_pass={self.password};"
            f"regint={self.regint};answermode={self.answermode};audio_codecs=PCMU,PCMA"
            f";mediaenc=srtp-mand{outbound}\n"
        )
