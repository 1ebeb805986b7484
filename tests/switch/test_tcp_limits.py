"""Finding 17: the TCP listener times connections out, caps them, and caps message size.

Real sockets against a running switch with small limits: an idle connection and a message
that stalls half-way are closed after their timeouts (CRLF keep-alives count as life), new
connections beyond the total or per-source cap are refused, an oversized message is
answered 513 and its connection closed, and a phone registered over TCP keeps its
connection for as long as its registration lasts.
"""

from __future__ import annotations

import asyncio
import secrets
import socket
from collections.abc import AsyncIterator

import pytest

from seatline.config import load_settings
from seatline.sip import SipResponse, parse_message
from seatline.sip.auth import DigestChallenge, authorize
from seatline.switch import StaticCredentials, SwitchConfig, SwitchService
from seatline.switch_node import switch_config

from .conftest import DOMAIN
from .harness import free_port

IDLE = 0.6
STALL = 0.4
LIMITS = {
    "tcp_idle_seconds": IDLE,
    "tcp_message_seconds": STALL,
    "tcp_max_connections": 6,
    "tcp_max_per_source": 3,
    "max_message_bytes": 4096,
}


@pytest.fixture
async def tcp_switch() -> AsyncIterator[SwitchService]:
    credentials = StaticCredentials()
    credentials.add(DOMAIN, "alice", "s3cret", agent_id="alice")
    service = SwitchService(SwitchConfig(domain=DOMAIN, **LIMITS), credentials=credentials)  # type: ignore[arg-type]
    low = max(20000, min(free_port(), 60000))
    await service.start("127.0.0.1", 0, (low, low + 100))
    try:
        yield service
    finally:
        await service.stop()


@pytest.fixture
def loopback_aliases() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.3", 0))
        except OSError:
            pytest.skip("127.0.0.2-3 are not loopback addresses here")


async def connect(
    service: SwitchService, host: str = "127.0.0.1"
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection("127.0.0.1", service.port, local_addr=(host, 0))


async def closed_within(reader: asyncio.StreamReader, timeout: float) -> float:
    """Read until EOF (or reset); return how long the switch took to close the connection."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    try:
        while await asyncio.wait_for(reader.read(65536), timeout - (loop.time() - start)):
            pass
    except (ConnectionResetError, BrokenPipeError):
        pass
    return loop.time() - start


def options(port: int, body: str = "", length: int | None = None) -> bytes:
    size = len(body.encode()) if length is None else length
    return (
        f"OPTIONS sip:127.0.0.1 SIP/2.0\r\n"
        f"Via: SIP/2.0/TCP 127.0.0.1:{port};branch=z9hG4bK{secrets.token_hex(6)}\r\n"
        "Max-Forwards: 70\r\nFrom: <sip:t@127.0.0.1>;tag=1\r\nTo: <sip:127.0.0.1>\r\n"
        f"Call-ID: {secrets.token_hex(6)}\r\nCSeq: 1 OPTIONS\r\n"
        f"Content-Type: text/plain\r\nContent-Length: {size}\r\n\r\n{body}"
    ).encode()


async def test_an_idle_connection_is_closed(tcp_switch: SwitchService) -> None:
    reader, writer = await connect(tcp_switch)
    took = await closed_within(reader, 5.0)
    assert IDLE * 0.8 <= took < IDLE + 2.0
    writer.close()
    assert not tcp_switch.core.tcp or not tcp_switch.core.tcp.connections


async def test_a_stalled_message_is_closed_even_while_bytes_trickle(
    tcp_switch: SwitchService,
) -> None:
    reader, writer = await connect(tcp_switch)
    port = writer.get_extra_info("sockname")[1]
    message = options(port, length=100)  # the head promises 100 bytes of body

    async def trickle() -> None:
        writer.write(message)
        for _ in range(40):  # a byte every 50 ms: never idle, never done
            await asyncio.sleep(0.05)
            writer.write(b"x")

    feeding = asyncio.ensure_future(trickle())
    try:
        took = await closed_within(reader, 5.0)
    finally:
        feeding.cancel()
        writer.close()
    assert took < STALL + 1.5  # well before the 2 s the trickle would need


async def test_keep_alives_and_messages_keep_a_connection_open(tcp_switch: SwitchService) -> None:
    reader, writer = await connect(tcp_switch)
    port = writer.get_extra_info("sockname")[1]
    loop = asyncio.get_running_loop()
    start = loop.time()
    while loop.time() - start < IDLE * 2.5:
        writer.write(b"\r\n\r\n")  # RFC 5626 ping
        assert await asyncio.wait_for(reader.readexactly(2), 1.0) == b"\r\n"  # pong
        await asyncio.sleep(IDLE / 3)
    writer.write(options(port, "hello"))
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 2.0)
    answer = parse_message(head)
    assert isinstance(answer, SipResponse) and answer.status == 200
    took = await closed_within(reader, 5.0)  # then silence: closed
    assert took >= IDLE * 0.8
    writer.close()


async def test_connections_beyond_the_caps_are_refused(
    tcp_switch: SwitchService, loopback_aliases: None
) -> None:
    opened = [await connect(tcp_switch) for _ in range(3)]
    await asyncio.sleep(0.05)
    fourth_reader, fourth_writer = await connect(tcp_switch)  # a fourth from one address
    assert await closed_within(fourth_reader, 2.0) < 1.0
    fourth_writer.close()
    opened += [await connect(tcp_switch, "127.0.0.2") for _ in range(3)]
    await asyncio.sleep(0.05)
    tcp = tcp_switch.core.tcp
    assert tcp is not None and len(tcp.connections) == 6
    reader, writer = await connect(tcp_switch, "127.0.0.3")  # a seventh in all
    assert await closed_within(reader, 2.0) < 1.0
    writer.close()
    # Room again once one goes away.
    opened[0][1].close()
    await asyncio.sleep(0.1)
    reader, writer = await connect(tcp_switch, "127.0.0.3")
    port = writer.get_extra_info("sockname")[1]
    writer.write(options(port))
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 2.0)
    assert parse_message(head).status == 200  # type: ignore[union-attr]
    writer.close()
    for _, w in opened[1:]:
        w.close()


async def test_an_oversized_message_gets_513_and_the_connection_closes(
    tcp_switch: SwitchService,
) -> None:
    reader, writer = await connect(tcp_switch)
    port = writer.get_extra_info("sockname")[1]
    writer.write(options(port, length=10_000))
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 2.0)
    answer = parse_message(head)
    assert isinstance(answer, SipResponse) and answer.status == 513
    assert await closed_within(reader, 2.0) < 1.0
    writer.close()
    # A header block that never ends is cut off at the same size.
    reader, writer = await connect(tcp_switch)
    writer.write(b"OPTIONS sip:127.0.0.1 SIP/2.0\r\nX: " + b"a" * 8000)
    assert await closed_within(reader, 2.0) < 1.0
    writer.close()


async def test_a_phone_registered_over_tcp_keeps_its_connection(
    tcp_switch: SwitchService,
) -> None:
    reader, writer = await connect(tcp_switch)
    port = writer.get_extra_info("sockname")[1]

    def register(cseq: int, expires: int, auth: str = "") -> bytes:
        lines = [
            f"REGISTER sip:{DOMAIN} SIP/2.0",
            f"Via: SIP/2.0/TCP 127.0.0.1:{port};branch=z9hG4bK{secrets.token_hex(6)}",
            "Max-Forwards: 70",
            f"From: <sip:alice@{DOMAIN}>;tag=t{cseq}",
            f"To: <sip:alice@{DOMAIN}>",
            "Call-ID: tcp-reg",
            f"CSeq: {cseq} REGISTER",
            f"Contact: <sip:alice@127.0.0.1:{port};transport=tcp>",
            f"Expires: {expires}",
            *([f"Authorization: {auth}"] if auth else []),
            "Content-Length: 0",
        ]
        return ("\r\n".join(lines) + "\r\n\r\n").encode()

    async def answer() -> SipResponse:
        msg = parse_message(await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 2.0))
        assert isinstance(msg, SipResponse)
        return msg

    writer.write(register(1, 60))
    challenge = DigestChallenge.parse((await answer()).headers.get("WWW-Authenticate") or "")
    creds = authorize(challenge, "REGISTER", f"sip:{DOMAIN}", "alice", "s3cret", "c")
    writer.write(register(2, 60, str(creds)))
    assert (await answer()).status == 200
    await asyncio.sleep(IDLE * 2.5)  # silent, but registered: the switch can still call it
    tcp = tcp_switch.core.tcp
    assert tcp is not None and len(tcp.connections) == 1
    creds = authorize(challenge, "REGISTER", f"sip:{DOMAIN}", "alice", "s3cret", "c", nc=2)
    writer.write(register(3, 0, str(creds)))  # unregister: an ordinary idle connection again
    assert (await answer()).status == 200
    assert await closed_within(reader, 5.0) < IDLE + 2.0
    writer.close()


def test_settings_reach_the_switch(tmp_path: object) -> None:
    settings = load_settings(
        {
            "data_dir": tmp_path,
            "sip_tcp_idle_seconds": 45,
            "sip_tcp_message_seconds": 5,
            "sip_tcp_max_connections": 200,
            "sip_tcp_max_per_source": 7,
            "sip_max_message_bytes": 8192,
        },
        create_secret=False,
    )
    config = switch_config(settings)
    assert (config.tcp_idle_seconds, config.tcp_message_seconds) == (45, 5)
    assert (config.tcp_max_connections, config.tcp_max_per_source) == (200, 7)
    assert config.max_message_bytes == 8192
