"""The guarded HTTP client against real servers on loopback (issue 11, finding 8).

It connects only to the addresses its one resolution found and judged (no second lookup for
a DNS rebinding to use), judges every connection a redirect opens, keeps TLS verification
on the host name, and ignores proxies from the environment.
"""

from __future__ import annotations

import datetime as dt
import ssl
import threading
from collections.abc import Iterator, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from ipaddress import ip_address
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from seatline.guard.addresses import IPAddress
from seatline.live.safe_http import RefusedDestination, guarded_client


class Recorder(BaseHTTPRequestHandler):
    """Answers 200 with the Host it was asked for; `/hop?to=URL` redirects there."""

    protocol_version = "HTTP/1.1"  # keep-alive: two requests can share one connection

    def do_GET(self) -> None:
        self.server.seen.append(self.path)  # type: ignore[attr-defined]
        if self.path.startswith("/hop?to="):
            self.send_response(302)
            self.send_header("location", self.path.removeprefix("/hop?to="))
            self.send_header("content-length", "0")
            self.end_headers()
            return
        body = (self.headers.get("host") or "").encode()
        self.send_response(200)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


class Server:
    """A threaded HTTP(S) server on a loopback address, and the paths it was asked for."""

    def __init__(self, host: str = "127.0.0.1", context: ssl.SSLContext | None = None) -> None:
        self.httpd = ThreadingHTTPServer((host, 0), Recorder)
        if context is not None:
            self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.httpd.seen = []  # type: ignore[attr-defined]
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    @property
    def seen(self) -> list[str]:
        """The paths asked for so far."""
        return self.httpd.seen  # type: ignore[attr-defined, no-any-return]

    def close(self) -> None:
        """Stop serving."""
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def servers() -> Iterator[list[Server]]:
    started: list[Server] = []
    yield started
    for server in started:
        server.close()


class Resolver:
    """A resolver of our own: names to fixed addresses, counting every question."""

    def __init__(self, table: dict[str, str]) -> None:
        self.table = table
        self.asked: list[str] = []

    async def __call__(self, host: str, port: int) -> Sequence[IPAddress]:
        self.asked.append(host)
        return [ip_address(self.table[host])] if host in self.table else []


async def test_a_name_is_resolved_once_and_that_very_address_is_used(
    servers: list[Server],
) -> None:
    servers.append(server := Server())
    # crm.invalid exists in no DNS: reaching the server proves the checked address was used.
    resolver = Resolver({"crm.invalid": "127.0.0.1"})
    async with guarded_client(timeout=2.0, allow_private=True, resolve=resolver) as client:
        first = await client.get(f"http://crm.invalid:{server.port}/a")
        second = await client.get(f"http://crm.invalid:{server.port}/b")
    assert first.text == second.text == f"crm.invalid:{server.port}"
    assert server.seen == ["/a", "/b"]
    assert resolver.asked == ["crm.invalid"]  # one connection, one resolution


async def test_a_name_resolving_to_a_refused_address_is_never_reached(
    servers: list[Server],
) -> None:
    servers.append(server := Server())
    # Rebinding: the name's answer is judged, never a later one.
    resolver = Resolver({"crm.invalid": "127.0.0.1"})
    async with guarded_client(timeout=2.0, resolve=resolver) as client:
        with pytest.raises(RefusedDestination) as refused:
            await client.get(f"http://crm.invalid:{server.port}/")
        with pytest.raises(RefusedDestination):
            await client.get(f"http://localhost:{server.port}/")  # the system's resolver
    assert "'crm.invalid' resolves to 127.0.0.1, a loopback address" in refused.value.reason
    assert server.seen == []


async def test_every_redirect_is_judged_again(servers: list[Server]) -> None:
    servers.append(allowed := Server("127.0.0.1"))
    servers.append(forbidden := Server("127.0.0.2"))

    def only_the_first(host: str, addresses: Sequence[IPAddress]) -> str | None:
        return None if [str(a) for a in addresses] == ["127.0.0.1"] else "not this one"

    async with guarded_client(timeout=2.0, follow_redirects=True, check=only_the_first) as c:
        target = f"http://127.0.0.2:{forbidden.port}/secret"
        with pytest.raises(RefusedDestination):
            await c.get(f"http://127.0.0.1:{allowed.port}/hop?to={target}")
    assert allowed.seen == [f"/hop?to={target}"]
    assert forbidden.seen == []


def certificate(tmp_path: Path, name: str) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A self-signed certificate for `name`: the server's context and a client trusting it."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / f"{name}.pem", tmp_path / f"{name}.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert_file, key_file)
    client = ssl.create_default_context(cafile=str(cert_file))
    return server, client


async def test_tls_is_verified_against_the_name_not_the_address(
    servers: list[Server], tmp_path: Path
) -> None:
    server_context, trusting = certificate(tmp_path, "crm.invalid")
    servers.append(server := Server(context=server_context))
    resolver = Resolver({"crm.invalid": "127.0.0.1", "other.invalid": "127.0.0.1"})
    options = {"allow_private": True, "resolve": resolver, "ssl_context": trusting}
    async with guarded_client(timeout=2.0, **options) as client:  # type: ignore[arg-type]
        answer = await client.get(f"https://crm.invalid:{server.port}/ok")
        assert answer.status_code == 200
        with pytest.raises(httpx.ConnectError, match=r"CERTIFICATE_VERIFY_FAILED|hostname"):
            await client.get(f"https://other.invalid:{server.port}/wrong-name")
    assert server.seen == ["/ok"]


async def test_proxies_from_the_environment_are_ignored(
    servers: list[Server], monkeypatch: pytest.MonkeyPatch
) -> None:
    servers.append(proxy := Server())
    servers.append(server := Server())
    for variable in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.setenv(variable, f"http://127.0.0.1:{proxy.port}")
    async with guarded_client(timeout=2.0, allow_private=True) as client:
        answer = await client.get(f"http://127.0.0.1:{server.port}/direct")
    assert answer.status_code == 200
    assert server.seen == ["/direct"]
    assert proxy.seen == []
