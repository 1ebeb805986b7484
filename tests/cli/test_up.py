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


def test_up_demo_serves_health_prints_logins_and_stops_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    command = [*SEATLINE, "up", "--demo", "--data-dir", str(tmp_path / "data")]
    command += ["--http", f"127.0.0.1:{port}", "--sip", "127.0.0.1:5099"]
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
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=15)
    assert process.returncode == 0, err
    assert f"http://127.0.0.1:{port}/" in out
    assert "admin@demo / demo-admin" in out and "supervisor@demo / demo-supervisor" in out
    assert "user 1001, domain demo.seatline.test, password demo-1001" in out
    assert "127.0.0.1:5099" in out
    assert "Traceback" not in err
    assert (tmp_path / "data" / "seatline.db").is_file()
    assert (tmp_path / "data" / "secret_key").stat().st_mode & 0o077 == 0
