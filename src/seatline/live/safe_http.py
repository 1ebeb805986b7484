"""HTTP to URLs a tenant configured (a flow's webhook), through the SSRF guard.

    async with guarded_client(timeout=3.0) as client:
        response = await client.get(url)

`GuardedTransport` is an httpx transport over an httpcore connection pool whose network
backend resolves each host itself, judges every address the name resolves to
(`seatline.guard.addresses.check_resolved`), and then connects to one of exactly those
addresses: there is no second DNS lookup between the check and the connect for a rebinding
to slip into. Every new connection passes the check, so a redirect (when a client follows
them) is judged like the first request. TLS still verifies the certificate against the
host name, which the connection sends as SNI. Unix sockets are refused, and the client
ignores proxy settings from the environment: a proxy would connect on our behalf, unchecked.

`httpx-secure` was considered and not used: it pins httpx below 0.29, probes a host with a
TCP connection (to a refused address too) to pick an address, and judges only that one.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from typing import Any

import httpcore
import httpx

from seatline.guard.addresses import IPAddress, check_resolved, parse_literal

__all__ = [
    "GuardedTransport",
    "RefusedDestination",
    "Resolver",
    "guarded_client",
    "system_resolve",
]

Resolver = Callable[[str, int], Awaitable[Sequence[IPAddress]]]
"""Resolve (host, port) to addresses: the system resolver, or a test's own."""
Check = Callable[[str, Sequence[IPAddress]], str | None]
"""Why a host resolved to these addresses may not be reached (None: it may)."""


class RefusedDestination(httpx.TransportError):
    """The guard refused to connect; `reason` says why (never retried, never reached)."""

    def __init__(self, reason: str, request: httpx.Request | None = None) -> None:
        super().__init__(f"refused: {reason}", request=request)
        self.reason = reason


class _Refused(Exception):
    """Raised inside the connection pool; the transport turns it into RefusedDestination."""


async def system_resolve(host: str, port: int) -> Sequence[IPAddress]:
    """The host's addresses from the system resolver (a literal in any spelling as itself)."""
    literal = parse_literal(host)
    if literal is not None:
        return [literal]
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    found: list[IPAddress] = []
    for *_, sockaddr in infos:
        address = parse_literal(str(sockaddr[0]))
        if address is not None and address not in found:
            found.append(address)
    return found


class _GuardedBackend(httpcore.AsyncNetworkBackend):
    """Connects only to addresses the check passed, found by one resolution per connection."""

    def __init__(self, check: Check, resolve: Resolver) -> None:
        self._check = check
        self._resolve = resolve
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Resolve, judge every address, then connect to the first that answers."""
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        try:
            async with asyncio.timeout_at(deadline):
                addresses = await self._resolve(host, port)
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"resolving {host} took too long") from None
        except OSError as error:
            raise httpcore.ConnectError(f"cannot resolve {host}: {error}") from None
        reason = self._check(host, addresses)
        if reason is not None:
            raise _Refused(reason)
        failure: Exception = httpcore.ConnectError(f"{host} has no address")
        for address in addresses:
            left = None if deadline is None else max(0.0, deadline - loop.time())
            try:
                return await self._inner.connect_tcp(
                    str(address), port, left, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                failure = error
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Never: a socket path is not a tenant's to name."""
        raise _Refused("unix sockets are not allowed")

    async def sleep(self, seconds: float) -> None:
        """Wait (the pool's retries use it)."""
        await self._inner.sleep(seconds)


# httpcore's errors as httpx's, most specific first (what httpx's own transport does).
_ERRORS: tuple[tuple[type[Exception], type[httpx.TransportError]], ...] = (
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.ProtocolError, httpx.ProtocolError),
)


def _as_httpx(error: Exception, request: httpx.Request) -> Exception:
    if isinstance(error, _Refused):
        return RefusedDestination(str(error), request)
    for core, ours in _ERRORS:
        if isinstance(error, core):
            return ours(str(error), request=request)
    return error


class _Body(httpx.AsyncByteStream):
    """A response body from the pool, its errors in httpx's terms."""

    def __init__(self, stream: AsyncIterator[bytes], request: httpx.Request) -> None:
        self._stream = stream
        self._request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._stream:
                yield chunk
        except Exception as error:
            raise _as_httpx(error, self._request) from error

    async def aclose(self) -> None:
        """Release the connection."""
        close = getattr(self._stream, "aclose", None)
        if close is not None:
            await close()


def _default_check(allow_private: bool) -> Check:
    def check(host: str, addresses: Sequence[IPAddress]) -> str | None:
        return check_resolved(host, addresses, allow_private)

    return check


class GuardedTransport(httpx.AsyncBaseTransport):
    """An httpx transport that connects only where the SSRF guard allows."""

    def __init__(
        self,
        *,
        allow_private: bool = False,
        check: Check | None = None,
        resolve: Resolver = system_resolve,
        ssl_context: ssl.SSLContext | None = None,
        max_connections: int = 10,
    ) -> None:
        backend = _GuardedBackend(check or _default_check(allow_private), resolve)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context or httpx.create_ssl_context(),
            max_connections=max_connections,
            network_backend=backend,
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send one request through the guarded pool."""
        if not isinstance(request.stream, httpx.AsyncByteStream):
            raise TypeError("the guarded transport needs an async request body")
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        try:
            response = await self._pool.handle_async_request(core_request)
        except Exception as error:
            raise _as_httpx(error, request) from error
        stream: Any = response.stream
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_Body(stream, request),
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        """Close every pooled connection."""
        await self._pool.aclose()


def guarded_client(
    *,
    timeout: float,
    allow_private: bool = False,
    follow_redirects: bool = False,
    **transport_options: Any,
) -> httpx.AsyncClient:
    """An httpx client for a tenant's URL: guarded transport, no proxies from the environment."""
    transport = GuardedTransport(allow_private=allow_private, **transport_options)
    return httpx.AsyncClient(
        transport=transport,
        timeout=timeout,
        follow_redirects=follow_redirects,
        max_redirects=5,
        trust_env=False,
    )
