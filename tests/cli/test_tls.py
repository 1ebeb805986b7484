"""HTTPS for the web server and the self-signed mode for tests (issue 11, finding 7)."""

from __future__ import annotations

import asyncio
import http.client
import json
import signal
import ssl
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from cryptography import x509
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from typer.testing import CliRunner

from cli.test_up import SEATLINE, clean_env, free_port, free_sip_port
from seatline.cli import app
from seatline.config import ConfigError, load_settings


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A self-signed CA and a certificate for 127.0.0.1 and localhost, made by the command."""
    out = tmp_path_factory.mktemp("certs")
    result = CliRunner().invoke(
        app, ["tls", "self-signed", "--out", str(out), "--host", "127.0.0.1", "--host", "localhost"]
    )
    assert result.exit_code == 0, result.output
    return out


def client_context(certs: Path) -> ssl.SSLContext:
    """A client that trusts only the self-signed CA and checks the host name."""
    return ssl.create_default_context(cafile=str(certs / "ca.pem"))


def test_self_signed_command_writes_a_verifiable_certificate_and_a_private_key(
    certs: Path,
) -> None:
    for name in ("ca.pem", "cert.pem", "key.pem"):
        assert (certs / name).is_file(), name
    assert (certs / "key.pem").stat().st_mode & 0o077 == 0
    cert = x509.load_pem_x509_certificate((certs / "cert.pem").read_bytes())
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "localhost" in names.get_values_for_type(x509.DNSName)
    assert [str(ip) for ip in names.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]
    # The pair loads as a server's, and the CA is a trust anchor a client accepts.
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(certs / "cert.pem", certs / "key.pem")
    client_context(certs)


def test_certificate_and_key_come_together(certs: Path, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="tls_key_file"):
        load_settings({"data_dir": tmp_path, "tls_cert_file": certs / "cert.pem"})
    with pytest.raises(ConfigError, match="tls_cert_file"):
        load_settings({"data_dir": tmp_path, "tls_key_file": certs / "key.pem"})


def test_a_certificate_that_does_not_load_is_refused_at_start(certs: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.pem"
    broken.write_text("not a certificate\n")
    with pytest.raises(ConfigError, match="tls_cert_file") as raised:
        load_settings(
            {"data_dir": tmp_path, "tls_cert_file": broken, "tls_key_file": certs / "key.pem"}
        )
    assert "\n" not in str(raised.value)
    with pytest.raises(ConfigError, match="tls_cert_file"):
        load_settings(
            {
                "data_dir": tmp_path,
                "tls_cert_file": tmp_path / "missing.pem",
                "tls_key_file": certs / "key.pem",
            }
        )


def test_sip_tls_port_defaults_to_5061_with_a_certificate_and_is_off_without(
    certs: Path, tmp_path: Path
) -> None:
    plain = load_settings({"data_dir": tmp_path})
    assert plain.sip_tls_listen_port is None
    assert plain.http_url.startswith("http://")
    secure = load_settings(
        {
            "data_dir": tmp_path,
            "tls_cert_file": certs / "cert.pem",
            "tls_key_file": certs / "key.pem",
        }
    )
    assert secure.sip_tls_listen_port == 5061
    assert secure.http_url.startswith("https://")


async def test_served_over_tls_the_request_scheme_is_https(certs: Path, tmp_path: Path) -> None:
    """What the API's HSTS header keys on: `request.url.scheme` under the node's server config."""
    from seatline.service import http_server_config

    async def scheme(request: Request) -> PlainTextResponse:
        return PlainTextResponse(request.url.scheme)

    settings = load_settings(
        {
            "data_dir": tmp_path,
            "http_port": free_port(),
            "tls_cert_file": certs / "cert.pem",
            "tls_key_file": certs / "key.pem",
        }
    )
    import uvicorn

    server = uvicorn.Server(
        http_server_config(settings, Starlette(routes=[Route("/scheme", scheme)]))
    )
    serving = asyncio.ensure_future(server.serve())
    try:
        for _ in range(200):
            if server.started:
                break
            await asyncio.sleep(0.02)
        url = f"https://127.0.0.1:{settings.http_port}/scheme"

        def fetch() -> str:
            with urllib.request.urlopen(url, timeout=3, context=client_context(certs)) as answer:
                return str(answer.read().decode())

        assert await asyncio.to_thread(fetch) == "https"
    finally:
        server.should_exit = True
        await asyncio.wait_for(serving, 10)


def test_up_serves_https_and_refuses_plain_http(certs: Path, tmp_path: Path) -> None:
    port, sip_port, tls_port = free_port(), free_sip_port(), free_port()
    config = tmp_path / "seatline.toml"
    config.write_text(
        f'tls_cert_file = "{certs / "cert.pem"}"\n'
        f'tls_key_file = "{certs / "key.pem"}"\n'
        f"sip_tls_port = {tls_port}\n"
    )
    command = [*SEATLINE, "up", "--data-dir", str(tmp_path / "data"), "--config", str(config)]
    command += ["--http", f"127.0.0.1:{port}", "--sip", f"127.0.0.1:{sip_port}"]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=clean_env()
    )
    try:
        health = wait_for_https(f"https://127.0.0.1:{port}/healthz", certs, process)
        assert health == {"status": "ok", "database": "ok"}
        # The same port does not speak plain HTTP: no HTTP answer comes back.
        with pytest.raises((urllib.error.URLError, http.client.HTTPException, ConnectionError)):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=3)
        # Nor does it accept a client that does not trust the certificate.
        with pytest.raises(urllib.error.URLError, match="CERTIFICATE_VERIFY_FAILED"):
            urllib.request.urlopen(
                f"https://127.0.0.1:{port}/healthz", timeout=3, context=ssl.create_default_context()
            )
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=15)
    assert process.returncode == 0, err
    assert f"https://127.0.0.1:{port}/" in err
    assert f"TLS on 127.0.0.1:{tls_port}" in err
    assert "Traceback" not in err


def test_up_with_half_a_tls_configuration_stops_with_one_line(certs: Path, tmp_path: Path) -> None:
    config = tmp_path / "seatline.toml"
    config.write_text(f'tls_cert_file = "{certs / "cert.pem"}"\n')
    command = [*SEATLINE, "up", "--data-dir", str(tmp_path / "data"), "--config", str(config)]
    done = subprocess.run(command, capture_output=True, text=True, env=clean_env(), timeout=30)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "tls_key_file" in done.stderr, done.stderr


def wait_for_https(url: str, certs: Path, process: subprocess.Popen[str]) -> dict[str, str]:
    """Poll /healthz over HTTPS, trusting the self-signed CA, until it answers."""
    import time

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"seatline up exited early: {process.communicate()}")
        try:
            with urllib.request.urlopen(url, timeout=1, context=client_context(certs)) as answer:
                return dict(json.load(answer))
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.1)
    pytest.fail("seatline up did not serve /healthz over https within 20 s")
