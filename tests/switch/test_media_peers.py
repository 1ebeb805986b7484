"""A leg takes media only from its peer (issue 11, finding 5's media side): a stranger who
sends RTP to the leg's port can neither steer the leg's audio to itself nor inject audio into
the call (real UDP sockets on loopback; 127.0.0.2 is the stranger)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import pytest

from seatline.rtp.packet import RtpPacket
from seatline.switch.media import MediaEngine

from .harness import free_port


@pytest.fixture
async def engine() -> AsyncIterator[MediaEngine]:
    """A running media engine on loopback."""
    low = max(20000, min(free_port(), 60000))
    engine = MediaEngine("127.0.0.1", (low - low % 2, low - low % 2 + 200))
    engine.start()
    try:
        yield engine
    finally:
        engine.stop()


def udp(host: str) -> socket.socket:
    """A bound, non-blocking UDP socket on `host`."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((host, 0))
    sock.setblocking(False)
    return sock


def packet(seq: int, marker: bytes) -> bytes:
    """A G.711 packet whose payload starts with `marker`."""
    return bytes(RtpPacket(0, seq, seq * 160, 0x1234, marker.ljust(160, b"\xff")))


def received(sock: socket.socket) -> list[bytes]:
    """Payload markers of everything `sock` got so far."""
    out = []
    while True:
        try:
            data = sock.recv(2048)
        except BlockingIOError:
            return out
        out.append(data[12:16])


async def test_a_stranger_can_neither_latch_nor_inject(engine: MediaEngine) -> None:
    session = await engine.open_session()
    session.echo = True  # what arrives goes back out to the peer: an injection would show
    peer, stranger = udp("127.0.0.1"), udp("127.0.0.2")
    try:
        # The peer's SDP says 127.0.0.1 and its signalling came from there too.
        session.set_remote("127.0.0.1", peer.getsockname()[1], 0, (101,), "127.0.0.1")
        target = ("127.0.0.1", session.port)
        stranger.sendto(packet(1, b"EVIL"), target)  # first, to be latched onto
        await asyncio.sleep(0.1)
        peer.sendto(packet(2, b"PEER"), target)
        await asyncio.sleep(0.1)
        stranger.sendto(packet(3, b"EVIL"), target)  # later, to be relayed into the call
        await asyncio.sleep(0.1)
        assert received(stranger) == []
        assert received(peer) == [b"PEER"]
        assert session.remote == peer.getsockname()
        assert session.packets_refused == 2
    finally:
        peer.close()
        stranger.close()
        session.close()


async def test_a_peer_behind_nat_is_heard_from_its_signalling_address(
    engine: MediaEngine,
) -> None:
    session = await engine.open_session()
    session.echo = True
    phone = udp("127.0.0.2")  # its SDP names a private address it cannot be reached at
    try:
        session.set_remote("10.9.8.7", 4000, 0, (101,), "127.0.0.2")
        phone.sendto(packet(1, b"NAT!"), ("127.0.0.1", session.port))
        await asyncio.sleep(0.1)
        assert received(phone) == [b"NAT!"]  # latched onto where it really sends from
    finally:
        phone.close()
        session.close()
