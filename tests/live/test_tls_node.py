"""A `seatline up --demo` node with a self-signed certificate: HTTPS, and a demo agent's
baresip registering over SIP-TLS through the documented account line and calling the echo
test with mandatory SRTP."""

from __future__ import annotations

import asyncio
import signal
import socket
import subprocess
from pathlib import Path

from cli.test_tls import wait_for_https
from cli.test_up import SEATLINE, clean_env
from seatline.cli.tls import make_self_signed
from switch.conftest import needs_baresip
from switch.harness import free_port
from switch.tls_peer import TlsBaresip

pytestmark = [needs_baresip]


async def test_a_demo_agent_registers_over_tls_and_calls_with_srtp(tmp_path: Path) -> None:
    certs = make_self_signed(tmp_path / "tls", ("127.0.0.1",))
    http, sip, tls = free_port(socket.SOCK_STREAM), free_port(), free_port(socket.SOCK_STREAM)
    config = tmp_path / "seatline.toml"
    config.write_text(
        f'tls_cert_file = "{certs.cert}"\ntls_key_file = "{certs.key}"\nsip_tls_port = {tls}\n'
    )
    command = [*SEATLINE, "up", "--demo", "--data-dir", str(tmp_path / "data")]
    command += ["--config", str(config), "--http", f"127.0.0.1:{http}", "--sip", f"127.0.0.1:{sip}"]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=clean_env()
    )
    (tmp_path / "1001").mkdir()
    phone = TlsBaresip(
        tmp_path / "1001",
        "1001",
        "demo-1001",
        "demo.seatline.test",
        sip,
        proxy=f"127.0.0.1:{tls};transport=tls",
        cafile=certs.ca,
        switch_tls_port=tls,
    )
    try:
        health = await asyncio.to_thread(
            wait_for_https, f"https://127.0.0.1:{http}/healthz", tmp_path / "tls", process
        )
        assert health["status"] == "ok"
        await phone.start()
        await phone.wait_registered()
        await phone.command("dial", "sip:9001@demo.seatline.test;transport=tls")
        # srtp-mand: baresip hangs up on an answer without SRTP keys, so an established call
        # is an SRTP call (the wire itself is checked in tests/switch/test_tls*.py).
        await phone.wait_event("CALL_ESTABLISHED", timeout=15)
        await asyncio.sleep(1)  # some echoed audio through SRTP both ways
        assert "CALL_CLOSED" not in [e.get("type") for e in phone.events]
        assert "SRTP is Enabled" in phone.log()
        await phone.command("hangup")
        await phone.wait_event("CALL_CLOSED", timeout=10)
    finally:
        await phone.stop()
        process.send_signal(signal.SIGTERM)
        _, err = await asyncio.to_thread(process.communicate, None, 15)
    assert "Traceback" not in err, err[-3000:]
