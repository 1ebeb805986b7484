"""A fresh installation without --demo (issue 12, item 2): `seatline up` says nobody can log in
yet, `seatline admin create` makes the operator's first login (password from the prompt or an
environment variable), and that login works on the running node."""

from __future__ import annotations

import json
import signal
import subprocess
import urllib.request
from pathlib import Path

from .test_up import SEATLINE, clean_env, free_port, free_sip_port, wait_for_health


def admin_create(data_dir: Path, username: str, **kw: object) -> subprocess.CompletedProcess[str]:
    """Run `seatline admin create` on `data_dir`."""
    command = [*SEATLINE, "admin", "create", username, "--data-dir", str(data_dir)]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, **kw)  # type: ignore[call-overload, no-any-return]


def login(port: int, username: str, password: str) -> str:
    """The role of the user a login answers for."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/auth/login",
        data=json.dumps({"username": username, "password": password}).encode(),
        headers={"content-type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=5) as answer:
        return str(json.load(answer)["user"]["role"])


def test_a_fresh_node_says_how_to_get_a_first_login_and_the_command_makes_one(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    port, sip_port = free_port(), free_sip_port()
    command = [*SEATLINE, "up", "--data-dir", str(data)]
    command += ["--http", f"127.0.0.1:{port}", "--sip", f"127.0.0.1:{sip_port}"]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=clean_env()
    )
    try:
        wait_for_health(f"http://127.0.0.1:{port}/healthz", process)
        # From the prompt, as a person types it (twice: the confirmation).
        typed = admin_create(
            data, "admin@operator", input="long-secret-1\nlong-secret-1\n", env=clean_env()
        )
        assert typed.returncode == 0, typed.stderr
        assert "Platform admin admin@operator created" in typed.stdout
        # From the environment, as automation does; the operator's tenant exists already.
        env = clean_env() | {"SEATLINE_ADMIN_PASSWORD": "long-secret-2"}
        scripted = admin_create(data, "ops@operator", env=env)
        assert scripted.returncode == 0, scripted.stderr
        assert login(port, "admin@operator", "long-secret-1") == "platform_admin"
        assert login(port, "ops@operator", "long-secret-2") == "platform_admin"
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=15)
    assert "nobody can log in yet" in err and "seatline admin create" in err


def test_bad_input_is_one_line_naming_the_problem(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = clean_env() | {"SEATLINE_ADMIN_PASSWORD": "long-secret-1"}
    bad_name = admin_create(data, "no-slug", env=env)
    assert bad_name.returncode == 2 and "name@slug" in bad_name.stderr
    assert "Traceback" not in bad_name.stderr
    short = admin_create(data, "admin@operator", env=clean_env() | {"SEATLINE_ADMIN_PASSWORD": "x"})
    assert short.returncode == 2 and "at least 8 characters" in short.stderr
    assert admin_create(data, "admin@operator", env=env).returncode == 0
    again = admin_create(data, "admin@operator", env=env)
    assert again.returncode == 1 and "exists already" in again.stderr
