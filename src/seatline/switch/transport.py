"""SIP over UDP and TCP on asyncio (RFC 3261 §18): sockets in, bytes and source addresses out.

This module knows nothing about calls: it hands each datagram or framed stream message to a
`MessageSink` together with the `Transport` to answer on and the peer's address.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from dataclasses import dataclass
from typing import Protocol

from seatline.sip import SipMessage, SipParseError, StreamFramer, response_for_bad_request

log = logging.getLogger(__name__)

Address = tuple[str, int]
CLOSE_GRACE = 1.0  # seconds a closed stream may take to flush before it is aborted


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


@dataclass(frozen=True, slots=True)
class StreamLimits:
    """What one stream listener (TCP, later TLS) lets peers hold open, and for how long."""

    idle_seconds: float = 120.0  # no message and no keep-alive for this long: closed
    message_seconds: float = 10.0  # a message begun must be whole within this
    max_connections: int = 1024
    max_per_source: int = 32  # per peer IP address
    max_message_bytes: int = 65_535  # head and body; longer is answered 513 and cut


class _TcpConnection(asyncio.Protocol):
    """One TCP connection: frames messages with Content-Length (§18.3), within the limits.

    A single timer per connection enforces both timeouts. It is re-armed only when it fires
    early or a deadline moves sooner (a message starts, a hold ends), so traffic, which only
    moves deadlines later, costs no timer churn.
    """

    def __init__(self, listener: TcpTransport) -> None:
        self._listener = listener
        self._limits = listener.limits
        self._framer = StreamFramer(max_message=self._limits.max_message_bytes)
        self._transport: asyncio.Transport | None = None
        self._loop = asyncio.get_running_loop()
        self.peer: Address = ("", 0)
        self._admitted = False
        self._last_life = self._loop.time()  # last whole message or keep-alive
        self._message_started: float | None = None  # when a partial message began
        self._held_until = 0.0  # a registration through this connection keeps it open
        self._abort_at = float("inf")  # set by close(): a laggard is cut after a grace
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = float("inf")

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Register the connection under the peer's address, or refuse it over the caps."""
        self._transport = transport  # type: ignore[assignment]
        self.peer = transport.get_extra_info("peername")[:2]
        if not self._listener.admit(self.peer):
            # debug only: a flood of refused connections must not become a flood of log lines
            log.debug("TCP connection from %s:%s refused: connection limit", *self.peer)
            transport.abort()  # type: ignore[attr-defined]
            return
        self._admitted = True
        self._listener.connections[self.peer] = self
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        """Forget the connection."""
        if self._timer is not None:
            self._timer.cancel()
        if self._admitted:
            self._admitted = False
            self._listener.release(self.peer, self)

    def data_received(self, data: bytes) -> None:
        """Feed the framer and deliver every complete message."""
        self._framer.feed(data)
        alive = False
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
                alive = True
                self.write(b"\r\n")  # RFC 5626 §3.5.1 pong
            if msg is None:
                break
            alive = True
            try:
                self._listener.sink.message_received(msg, self._listener, self.peer)
            except Exception:
                log.exception("SIP message over TCP from %s:%s crashed its handler", *self.peer)
        now = self._loop.time()
        if alive:
            self._last_life = now
            self._message_started = None
        if self._framer.buffered and self._message_started is None:
            self._message_started = now
        self._rearm_if_sooner()

    def hold_until(self, until: float) -> None:
        """Keep the connection open until loop time `until` even if it is silent."""
        self._held_until = until
        self._rearm_if_sooner()

    def _deadline(self) -> float:
        deadline = max(self._last_life + self._limits.idle_seconds, self._held_until)
        if self._message_started is not None:
            deadline = min(deadline, self._message_started + self._limits.message_seconds)
        return min(deadline, self._abort_at)

    def _arm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer_at = self._deadline()
        self._timer = self._loop.call_at(self._timer_at, self._on_timer)

    def _rearm_if_sooner(self) -> None:
        # A later deadline is left to the armed timer, which re-arms when it fires early.
        if self._admitted and self._deadline() < self._timer_at:
            self._arm()

    def _on_timer(self) -> None:
        self._timer = None
        self._timer_at = float("inf")
        transport = self._transport
        if transport is None:
            return
        # The loop may run a timer up to its clock resolution early: a millisecond's slack.
        if transport.is_closing() or self._loop.time() + 0.001 >= self._deadline():
            # abort, not close: a peer that stopped reading must not keep us flushing.
            log.debug("TCP connection from %s:%s timed out", *self.peer)
            transport.abort()
            return
        self._arm()

    def write(self, data: bytes) -> None:
        """Send bytes on this connection."""
        if self._transport is not None and not self._transport.is_closing():
            self._transport.write(data)

    def close(self) -> None:
        """Close this connection; what is queued is still sent, for a second at most."""
        if self._transport is not None:
            self._transport.close()
            self._abort_at = self._loop.time() + CLOSE_GRACE
            self._rearm_if_sooner()


class TcpTransport(Transport):
    """The TCP listener; answers go back on the connection a request came in on."""

    kind = "TCP"

    def __init__(self, sink: MessageSink, limits: StreamLimits | None = None) -> None:
        self.sink = sink
        self.limits = limits or StreamLimits()
        self.connections: dict[Address, _TcpConnection] = {}
        self._per_host: Counter[str] = Counter()
        self.refused = 0  # connections turned away by a cap (for metrics and tests)
        self._server: asyncio.Server | None = None
        self.local: Address = ("", 0)

    async def listen(self, host: str, port: int) -> None:
        """Start accepting connections."""
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(lambda: _TcpConnection(self), host, port)
        self.local = self._server.sockets[0].getsockname()[:2]

    def admit(self, peer: Address) -> bool:
        """Count a new connection from `peer` in, unless a cap is reached."""
        host = peer[0]
        full = len(self.connections) >= self.limits.max_connections
        if full or self._per_host[host] >= self.limits.max_per_source:
            self.refused += 1
            return False
        self._per_host[host] += 1
        return True

    def release(self, peer: Address, conn: _TcpConnection) -> None:
        """Count a closed connection out."""
        if self.connections.get(peer) is conn:
            del self.connections[peer]
        self._per_host[peer[0]] -= 1
        if self._per_host[peer[0]] <= 0:
            del self._per_host[peer[0]]

    def keep_open(self, peer: Address, seconds: float) -> None:
        """Keep `peer`'s connection open `seconds` from now (0: back to the idle timeout)."""
        conn = self.connections.get(peer)
        if conn is not None:
            conn.hold_until(asyncio.get_running_loop().time() + max(0.0, seconds))

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
