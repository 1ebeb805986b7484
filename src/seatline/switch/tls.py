"""SIP over TLS (RFC 3261 §26.2): the TCP listener's framing and connection table behind TLS.

A phone connects, registers, and is reached again over that same connection (the binding keeps
the connection's address: RFC 5923's reuse, what phones behind NAT need), so the switch never
has to open a TLS connection to a phone. `TlsTransport` is a `TcpTransport` whose server is
wrapped in an `ssl.SSLContext`: every limit the TCP listener applies to a connection (framing,
sizes, idle timeouts, connection caps) applies to TLS connections too, by inheritance.

Phones authenticate with digest as over any transport; the certificate authenticates the switch
to them, so clients are not asked for one.
"""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass
from pathlib import Path

from seatline.switch.transport import (
    Address,
    MessageSink,
    StreamLimits,
    TcpTransport,
    _TcpConnection,
)

__all__ = ["DEFAULT_TLS_PORT", "TlsSettings", "TlsTransport", "server_context"]

DEFAULT_TLS_PORT = 5061


@dataclass(frozen=True, slots=True)
class TlsSettings:
    """Where the TLS listener listens and the certificate it presents."""

    cert_file: Path
    key_file: Path
    port: int = DEFAULT_TLS_PORT  # 0 picks a free port (tests)
    handshake_timeout: float = 10.0  # a client that stalls its handshake is dropped after this


def server_context(cert_file: Path, key_file: Path) -> ssl.SSLContext:
    """A server-side context with the switch's certificate: TLS 1.2 or newer, no client certs."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert_file, key_file)
    return context


class TlsTransport(TcpTransport):
    """The TLS listener; like TCP, answers and requests go back on the peer's connection."""

    kind = "TLS"

    def __init__(
        self, sink: MessageSink, settings: TlsSettings, limits: StreamLimits | None = None
    ) -> None:
        super().__init__(sink, limits)  # the same timeouts, caps and message size as TCP
        self.settings = settings
        self.context = server_context(settings.cert_file, settings.key_file)

    async def listen(self, host: str, port: int) -> None:
        """Start accepting TLS connections (handshakes bounded by the settings' timeout)."""
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: _TcpConnection(self),
            host,
            port,
            ssl=self.context,
            ssl_handshake_timeout=self.settings.handshake_timeout,
        )
        self.local = self._server.sockets[0].getsockname()[:2]

    def connected(self, addr: Address) -> bool:
        """Whether a connection from `addr` is open (a message to it can be sent)."""
        return addr in self.connections
