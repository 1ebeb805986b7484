"""Seatline's data files are private: files 0600, directories 0700, whatever the umask.

Finding 14 of issue 11: the database (HA1s, trunk passwords, leads), the secret key,
recordings and prompts were 0644 and the data directory 0755, readable by every local user.
"""

from __future__ import annotations

import asyncio
import os
import signal
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from seatline.config import load_settings
from seatline.rtp.wav import write_wav
from seatline.store.db import Database
from seatline.store.migrate import upgrade
from seatline.switch.recorder import Recorder

SEATLINE = [sys.executable, "-c", "from seatline.cli import main; main()"]


def mode(path: Path) -> int:
    """The permission bits of a path."""
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def loose_umask() -> Iterator[None]:
    """The common default umask, under which plain file creation gives 0644 and 0755."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def test_secret_key_and_data_dir_are_private(tmp_path: Path, loose_umask: None) -> None:
    data = tmp_path / "data"
    load_settings({"data_dir": data})
    assert mode(data) == 0o700
    assert mode(data / "secret_key") == 0o600


async def test_the_sqlite_file_is_private(tmp_path: Path, loose_umask: None) -> None:
    path = tmp_path / "seatline.db"
    database = Database(f"sqlite+aiosqlite:///{path}")
    try:
        await upgrade(database)
    finally:
        await database.dispose()
    assert mode(path) == 0o600
    for journal in tmp_path.glob("seatline.db-*"):  # WAL and shared memory, if still there
        assert mode(journal) == 0o600, journal


def test_recordings_and_written_prompts_are_private(tmp_path: Path, loose_umask: None) -> None:
    recorder = Recorder(tmp_path / "recordings" / "t1" / "2026-12-06" / "call.wav", 10)
    recorder.add(0, bytes([0xFF]) * 160, 0)
    written = recorder.close()
    assert mode(written) == 0o600
    prompt = tmp_path / "prompt.wav"
    write_wav(prompt, np.zeros(800, dtype=np.int16))
    assert mode(prompt) == 0o600


def _serving(url: str, process: subprocess.Popen[str], limit: float = 20.0) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"seatline up exited early: {process.communicate()}")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.1)
    pytest.fail("seatline up did not serve /healthz in time")


def test_up_makes_an_existing_data_dir_private_and_says_so(
    tmp_path: Path, loose_umask: None
) -> None:
    from switch.harness import free_port

    data = tmp_path / "data"
    (data / "recordings" / "t1").mkdir(parents=True)
    (data / "recordings" / "t1" / "old.wav").write_bytes(b"RIFF")
    (data / "secret_key").write_text("k" * 48)
    for path in (data, data / "recordings", data / "recordings" / "t1"):
        path.chmod(0o755)
    for path in (data / "recordings" / "t1" / "old.wav", data / "secret_key"):
        path.chmod(0o644)
    http, sip = free_port(), free_port()
    command = [*SEATLINE, "up", "--data-dir", str(data)]
    command += ["--http", f"127.0.0.1:{http}", "--sip", f"127.0.0.1:{sip}"]
    env = {key: value for key, value in os.environ.items() if not key.startswith("SEATLINE_")}
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    try:
        _serving(f"http://127.0.0.1:{http}/healthz", process)
        private = {path: mode(path) for path in [data, *data.rglob("*")]}
    finally:
        process.send_signal(signal.SIGTERM)
        _, errors = process.communicate(timeout=20)
    loose = {str(path): oct(bits) for path, bits in private.items() if bits & 0o077}
    assert loose == {}, loose
    assert private[data] == 0o700 and private[data / "seatline.db"] == 0o600
    assert "made 5 files and directories in" in errors and "private" in errors, errors


async def test_files_made_later_in_a_running_node_are_private(tmp_path: Path) -> None:
    # The umask `seatline up` sets covers files the other parts create (WAL, directories).
    code = (
        "import os, sys; from seatline.cli.up import private_umask; private_umask(); "
        "open(sys.argv[1], 'w').close(); os.mkdir(sys.argv[2])"
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", code, str(tmp_path / "f"), str(tmp_path / "d")
    )
    assert await asyncio.wait_for(process.wait(), 30) == 0
    assert mode(tmp_path / "f") == 0o600 and mode(tmp_path / "d") == 0o700
