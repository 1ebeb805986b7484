"""SIP over UDP and TCP on asyncio (RFC 3261 §18): sockets in, bytes and source addresses out.

This module knows nothing about calls: it hands each datagram or framed stream message to a
`MessageSink` together with the `Transport` to answer on and the peer's address.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

from seatline.sip import SipMessage, SipParseError, StreamFramer, response_for_bad_request

log = logging.getLogger(__name__)

Address = tuple[str, int]


class MessageSink(Protocol):
    """Receives what the transports read."""

    def datagram_received(self, data: bytes, transport: Transport, addr: Address) -> None:
        """One UDP datagram."""

    def message_received(self, msg: SipMessage, transport: Transport, addr: Address) -> None:
        """One framed message from a stream."""


class Transport:
    """Something that can send SIP bytes to an address: UDP socket or TCP listener."""

    kind = "UDP"

    def send(self, data: bytes, addr: Address) -> None:
        """Send `data` to `addr` (best effort)."""
        raise NotImplementedError

    def close(self) -> None:
        """Stop listening and drop connections."""


class UdpTransport(Transport, asyncio.DatagramProtocol):
    """The UDP listener: one socket shared by every dialog."""

    kind = "UDP"

    def __init__(self, sink: MessageSink) -> None:
        self._sink = sink
        self._transport: asyncio.DatagramTransport | None = None
        self.local: Address = ("", 0)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Remember the socket."""
        self._transport = transport  # type: ignore[assignment]
        self.local = transport.get_extra_info("sockname")[:2]

    def datagram_received(self, data: bytes, addr: Address) -> None:
        """Hand the datagram to the sink; no exception may escape into the loop."""
        try:
            self._sink.datagram_received(data, self, addr)
        except Exception:  # the switch must keep working whatever a datagram triggers
            log.exception("SIP datagram from %s:%s crashed its handler", *addr[:2])

    def error_received(self, exc: Exception) -> None:
        """ICMP errors (port unreachable) are normal when peers go away."""

    def send(self, data: bytes, addr: Address) -> None:
        """Send one datagram."""
        if self._transport is not None:
            self._transport.sendto(data, addr)

    def close(self) -> None:
        """Close the socket."""
        if self._transport is not None:
            self._transport.close()


class _TcpConnection(asyncio.Protocol):
    """One TCP connection: frames messages with Content-Length (§18.3)."""

    def __init__(self, listener: TcpTransport) -> None:
        self._listener = listener
        self._framer = StreamFramer()
        self._transport: asyncio.Transport | None = None
        self.peer: Address = ("", 0)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Register the connection under the peer's address."""
        self._transport = transport  # type: ignore[assignment]
        self.peer = transport.get_extra_info("peername")[:2]
        self._listener.connections[self.peer] = self

    def connection_lost(self, exc: Exception | None) -> None:
        """Forget the connection."""
        self._listener.connections.pop(self.peer, None)

    def data_received(self, data: bytes) -> None:
        """Feed the framer and deliver every complete message."""
        self._framer.feed(data)
        while True:
            try:
                msg = self._framer.next_message()
            except SipParseError as exc:
                # A framing error loses the message boundary: answer if we can, then close.
                answer = response_for_bad_request(bytes(data), exc)
                if answer is not None:
                    self.write(bytes(answer))
                self.close()
                return
            if self._framer.take_pings():
                self.write(b"\r\n")  # RFC 5626 §3.5.1 pong
            if msg is None:
                return
            try:
                self._listener.sink.message_received(msg, self._listener, self.peer)
            except Exception:
                log.exception("SIP message over TCP from %s:%s crashed its handler", *self.peer)

    def write(self, data: bytes) -> None:
        """Send bytes on this connection."""
        if self._transport is not None and not self._transport.is_closing():
            self._transport.write(data)

    def close(self) -> None:
        """Close this connection."""
        if self._transport is not None:
            self._transport.close()


class TcpTransport(Transport):
    """The TCP listener; answers go back on the connection a request came in on."""

    kind = "TCP"

    def __init__(self, sink: MessageSink) -> None:
        self.sink = sink
        self.connections: dict[Address, _TcpConnection] = {}
        self._server: asyncio.Server | None = None
        self.local: Address = ("", 0)

    async def listen(self, host: str, port: int) -> None:
        """Start accepting connections."""
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(lambda: _TcpConnection(self), host, port)
        self.local = self._server.sockets[0].getsockname()[:2]

    def send(self, data: bytes, addr: Address) -> None:
        """Write to the open connection from `addr` (SIP over TCP reuses it, §18.2.2)."""
        conn = self.connections.get(addr)
        if conn is None:
            log.warning("no TCP connection to %s:%s; message dropped", *addr)
            return
        conn.write(data)

    def close(self) -> None:
        """Stop the server and close every connection."""
        if self._server is not None:
            self._server.close()
        for conn in list(self.connections.values()):
            conn.close()


async def open_udp(sink: MessageSink, host: str, port: int) -> UdpTransport:
    """Bind the UDP listener."""
    loop = asyncio.get_running_loop()
    protocol = UdpTransport(sink)
    await loop.create_datagram_endpoint(lambda: protocol, local_addr=(host, port))
    return protocol
