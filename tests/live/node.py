"""A `seatline up` process on free loopback ports, driven over HTTP like a user would."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from switch.harness import Baresip, free_port

SEATLINE = [sys.executable, "-c", "from seatline.cli import main; main()"]


class Node:
    """A `seatline up` process on free loopback ports."""

    def __init__(self, data_dir: Path, allow_private: bool = True) -> None:
        self.data_dir = data_dir
        self.allow_private = allow_private
        self.http = free_port(socket.SOCK_STREAM)
        self.sip = free_port()
        self.process: asyncio.subprocess.Process | None = None

    async def start(self, demo: bool) -> None:
        """Start the node and wait until it serves /healthz."""
        command = [*SEATLINE, "up", "--data-dir", str(self.data_dir)]
        command += ["--http", f"127.0.0.1:{self.http}", "--sip", f"127.0.0.1:{self.sip}"]
        if demo:
            command.append("--demo")
        env = {k: v for k, v in os.environ.items() if not k.startswith("SEATLINE_")}
        # The tests' carriers and webhooks listen on loopback, a private address to the node.
        env["SEATLINE_ALLOW_PRIVATE_NETWORKS"] = "true" if self.allow_private else "false"
        log = open(self.data_dir.parent / "node.log", "ab")  # noqa: SIM115
        self.process = await asyncio.create_subprocess_exec(
            *command, stdout=log, stderr=log, env=env
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.returncode is not None:
                pytest.fail(f"seatline up exited: {self.log()}")
            try:
                await asyncio.to_thread(self.get, "/healthz")
                return
            except OSError:
                await asyncio.sleep(0.2)
        pytest.fail(f"seatline up did not come up: {self.log()}")

    def phone(self, workdir: Path, extension: str) -> Baresip:
        """A baresip phone (not started) for a demo agent, registering to this node."""
        workdir.mkdir()
        return Baresip(
            workdir,
            extension,
            f"demo-{extension}",
            "demo.seatline.test",
            self.sip,
            proxy=f"127.0.0.1:{self.sip}",
        )

    def log(self) -> str:
        """The node's output so far."""
        return (self.data_dir.parent / "node.log").read_text(errors="replace")[-4000:]

    def get(self, path: str, token: str | None = None) -> Any:
        """GET a JSON resource."""
        request = urllib.request.Request(f"http://127.0.0.1:{self.http}{path}")
        if token:
            request.add_header("authorization", f"Bearer {token}")
        with urllib.request.urlopen(request, timeout=3) as answer:
            return json.load(answer)

    def send(
        self,
        method: str,
        path: str,
        token: str,
        body: object = None,
        content_type: str = "application/json",
        tenant: str | None = None,
    ) -> Any:
        """Send a request with a body (JSON, or text as it is); the JSON answer or None.

        `tenant` is the tenant a platform admin acts in (the X-Seatline-Tenant header).
        """
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.http}{path}", data=data, method=method
        )
        request.add_header("authorization", f"Bearer {token}")
        if tenant is not None:
            request.add_header("x-seatline-tenant", tenant)
        request.add_header("content-type", content_type)
        with urllib.request.urlopen(request, timeout=5) as answer:
            text = answer.read()
        return json.loads(text) if text else None

    def login(self, username: str, password: str) -> str:
        """A bearer token."""
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.http}/api/auth/login",
            data=json.dumps({"username": username, "password": password}).encode(),
            headers={"content-type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=3) as answer:
            return str(json.load(answer)["token"])

    async def kill(self) -> None:
        """SIGKILL: no shutdown code runs."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        await self.process.wait()

    async def stop(self) -> None:
        """SIGTERM and wait."""
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), 15)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
