"""SIP over TLS (RFC 3261 §26) and SDES-SRTP on TLS legs, with Python's `ssl` as the peer.

Issue 11, finding 7: the switch had no TLS listener, no `sips:`, and sent every leg's audio as
clear G.711. baresip as the peer is in `test_tls_baresip.py`.
"""

from __future__ import annotations

import asyncio
import secrets
import socket
import wave
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from seatline.cli.tls import SelfSigned
from seatline.rtp import g711
from seatline.sip import SipResponse, parse_message
from seatline.sip.sdes import parse_crypto
from seatline.sip.sdp import audio_offer
from seatline.switch import Call
from seatline.switch.fork import ring
from seatline.switch.prompts import tone

from .tls_peer import (
    DOMAIN,
    SrtpPhone,
    TlsClient,
    TlsSwitch,
    certs,
    start_tls_switch,
    tls_registrar,
    tls_switch,
    tone_level,
)

__all__ = ["certs", "tls_registrar", "tls_switch"]


def invite(client: TlsClient, number: str, body: bytes, uri_scheme: str = "sip") -> str:
    """An INVITE over the client's TLS connection; returns its Call-ID."""
    call_id = secrets.token_hex(8)
    host, port = client.local
    client.send(
        f"""INVITE {uri_scheme}:{number}@{DOMAIN} SIP/2.0
Via: {client.via()}
Max-Forwards: 70
From: <{uri_scheme}:caller@{DOMAIN}>;tag=c{call_id[:6]}
To: <{uri_scheme}:{number}@{DOMAIN}>
Call-ID: {call_id}
CSeq: 1 INVITE
Contact: <sip:caller@{host}:{port};transport=tls>
Content-Type: application/sdp""",
        body,
    )
    return call_id


def in_dialog(client: TlsClient, method: str, answer: SipResponse, cseq: int) -> None:
    """ACK or BYE inside the dialog `answer` confirmed."""
    client.send(
        f"""{method} {answer.headers.get("Contact", "").strip("<>")} SIP/2.0
Via: {client.via()}
Max-Forwards: 70
From: {answer.headers.get("From")}
To: {answer.headers.get("To")}
Call-ID: {answer.call_id}
CSeq: {cseq} {method}"""
    )


def answer_crypto(answer: SipResponse) -> str:
    """The one `a=crypto` value of an SDP answer."""
    offer = audio_offer(answer.body)
    assert offer.proto == "RTP/SAVP", answer.body
    assert len(offer.crypto) == 1, answer.body
    return offer.crypto[0]


def capture_wire(session: object) -> list[bytes]:
    """Record every datagram the switch's RTP session receives, before any decryption."""
    captured: list[bytes] = []
    inner: Callable[[bytes, tuple[str, int]], None] = session.datagram_received  # type: ignore[attr-defined]

    def spy(data: bytes, addr: tuple[str, int]) -> None:
        captured.append(bytes(data))
        inner(data, addr)

    session.datagram_received = spy  # type: ignore[attr-defined]
    return captured


async def until(predicate: Callable[[], object], timeout: float = 5.0) -> None:
    """Wait until `predicate()` holds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise TimeoutError("condition not met")
        await asyncio.sleep(0.02)


async def test_a_phone_registers_over_tls_and_its_binding_keeps_the_connection(
    tls_registrar: TlsSwitch, certs: SelfSigned
) -> None:
    tls_registrar.credentials.add(DOMAIN, "alice", "alice-pass", agent_id="alice")
    client = await TlsClient.connect(tls_registrar.tls_port, certs.ca)
    try:
        answer = await client.register("alice", "alice-pass", tls_registrar.tls_port)
        assert answer.status == 200, bytes(answer)
        core = tls_registrar.service.core
        (binding,) = core.registrar.find_agent("alice", core.clock())
        assert binding.transport == "TLS"
        assert (binding.host, binding.port) == client.local
    finally:
        await client.close()


async def test_a_call_to_a_tls_phone_rides_its_connection_with_srtp_both_ways(
    tls_registrar: TlsSwitch, certs: SelfSigned
) -> None:
    tls_registrar.credentials.add(DOMAIN, "alice", "alice-pass", agent_id="alice")
    client = await TlsClient.connect(tls_registrar.tls_port, certs.ca)
    phone = SrtpPhone()
    try:
        assert (await client.register("alice", "alice-pass", tls_registrar.tls_port)).status == 200
        core = tls_registrar.service.core
        ringing = asyncio.ensure_future(ring(core, "agent:alice", timeout=10, tenant_id=""))
        request = await client.request()
        # RFC 5923 style: the INVITE comes back over the connection the phone registered on.
        assert request.method == "INVITE"
        assert request.top_via.transport == "TLS"
        assert "transport=tls" in (request.headers.get("Contact") or "").lower()
        offer = audio_offer(request.body)
        assert offer.proto == "RTP/SAVP"
        offered = [parse_crypto(value) for value in offer.crypto]
        assert [c.suite for c in offered] == ["AES_CM_128_HMAC_SHA1_80", "AES_CM_128_HMAC_SHA1_32"]
        # The phone accepts the 32-bit tag suite (tag 2) and answers with its own key.
        client.send(
            "SIP/2.0 200 OK\r\n"
            + "".join(
                f"{name}: {value}\r\n"
                for name, value in request.headers.items()
                if name.lower() in ("via", "from", "call-id", "cseq")
            )
            + f"To: {request.headers.get('To')};tag=phone1\r\n"
            + f"Contact: <sip:alice@{client.local[0]}:{client.local[1]};transport=tls>\r\n"
            + "Content-Type: application/sdp",
            phone.sdp(crypto=(phone.crypto_line(2, "AES_CM_128_HMAC_SHA1_32"),)),
        )
        call, status = await asyncio.wait_for(ringing, 5)
        assert status == 200 and call is not None
        ack = await client.request()
        assert ack.method == "ACK"
        phone.key_up(str(offered[1]))
        media = call.media
        wire = capture_wire(media)
        heard: list[bytes] = []
        media.taps.append(lambda packet, pt: heard.append(packet[12:]))
        # The switch plays a 1 kHz tone to the phone; the phone sends one to the switch.
        call_play = media.play(g711.encode(tone((1000.0,), 1.0, 0.5), media.codec))
        for seq in range(1, 41):
            phone.send_tone(("127.0.0.1", media.port), seq)
            await asyncio.sleep(0.02)
        await asyncio.wait_for(call_play, 5)
        received = phone.drain()
        assert len(received) >= 30
        # What the phone got on the wire is SRTP: 4-byte tags, and no tone in the payload…
        assert all(len(packet) == 12 + 160 + 4 for packet in received)
        assert tone_level([p[12:-4] for p in received]) < 0.1
        # …and the tone once decrypted with the key the switch offered under tag 2.
        assert phone.context is not None
        assert tone_level([phone.context.unprotect(p)[12:] for p in received]) > 0.8
        # The other way: what reached the switch's socket is not G.711, what it decoded is.
        await until(lambda: len(heard) >= 30)
        assert tone_level([p[12:-4] for p in wire]) < 0.1
        assert tone_level(heard) > 0.8
        await call.hangup()
        bye = await client.request()
        assert bye.method == "BYE" and bye.top_via.transport == "TLS"
    finally:
        phone.close()
        await client.close()


async def _answered_call(tls_switch: TlsSwitch) -> asyncio.Queue[Call]:
    answered: asyncio.Queue[Call] = asyncio.Queue()

    async def answer(call: Call) -> None:
        await call.answer()
        answered.put_nowait(call)
        await call.wait_ended()

    tls_switch.router.add("7000", answer)
    return answered


@pytest.mark.parametrize(
    ("proto", "crypto"),
    [
        ("RTP/AVP", ()),
        ("RTP/SAVP", ()),
        ("RTP/SAVP", ("1 F8_128_HMAC_SHA1_80 inline:" + "A" * 40,)),
        ("RTP/SAVP", ("1 AES_CM_128_HMAC_SHA1_80 inline:" + "A" * 40 + " UNENCRYPTED_SRTP",)),
        ("RTP/SAVP", ("1 AES_CM_128_HMAC_SHA1_80 inline:tooshort",)),
    ],
)
async def test_a_tls_offer_without_usable_crypto_gets_488(
    tls_switch: TlsSwitch, certs: SelfSigned, proto: str, crypto: tuple[str, ...]
) -> None:
    answered = await _answered_call(tls_switch)
    client = await TlsClient.connect(tls_switch.tls_port, certs.ca)
    phone = SrtpPhone()
    try:
        invite(client, "7000", phone.sdp(proto, crypto))
        answer = await client.response()
        assert answer.status == 488, bytes(answer)
        assert b"a=crypto" not in bytes(answer)
        assert answered.empty()
        assert not tls_switch.service.core.legs
    finally:
        phone.close()
        await client.close()


async def test_an_inbound_srtp_call_is_answered_with_our_key_and_echoes_encrypted(
    tls_switch: TlsSwitch, certs: SelfSigned
) -> None:
    client = await TlsClient.connect(tls_switch.tls_port, certs.ca)
    phone = SrtpPhone()
    try:
        invite(client, "9001", phone.sdp())  # the built-in echo test
        answer = await client.response()
        assert answer.status == 200, bytes(answer)
        assert answer.top_via.transport == "TLS"
        assert "transport=tls" in (answer.headers.get("Contact") or "")
        ours = parse_crypto(answer_crypto(answer))
        assert ours.tag == 1 and ours.suite == "AES_CM_128_HMAC_SHA1_80"
        assert ours.key != phone.key
        in_dialog(client, "ACK", answer, 1)
        phone.key_up(str(ours))
        remote = audio_offer(answer.body)
        for seq in range(1, 41):
            phone.send_tone((remote.address, remote.port), seq)
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.1)
        echoed = phone.drain()
        assert len(echoed) >= 30
        assert tone_level([p[12:-10] for p in echoed]) < 0.1
        assert phone.context is not None
        assert tone_level([phone.context.unprotect(p)[12:] for p in echoed]) > 0.8
        in_dialog(client, "BYE", answer, 2)
        assert (await client.response()).status == 200
    finally:
        phone.close()
        await client.close()


async def test_dtmf_prompts_and_recording_work_on_an_srtp_leg(
    tls_switch: TlsSwitch, certs: SelfSigned, tmp_path: Path
) -> None:
    outcome: asyncio.Future[tuple[str, Path]] = asyncio.get_running_loop().create_future()

    async def menu(call: Call) -> None:
        await call.answer()
        recorder = call.start_recording(tmp_path / "srtp.wav")
        await call.play(tone((440.0,), 0.6, 0.3))
        digits = await call.collect_digits(3, timeout=5)
        call.stop_recording()
        outcome.set_result((digits, recorder.path))

    tls_switch.router.add("7100", menu)
    client = await TlsClient.connect(tls_switch.tls_port, certs.ca)
    phone = SrtpPhone()
    try:
        invite(client, "7100", phone.sdp())
        answer = await client.response()
        assert answer.status == 200, bytes(answer)
        in_dialog(client, "ACK", answer, 1)
        phone.key_up(answer_crypto(answer))
        remote = audio_offer(answer.body)
        to = (remote.address, remote.port)
        for seq in range(1, 31):
            phone.send_tone(to, seq)
            await asyncio.sleep(0.02)
        seq = 100
        for digit in "42#":
            seq = phone.send_digit(to, digit, seq)
            await asyncio.sleep(0.05)
        digits, path = await asyncio.wait_for(outcome, 10)
        assert digits == "42"
        # The recording holds the phone's tone (decrypted) and the prompt it was sent.
        with wave.open(str(path), "rb") as wav:
            stereo = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").reshape(-1, 2)
        said, heard = stereo[:, 0], stereo[:, 1]
        assert energy_share(said, 1000.0) > 0.5
        assert energy_share(heard, 440.0) > 0.5
        # The prompt reached the phone as SRTP it can decrypt, not as clear G.711.
        sent = phone.drain()
        assert len(sent) >= 20
        assert phone.context is not None
        assert tone_level([p[12:-10] for p in sent], 440.0) < 0.1
        assert tone_level([phone.context.unprotect(p)[12:] for p in sent], 440.0) > 0.8
    finally:
        phone.close()
        await client.close()


def energy_share(pcm: np.ndarray, frequency: float) -> float:
    """Share of `pcm`'s energy within a few hertz of `frequency`."""
    signal = pcm.astype(np.float64)
    spectrum = np.abs(np.fft.rfft(signal * np.hanning(len(signal)))) ** 2
    centre = round(frequency * len(signal) / 8000)
    width = max(3, len(signal) // 2000)
    return float(spectrum[centre - width : centre + width + 1].sum() / max(spectrum.sum(), 1e-9))


async def test_a_sips_request_gets_a_sips_contact(tls_switch: TlsSwitch, certs: SelfSigned) -> None:
    """RFC 5630 §3.1.3: a dialog made with a SIPS Request-URI has SIPS contacts."""
    await _answered_call(tls_switch)
    client = await TlsClient.connect(tls_switch.tls_port, certs.ca)
    phone = SrtpPhone()
    try:
        invite(client, "7000", phone.sdp(), uri_scheme="sips")
        answer = await client.response()
        assert answer.status == 200, bytes(answer)
        assert (answer.headers.get("Contact") or "").startswith("<sips:")
        in_dialog(client, "ACK", answer, 1)
    finally:
        phone.close()
        await client.close()


def udp_invite(switch_port: int, body: bytes) -> SipResponse:
    """Send an INVITE to 7000 over UDP and return the first final response."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.settimeout(5)
        port = sock.getsockname()[1]
        call_id = secrets.token_hex(8)
        head = (
            f"INVITE sip:7000@{DOMAIN} SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK{call_id};rport\r\n"
            "Max-Forwards: 70\r\n"
            f"From: <sip:caller@{DOMAIN}>;tag=u1\r\nTo: <sip:7000@{DOMAIN}>\r\n"
            f"Call-ID: {call_id}\r\nCSeq: 1 INVITE\r\n"
            f"Contact: <sip:caller@127.0.0.1:{port}>\r\n"
            f"Content-Type: application/sdp\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        sock.sendto(head.encode() + body, ("127.0.0.1", switch_port))
        while True:
            message = parse_message(sock.recv(65536))
            if isinstance(message, SipResponse) and message.status >= 200:
                ack = head.replace("INVITE sip", "ACK sip", 1).replace("1 INVITE", "1 ACK")
                sock.sendto(
                    ack.split("Content-Type")[0].encode() + b"Content-Length: 0\r\n\r\n",
                    ("127.0.0.1", switch_port),
                )
                return message


async def test_keys_never_travel_over_plain_signalling(tls_switch: TlsSwitch) -> None:
    answered = await _answered_call(tls_switch)
    phone = SrtpPhone()
    try:
        # An SRTP offer over UDP would put the keys in clear: refused, and none in the answer.
        refused = await asyncio.to_thread(udp_invite, tls_switch.port, phone.sdp())
        assert refused.status == 488 and b"a=crypto" not in bytes(refused)
        # A plain offer that also lists keys (best-effort SRTP) gets plain RTP and no keys.
        plain = await asyncio.to_thread(udp_invite, tls_switch.port, phone.sdp("RTP/AVP"))
        assert plain.status == 200, bytes(plain)
        assert b"a=crypto" not in plain.body and b"RTP/AVP" in plain.body
        call = await asyncio.wait_for(answered.get(), 5)
        assert call.media.srtp is None
    finally:
        phone.close()


async def test_a_call_to_a_phone_whose_connection_is_gone_fails_at_once(
    tls_registrar: TlsSwitch, certs: SelfSigned
) -> None:
    tls_registrar.credentials.add(DOMAIN, "bob", "bob-pass", agent_id="bob")
    client = await TlsClient.connect(tls_registrar.tls_port, certs.ca)
    assert (await client.register("bob", "bob-pass", tls_registrar.tls_port)).status == 200
    await client.close()
    core = tls_registrar.service.core
    await until(lambda: not core.tls or not core.tls.connections)
    loop = asyncio.get_running_loop()
    started = loop.time()
    call, status = await asyncio.wait_for(ring(core, "agent:bob", timeout=30, tenant_id=""), 5)
    assert call is None and status >= 400
    assert loop.time() - started < 2


async def test_plain_text_and_stalled_handshakes_on_the_tls_port_are_dropped(
    certs: SelfSigned, caplog: pytest.LogCaptureFixture
) -> None:
    """Neither crashes anything nor keeps a connection; TLS clients are served meanwhile."""
    switch = await start_tls_switch(certs, ("127.0.0.1",), handshake_timeout=0.5)
    try:
        # Plain SIP to the TLS port: the handshake fails and the connection is closed.
        reader, writer = await asyncio.open_connection("127.0.0.1", switch.tls_port)
        writer.write(b"OPTIONS sip:127.0.0.1 SIP/2.0\r\nContent-Length: 0\r\n\r\n")
        assert await asyncio.wait_for(reader.read(), 5) == b""
        writer.close()
        # A client that connects and says nothing is closed after the handshake timeout.
        reader, writer = await asyncio.open_connection("127.0.0.1", switch.tls_port)
        assert await asyncio.wait_for(reader.read(), 5) == b""
        writer.close()
        client = await TlsClient.connect(switch.tls_port, certs.ca)
        client.send(
            f"""OPTIONS sip:{DOMAIN} SIP/2.0
Via: {client.via()}
Max-Forwards: 70
From: <sip:probe@{DOMAIN}>;tag=p1
To: <sip:{DOMAIN}>
Call-ID: {secrets.token_hex(6)}
CSeq: 1 OPTIONS"""
        )
        assert (await client.response()).status == 200
        await client.close()
        assert "Traceback" not in caplog.text
    finally:
        await switch.service.stop()


async def test_tls_connections_obey_the_stream_limits(certs: SelfSigned) -> None:
    """The TCP listener's limits hold on TLS too: an idle connection after its handshake is
    closed, and connections beyond the per-source cap are refused."""
    switch = await start_tls_switch(
        certs, ("127.0.0.1",), tcp_idle_seconds=0.6, tcp_max_per_source=2
    )
    clients: list[TlsClient] = []
    try:
        loop = asyncio.get_running_loop()
        idle = await TlsClient.connect(switch.tls_port, certs.ca)
        started = loop.time()
        assert await asyncio.wait_for(idle.reader.read(), 5) == b""  # closed by the switch
        assert loop.time() - started < 3
        clients = [await TlsClient.connect(switch.tls_port, certs.ca) for _ in range(2)]
        third = await TlsClient.connect(switch.tls_port, certs.ca)
        assert await asyncio.wait_for(third.reader.read(), 5) == b""  # over the cap
    finally:
        for client in clients:
            await client.close()
        await switch.service.stop()
