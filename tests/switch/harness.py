"""Test peers for the switch: SIPp scenario runs and a headless baresip driven over ctrl_tcp."""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import socket
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from seatline.switch.prompts import tone, write_wav

SCENARIOS = Path(__file__).parent / "scenarios"
PCAPS = Path("/usr/share/sip-tester")


# Ports handed out in this process: a port chosen for a peer that has not bound it yet is
# free to the kernel, and handing it out twice made two SIPps fight over it (a hung test).
_HANDED_OUT: set[int] = set()


def free_port(kind: int = socket.SOCK_DGRAM) -> int:
    """A port that is free for UDP and TCP on 127.0.0.1 right now, never handed out before."""
    while True:
        with socket.socket(socket.AF_INET, kind) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port in _HANDED_OUT:
            continue
        other = socket.SOCK_STREAM if kind == socket.SOCK_DGRAM else socket.SOCK_DGRAM
        with socket.socket(socket.AF_INET, other) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        _HANDED_OUT.add(port)
        return port


def free_media_port(span: int = 4) -> int:
    """A base port for SIPp media with `span` free UDP ports after it.

    SIPp binds several consecutive ports from `-mp` (audio, RTCP, video); taken from the
    ephemeral range they could land on a port another peer picked, so use 10000-19999, below
    both the kernel's ephemeral range and the switch's RTP ranges.
    """
    while True:
        base = random.randrange(10000, 20000 - span, 2)
        sockets: list[socket.socket] = []
        try:
            for port in range(base, base + span):
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                sockets.append(s)
                s.bind(("127.0.0.1", port))
        except OSError:
            continue
        finally:
            for s in sockets:
                s.close()
        return base


@dataclass
class SippResult:
    """What a SIPp run left behind."""

    returncode: int
    stats: dict[str, str]
    errors: str

    @property
    def successful(self) -> int:
        """SuccessfulCall(C) from the last stats line."""
        return int(self.stats.get("SuccessfulCall(C)", "0"))

    @property
    def failed(self) -> int:
        """FailedCall(C) from the last stats line."""
        return int(self.stats.get("FailedCall(C)", "0"))


def read_stats(path: Path) -> dict[str, str]:
    """The last row of a SIPp -trace_stat CSV as a dict."""
    if not path.exists():
        return {}
    lines = [line for line in path.read_text().splitlines() if line.strip()]
    if len(lines) < 2:
        return {}
    header = lines[0].rstrip(";").split(";")
    row = lines[-1].rstrip(";").split(";")
    return dict(zip(header, row, strict=False))


async def run_sipp(
    scenario: str | Path,
    switch_port: int,
    local_port: int,
    *args: str,
    service: str = "9000",
    timeout: float = 60.0,
    media_port: int | None = None,
) -> SippResult:
    """Run one SIPp scenario against the switch on 127.0.0.1 and wait for it to finish."""
    path = scenario if isinstance(scenario, Path) else SCENARIOS / scenario
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        stat = work / "stats.csv"
        cmd = [
            "sipp",
            "-sf",
            str(path),
            "-s",
            service,
            f"127.0.0.1:{switch_port}",
            "-i",
            "127.0.0.1",
            "-p",
            str(local_port),
            "-mp",
            str(media_port or free_media_port()),
            "-trace_err",
            "-trace_stat",
            "-stf",
            str(stat),
            "-fd",
            "1",
            "-nostdin",
            "-timeout",
            f"{int(timeout)}s",
            "-timeout_error",
            *args,
        ]
        proc = await asyncio.create_subprocess_exec(
            *cmd, cwd=work, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL
        )
        try:
            await asyncio.wait_for(proc.wait(), timeout + 10)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            # Bounded too: a lost exit notice must fail this run, not hang the whole suite.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(proc.wait(), 5)
        errors = "".join(p.read_text(errors="replace") for p in work.glob("*_errors.log"))
        returncode = proc.returncode if proc.returncode is not None else -9
        return SippResult(returncode, read_stats(stat), errors or "SIPp did not finish in time")


def start_sipp(
    scenario: str, switch_port: int, local_port: int, *args: str, service: str = "s"
) -> asyncio.Future[SippResult]:
    """Start a SIPp run in the background (e.g. a UAS waiting for the switch's call)."""
    return asyncio.ensure_future(
        run_sipp(scenario, switch_port, local_port, *args, service=service)
    )


async def until_listening(port: int, timeout: float = 10.0) -> None:
    """Wait until some process (a SIPp just started) holds UDP `port` on 127.0.0.1."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                return
        await asyncio.sleep(0.02)
    raise TimeoutError(f"nothing listens on UDP port {port}")


class InviteRecorder:
    """A UDP socket standing in for a carrier that never answers: it records the Request-URIs
    of the INVITEs it is sent, so a test sees which carrier a call went to (if any)."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.setblocking(False)
        self.seen: list[str] = []

    @property
    def port(self) -> int:
        """The port to point a trunk at."""
        return int(self.sock.getsockname()[1])

    def invites(self) -> list[str]:
        """Request-URIs of every INVITE received so far (retransmissions included)."""
        while True:
            try:
                data = self.sock.recv(65535)
            except BlockingIOError:
                return list(self.seen)
            first = data.split(b"\r\n", 1)[0].decode(errors="replace")
            if first.startswith("INVITE "):
                self.seen.append(first.split()[1])

    def got(self, number: str) -> bool:
        """Whether an INVITE for `number` arrived."""
        return any(f"sip:{number}@" in uri for uri in self.invites())

    def close(self) -> None:
        """Close the socket."""
        self.sock.close()


class Baresip:
    """A headless baresip agent phone with a generated config dir, driven over ctrl_tcp."""

    def __init__(
        self,
        workdir: Path,
        user: str,
        password: str,
        domain: str,
        switch_port: int,
        regint: int = 600,
        answermode: str = "auto",
        proxy: str | None = None,
    ):
        self.dir = workdir
        self.regint = regint  # 0: never register (a carrier sending calls with digest)
        self.answermode = answermode  # "manual": rings until told to answer
        self.proxy = proxy  # "host:port" when `domain` is a name, not the switch's address
        self.user = user
        self.password = password
        self.domain = domain
        self.switch_port = switch_port
        self.sip_port = free_port()
        self.ctrl_port = free_port(socket.SOCK_STREAM)
        self.tone_wav = workdir / "tone.wav"
        self.proc: asyncio.subprocess.Process | None = None
        self.events: list[dict[str, object]] = []
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._pump: asyncio.Task[None] | None = None

    def write_config(self) -> None:
        """Config, accounts and a 1 kHz tone WAV (mono S16LE 8 kHz) as the audio source."""
        write_wav(self.tone_wav, np.tile(tone((1000.0,), 1.0, 0.3), 30))
        (self.dir / "config").write_text(
            "\n".join(
                [
                    "poll_method epoll",
                    f"sip_listen 127.0.0.1:{self.sip_port}",
                    "sip_trans_def udp",
                    f"audio_source aufile,{self.tone_wav}",
                    "audio_player aubridge,nil",
                    "audio_alert aubridge,nil",
                    "module_path /usr/lib/baresip/modules",
                    "module g711.so",
                    "module aufile.so",
                    "module aubridge.so",
                    "module_app account.so",
                    "module_app menu.so",
                    "module_app ctrl_tcp.so",
                    f"ctrl_tcp_listen 127.0.0.1:{self.ctrl_port}",
                    "net_interface 127.0.0.1",
                    "",
                ]
            )
        )
        if self.proxy is None:
            aor, outbound = f"sip:{self.user}@{self.domain}:{self.switch_port}", ""
        else:
            aor, outbound = f"sip:{self.user}@{self.domain}", f';outbound="sip:{self.proxy}"'
        (self.dir / "accounts").write_text(
            f"<{aor}>;auth_user={self.user};auth_pass={self.password};"
            f"regint={self.regint};answermode={self.answermode};audio_codecs=PCMU,PCMA"
            f"{outbound}\n"
        )
        (self.dir / "contacts").write_text("")

    async def start(self) -> None:
        """Start baresip and connect to its control socket."""
        self.write_config()
        self.proc = await asyncio.create_subprocess_exec(
            "baresip",
            "-f",
            str(self.dir),
            "-t",
            "120",
            stdin=asyncio.subprocess.DEVNULL,
            stdout=open(self.dir / "out.log", "wb"),  # noqa: SIM115
            stderr=asyncio.subprocess.STDOUT,
        )
        for _ in range(100):
            try:
                self._reader, self._writer = await asyncio.open_connection(
                    "127.0.0.1", self.ctrl_port
                )
                break
            except OSError:
                await asyncio.sleep(0.05)
        else:
            raise RuntimeError("baresip ctrl_tcp did not come up:\n" + self.log())
        self._pump = asyncio.ensure_future(self._read_events())

    async def _read_events(self) -> None:
        assert self._reader is not None
        while True:
            length = await self._reader.readuntil(b":")
            data = await self._reader.readexactly(int(length[:-1]))
            await self._reader.readexactly(1)  # the netstring's trailing comma
            with contextlib.suppress(ValueError):
                self.events.append(json.loads(data))

    async def command(self, command: str, params: str = "") -> None:
        """Send one netstring-framed JSON command."""
        assert self._writer is not None
        body = json.dumps({"command": command, "params": params, "token": "t"}).encode()
        self._writer.write(str(len(body)).encode() + b":" + body + b",")
        await self._writer.drain()

    async def wait_event(self, kind: str, timeout: float = 10.0) -> dict[str, object]:
        """Wait for an event whose type is `kind` (e.g. REGISTER_OK, CALL_ESTABLISHED)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            for event in self.events:
                if event.get("type") == kind:
                    return event
            await asyncio.sleep(0.05)
        raise TimeoutError(f"no {kind} from baresip; saw {[e.get('type') for e in self.events]}")

    async def wait_registered(self, timeout: float = 15.0) -> None:
        """Wait until the registrar accepted us (the REGISTER_OK event may precede ctrl_tcp)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            if "200 OK" in self.log() and "binding" in self.log():
                return
            await asyncio.sleep(0.05)
        raise TimeoutError(f"baresip did not register:\n{self.log()[-2000:]}")

    def log(self) -> str:
        """baresip's console output."""
        path = self.dir / "out.log"
        return path.read_text(errors="replace") if path.exists() else ""

    async def stop(self) -> None:
        """Stop baresip."""
        if self._pump is not None:
            self._pump.cancel()
        if self._writer is not None:
            self._writer.close()
        if self.proc is not None and self.proc.returncode is None:
            self.proc.terminate()
            try:
                await asyncio.wait_for(self.proc.wait(), 5)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()
