"""The SIP core of the switch: glues sockets to the sans-I/O transaction layer and runs dialogs.

It owns the transports, the `TransactionLayer` (fed with `loop.time()` as `now`), the table of
live legs and the registrar. Requests become `Call`s handed to the `CallRouter`'s applications;
everything the applications ask for (answer, bridge, hang up) comes back here as SIP.
Nothing a peer sends may raise out of this module: bad input becomes a 4xx or is dropped.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import secrets
import time
from collections.abc import Callable, Coroutine, Iterable
from typing import Any

from seatline.guard.outbound import DialScope
from seatline.sip import (
    SipMessage,
    SipParseError,
    SipRequest,
    SipResponse,
    make_response,
    parse_name_addr,
)
from seatline.sip.events import (
    MessageRejected,
    RequestReceived,
    ResponseReceived,
    TransactionKey,
    TransactionTimeout,
    TransportError,
)
from seatline.sip.layer import TransactionLayer
from seatline.switch import dialogs, outbound
from seatline.switch.abuse import BanList
from seatline.switch.config import SwitchConfig, TrunkConfig
from seatline.switch.credentials import (
    CredentialSource,
    StaticCredentials,
    TrunkAwareCredentials,
)
from seatline.switch.leg import Leg
from seatline.switch.media import MediaEngine
from seatline.switch.registrar import DigestGuard, Registrar
from seatline.switch.router import CallRouter
from seatline.switch.tls import TlsSettings, TlsTransport
from seatline.switch.transport import (
    Address,
    StreamLimits,
    TcpTransport,
    Transport,
    UdpTransport,
    open_udp,
)

log = logging.getLogger(__name__)

PORT_ATTEMPTS = 20  # tries at a port free for both UDP and TCP when asked for any port
ALLOW = "INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, REFER, NOTIFY, INFO"
ResponseHandler = Callable[[SipResponse | None], None]


def new_tag() -> str:
    """A random tag / Call-ID part."""
    return secrets.token_hex(6)


def new_branch() -> str:
    """A fresh RFC 3261 branch (§8.1.1.7 magic cookie)."""
    return "z9hG4bK" + secrets.token_hex(8)


class SipCore:
    """One switch instance's signalling: transports, transactions, registrar and legs."""

    def __init__(
        self,
        config: SwitchConfig | None = None,
        router: CallRouter | None = None,
        credentials: CredentialSource | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config or SwitchConfig()
        self.router = router or CallRouter()
        self.clock = clock  # wall clock for nonces and registrations; the loop clock drives timers
        config = self.config
        bans = BanList(
            config.ban_max_failures, config.ban_window, config.ban_seconds, config.abuse_table_size
        )
        self.guard = DigestGuard(
            credentials or StaticCredentials(),
            bans,
            config.nonce_lifetime,
            config.digest_algorithms,
            config.nonce_table_size,
            config.digest_realm_cache,
        )
        self.registrar = Registrar(self.guard)
        # INVITEs also accept trunks' digest accounts; same ban list, so the same abuse rules,
        # but a separate guard so a trunk account can never REGISTER as an agent.
        self.invite_guard = DigestGuard(
            TrunkAwareCredentials(self.guard.credentials, config.trunks),
            bans,
            config.nonce_lifetime,
            config.digest_algorithms,
            config.nonce_table_size,
            config.digest_realm_cache,
        )
        # 100 Trying only when the application is slow (§17.2.1 allows 200 ms): one datagram
        # less per call for applications that answer at once.
        self.layer = TransactionLayer(auto_trying=False)
        self.legs: dict[str, Leg] = {}
        self.scopes: dict[str, DialScope] = {s.tenant_id: s for s in self.config.scopes}
        self.udp: UdpTransport | None = None
        self.tcp: TcpTransport | None = None
        self.tls: TlsTransport | None = None
        self.tls_port: int | None = None  # the TLS listener's port, when there is one
        self.media: MediaEngine | None = None
        self.host = "127.0.0.1"
        self.port = 0
        self.stats = {"calls_in": 0, "calls_out": 0, "rejected": 0}
        self._handlers: dict[TransactionKey, ResponseHandler] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = float("inf")
        self._pumping = False
        self._loop: asyncio.AbstractEventLoop | None = None

    # -- lifecycle ---------------------------------------------------------------------------
    async def start(
        self,
        host: str,
        port: int,
        rtp_port_range: tuple[int, int],
        tls: TlsSettings | None = None,
    ) -> None:
        """Listen on UDP and TCP `host`:`port` (0 picks a free port, shared by both), and on
        TLS `host`:`tls.port` when `tls` is given."""
        self._loop = asyncio.get_running_loop()
        config = self.config
        limits = StreamLimits(
            config.tcp_idle_seconds,
            config.tcp_message_seconds,
            config.tcp_max_connections,
            config.tcp_max_per_source,
            config.max_message_bytes,
        )
        self.tcp = TcpTransport(self, limits)
        for attempt in range(PORT_ATTEMPTS):
            self.udp = await open_udp(self, host, port)
            self.host, self.port = self.udp.local
            try:
                await self.tcp.listen(host, self.port)
                break
            except OSError:
                # A free UDP port may be a busy TCP one (another program's connection): with
                # port 0, pick again rather than fail to start.
                self.udp.close()
                if port != 0 or attempt == PORT_ATTEMPTS - 1:
                    raise
        if tls is not None:
            self.tls = TlsTransport(self, tls, limits)
            await self.tls.listen(host, tls.port)
            self.tls_port = self.tls.local[1]
        if self.config.advertised_host:
            self.host = self.config.advertised_host
        self.media = MediaEngine(host, rtp_port_range)
        self.media.start()

    async def stop(self) -> None:
        """Hang up every leg, stop the transports and the media engine."""
        for leg in list(self.legs.values()):
            if leg.call is not None:
                leg.call.terminate("shutdown")
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._pump()
        if self._timer is not None:
            self._timer.cancel()
        for transport in (self.udp, self.tcp, self.tls):
            if transport is not None:
                transport.close()
        if self.media is not None:
            self.media.stop()

    def spawn(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        """Run a coroutine owned by the switch (cancelled on stop)."""
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    @property
    def now(self) -> float:
        """The transaction layer's clock."""
        assert self._loop is not None
        return self._loop.time()

    # -- transports in -----------------------------------------------------------------------
    def datagram_received(self, data: bytes, transport: Transport, addr: Address) -> None:
        """A UDP datagram: keep-alives are dropped, the rest goes to the transaction layer."""
        if not data.strip():
            return  # RFC 5626 CRLF keep-alive
        self.layer.receive_datagram(data, addr, transport.kind, self.now)
        self._pump()

    def message_received(self, msg: SipMessage, transport: Transport, addr: Address) -> None:
        """A framed TCP message."""
        self.layer.receive_message(msg, addr, transport.kind, self.now)
        self._pump()

    # -- the pump: events out of the layer, bytes to the sockets, the next timer -------------
    def _pump(self) -> None:
        if self._pumping:
            return  # the outer pump will drain what this call queued
        self._pumping = True
        try:
            while (event := self.layer.next_event()) is not None:
                try:
                    self._on_event(event)
                except Exception:
                    log.exception("switch failed handling %s", type(event).__name__)
            for out in self.layer.datagrams_to_send():
                transport = self.transport_for(out.transport)
                if transport is not None:
                    transport.send(out.data, out.address)
        finally:
            self._pumping = False
        self._arm_timer()

    def _arm_timer(self) -> None:
        deadline = self.layer.next_timer()
        if deadline is None or deadline >= self._timer_at:
            return
        if self._timer is not None:
            self._timer.cancel()
        assert self._loop is not None
        self._timer_at = deadline
        self._timer = self._loop.call_at(deadline, self._on_timer)

    def _on_timer(self) -> None:
        self._timer = None
        self._timer_at = float("inf")
        self.layer.handle_timer(self.now)
        self._pump()

    def _on_event(self, event: object) -> None:
        if isinstance(event, RequestReceived):
            dialogs.on_request(self, event)
        elif isinstance(event, ResponseReceived):
            self._on_response(event)
        elif isinstance(event, TransactionTimeout | TransportError):
            handler = self._handlers.pop(event.key, None)
            if handler is not None:
                handler(None)
            elif event.key.server and event.key.method == "INVITE":
                dialogs.on_server_invite_timeout(self, event.key)
        elif isinstance(event, MessageRejected):
            self.stats["rejected"] += 1
            log.info("rejected SIP from %s:%s (%s): %s", *event.source, event.status, event.reason)

    def _on_response(self, event: ResponseReceived) -> None:
        resp = event.response
        if event.key is None:  # a retransmitted 2xx to an INVITE whose transaction is gone
            leg = self.legs.get(resp.call_id)
            if leg is not None and not leg.inbound and _answers_leg(leg, resp):
                outbound.send_ack(self, leg, resp)
            return
        handler = self._handlers.get(event.key)
        if handler is None:
            return
        if resp.status >= 200:
            del self._handlers[event.key]
            if event.key.method == "INVITE" and resp.status < 300:
                # Keep listening for 2xx retransmissions (they must be ACKed again).
                self._handlers[event.key] = handler
                self.spawn(self._forget_later(event.key))
        handler(resp)

    async def _forget_later(self, key: TransactionKey) -> None:
        await asyncio.sleep(32)
        self._handlers.pop(key, None)

    # -- sending -----------------------------------------------------------------------------
    def transport_for(self, kind: str) -> Transport | None:
        """The listener that sends over `kind` (UDP, TCP or TLS), if it runs."""
        kind = kind.upper()
        if kind == "TLS":
            return self.tls
        return self.tcp if kind == "TCP" else self.udp

    def port_for(self, transport: str) -> int:
        """Our port for `transport` (what goes into Via and Contact)."""
        if transport.upper() == "TLS" and self.tls_port is not None:
            return self.tls_port
        return self.port

    def contact(self, transport: str = "UDP", user: str = "seatline", secure: bool = False) -> str:
        """Our Contact header value; `secure` (a SIPS dialog, RFC 5630 §3.1.3) makes it sips:."""
        kind = transport.upper()
        if kind == "TLS" and secure:
            return f"<sips:{user}@{self.host}:{self.port_for(kind)}>"
        suffix = {"TCP": ";transport=tcp", "TLS": ";transport=tls"}.get(kind, "")
        return f"<sip:{user}@{self.host}:{self.port_for(kind)}{suffix}>"

    def respond(
        self,
        request: SipRequest,
        key: TransactionKey | None,
        status: int,
        *,
        to_tag: str | None = None,
        headers: Iterable[tuple[str, str]] = (),
        body: bytes = b"",
    ) -> None:
        """Answer a request through its server transaction (quietly if it is already over)."""
        if key is None:
            return
        extra = list(headers)
        if body:
            extra.append(("Content-Type", "application/sdp"))
        resp = make_response(request, status, to_tag=to_tag, headers=extra, body=body)
        try:
            self.layer.send_response(resp, self.now, key)
        except Exception as exc:  # the transaction ended (CANCEL/timeout race): nothing to do
            log.debug("cannot answer %s %s: %s", request.method, status, exc)
        self._pump()

    def send_request(
        self,
        request: SipRequest,
        address: Address,
        transport: str,
        on_response: ResponseHandler | None = None,
    ) -> TransactionKey:
        """Start a client transaction; `on_response` gets each response, or None on timeout."""
        key = self.layer.send_request(request, address, transport, self.now)
        if on_response is not None:
            self._handlers[key] = on_response
        if transport.upper() == "TLS" and (self.tls is None or not self.tls.connected(address)):
            # We never open TLS connections: the peer's is gone, so fail now (§17.1.4)
            # instead of after Timer B's 32 s.
            self.layer.transport_error(key, "no TLS connection to the peer")
        self._pump()
        return key

    def send_stateless(self, message: SipMessage, address: Address, transport: str) -> None:
        """Send an ACK for a 2xx (or anything outside a transaction)."""
        self.layer.send_stateless(message, address, transport)
        self._pump()

    def cancel(self, key: TransactionKey) -> None:
        """CANCEL a pending outgoing INVITE."""
        self.layer.cancel(key, self.now)
        self._pump()

    # -- configuration -----------------------------------------------------------------------
    def replace_trunks(self, trunks: tuple[TrunkConfig, ...]) -> None:
        """Serve `trunks` from now on: inbound matching, trunk digest accounts, outbound routes."""
        # Calls in progress are untouched: their legs hold the TrunkConfig they started with,
        # and in-dialog requests are matched by dialog, not by trunk.
        self.config = dataclasses.replace(self.config, trunks=trunks)
        self.invite_guard.credentials = TrunkAwareCredentials(self.guard.credentials, trunks)

    def replace_scopes(self, scopes: Iterable[DialScope]) -> None:
        """Dial by `scopes` from now on (the configured ones stay unless replaced)."""
        fresh = {s.tenant_id: s for s in self.config.scopes}
        fresh.update((s.tenant_id, s) for s in scopes)
        self.scopes = fresh

    def scope(self, tenant_id: str) -> DialScope:
        """What `tenant_id`'s legs may dial; an unknown tenant dials nothing out."""
        return self.scopes.get(tenant_id) or DialScope(tenant_id)

    # -- lookups -----------------------------------------------------------------------------
    def find_leg(self, ev: RequestReceived, moving: bool = False) -> Leg | None:
        """The leg an in-dialog request belongs to, or None (answer 481).

        The full dialog id must match (Call-ID and both tags, RFC 3261 §12.2.2) and, over UDP
        where a source is easily forged, the request must come from the leg's peer; only a
        re-INVITE with the right tags (`moving`) may come from a new address.
        """
        leg = self.legs.get(ev.request.call_id)
        if leg is None or not leg.matches(ev.request):
            return None
        host, port = ev.source[:2]  # an IPv6 socket adds flow info and scope
        if ev.transport == "UDP" and not moving and not leg.expects_source(host, port):
            log.info(
                "%s for %s from unexpected %s:%s refused",
                ev.request.method,
                leg.call_id,
                host,
                port,
            )
            return None
        return leg

    def trunk_for_source(self, host: str, port: int) -> TrunkConfig | None:
        """The trunk whose inbound addresses include `host`[:`port`]."""
        for trunk in self.config.trunks:
            if trunk.matches_source(host, port):
                return trunk
        return None

    def is_trusted(self, host: str, port: int) -> bool:
        """Whether requests from `host`:`port` skip digest authentication."""
        if self.trunk_for_source(host, port) is not None:
            return True
        return any(a in (host, f"{host}:{port}") for a in self.config.trusted_sources)


def _answers_leg(leg: Leg, resp: SipResponse) -> bool:
    """Whether a stray 2xx carries our tag in From and the callee's in To (RFC 3261 §12.2.2)."""
    try:
        return resp.from_addr.tag == leg.local_tag and (resp.to_addr.tag or "") == leg.remote_tag
    except SipParseError:
        return False


def uri_of(header_value: str) -> str:
    """The URI inside a From/To/Contact value."""
    return parse_name_addr(header_value).uri
