"""`seatline up --demo` as a real process: serves /healthz, prints the demo, stops on SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

SEATLINE = [sys.executable, "-c", "from seatline.cli import main; main()"]


def free_port() -> int:
    """Ask the kernel for a free TCP port on 127.0.0.1."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def clean_env() -> dict[str, str]:
    """The environment without SEATLINE_* settings that could leak in from the caller."""
    return {key: value for key, value in os.environ.items() if not key.startswith("SEATLINE_")}


def wait_for_health(
    url: str, process: subprocess.Popen[str], limit: float = 15.0
) -> dict[str, str]:
    """Poll /healthz until it answers (the 15 s promise of `seatline up`)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"seatline up exited early: {process.communicate()}")
        try:
            with urllib.request.urlopen(url, timeout=1) as answer:
                return dict(json.load(answer))
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.1)
    pytest.fail("seatline up did not serve /healthz within 15 s")


def free_sip_port() -> int:
    """A port free for both UDP and TCP on 127.0.0.1 (the switch binds both)."""
    while True:
        port = free_port()
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port


def call_demo_number(sip_port: int, workdir: Path) -> subprocess.CompletedProcess[str]:
    """Place two calls to 9000 with SIPp's built-in caller scenario, as a new user would."""
    command = ["sipp", "-sn", "uac", "-s", "9000", f"127.0.0.1:{sip_port}", "-i", "127.0.0.1"]
    command += ["-p", str(free_sip_port()), "-m", "2", "-r", "2", "-d", "500", "-nostdin"]
    command += ["-timeout", "20s", "-timeout_error", "-trace_err"]
    return subprocess.run(command, cwd=workdir, capture_output=True, text=True, timeout=40)


def test_up_demo_serves_health_answers_calls_and_stops_on_sigterm(tmp_path: Path) -> None:
    port, sip_port = free_port(), free_sip_port()
    command = [*SEATLINE, "up", "--demo", "--data-dir", str(tmp_path / "data")]
    command += ["--http", f"127.0.0.1:{port}", "--sip", f"127.0.0.1:{sip_port}"]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=clean_env()
    )
    try:
        health = wait_for_health(f"http://127.0.0.1:{port}/healthz", process)
        assert health == {"status": "ok", "database": "ok"}
        login = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/auth/login",
            data=json.dumps({"username": "admin@demo", "password": "demo-admin"}).encode(),
            headers={"content-type": "application/json"},
        )
        with urllib.request.urlopen(login, timeout=5) as answer:
            assert json.load(answer)["user"]["role"] == "tenant_admin"
        # The switch runs in the same node: the demo's prompt number answers a real SIP caller.
        calls = call_demo_number(sip_port, tmp_path)
        errors = "".join(p.read_text() for p in tmp_path.glob("*_errors.log"))
        assert calls.returncode == 0, errors or calls.stderr
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=15)
    assert process.returncode == 0, err
    assert f"http://127.0.0.1:{port}/" in out
    assert "admin@demo / demo-admin" in out and "supervisor@demo / demo-supervisor" in out
    assert "user 1001, domain demo.seatline.test, password demo-1001" in out
    assert f"127.0.0.1:{sip_port}" in out
    assert "SIP switch on" in err
    assert "Traceback" not in err
    assert (tmp_path / "data" / "seatline.db").is_file()
    assert (tmp_path / "data" / "secret_key").stat().st_mode & 0o077 == 0
