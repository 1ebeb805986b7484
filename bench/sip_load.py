"""Load benchmark of the SIP switch with SIPp against demo number 9000.

Prints ONE JSON line:
- max_calls_per_second: highest SIPp call rate (-r) with < 0.1 % failed calls (calls last 1 s
  and hear the prompt) whose setup p99 also stays under 500 ms: past that, SIPp's INVITE
  retransmissions hide the overload and "no failed call" stops meaning "keeping up";
- setup_p99_ms: 99th percentile of INVITE→200 time at that rate (SIPp -trace_rtt);
- ramp: [rate, failed calls, setup p99 ms] of every step run;
- max_concurrent_media_calls: most concurrent G.711 calls with RTP both ways (SIPp -rtp_echo
  returns the prompt) at < 0.5 % loss, loss counted against the 50 packets/s each call owes.

The switch runs in this process on one asyncio loop (uvloop when installed); SIPp runs as a
subprocess. Bounded in time: each step is a few seconds and the ramps stop at the first miss.
Usage: python bench/sip_load.py [--quick] [--only media|rate] [--calls N[,N...]] [--profile FILE]
(--only/--calls/--profile are for working on one phase: --profile writes cProfile stats of the
switch's loop during the run.)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import json
import socket
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from seatline.switch import SwitchConfig, SwitchService, TrunkConfig, install_uvloop

SCENARIO = (
    Path(__file__).resolve().parent.parent / "tests" / "switch" / "scenarios" / "uac_prompt.xml"
)
RATES = (100, 200, 300, 400, 500, 600, 800, 1000)
MAX_SETUP_P99_MS = 500.0
CONCURRENCY = (100, 200, 300, 400, 500, 600, 800)
STEP_SECONDS = 5
SEED = 1  # SIPp and the switch are deterministic apart from timing; kept for the record


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def sipp(switch_port: int, work: Path, *args: str) -> tuple[int, dict[str, str], list[float]]:
    """Run SIPp; return its exit code, last stats row and the per-call setup times (ms)."""
    for old in work.glob("*"):
        old.unlink()
    cmd = [
        "sipp",
        "-sf",
        str(SCENARIO),
        "-s",
        "9000",
        f"127.0.0.1:{switch_port}",
        "-i",
        "127.0.0.1",
        "-p",
        str(free_port()),
        "-mp",
        str(free_port()),
        "-trace_stat",
        "-stf",
        "stats.csv",
        "-trace_rtt",
        "-rtt_freq",
        "1",
        "-nostdin",
        "-timeout",
        "120s",
        "-max_socket",
        "4096",
        *args,
    ]
    proc = await asyncio.create_subprocess_exec(
        *cmd, cwd=work, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL
    )
    await proc.wait()
    stats: dict[str, str] = {}
    lines = (
        [x for x in (work / "stats.csv").read_text().splitlines() if x.strip()]
        if (work / "stats.csv").exists()
        else []
    )
    if len(lines) >= 2:
        stats = dict(
            zip(lines[0].rstrip(";").split(";"), lines[-1].rstrip(";").split(";"), strict=False)
        )
    rtts: list[float] = []
    for rtt in work.glob("*_rtt.csv"):
        for line in rtt.read_text().splitlines()[1:]:
            parts = line.split(";")
            if len(parts) >= 2:
                with contextlib.suppress(ValueError):
                    rtts.append(float(parts[1]))
    assert proc.returncode is not None
    return proc.returncode, stats, rtts


async def drained(service: SwitchService, limit: float = 30.0) -> None:
    """Wait until the switch holds no call legs (bounded)."""
    deadline = time.monotonic() + limit
    while service.core.legs and time.monotonic() < deadline:
        await asyncio.sleep(0.2)


async def call_rate(
    service: SwitchService, work: Path, rates: tuple[int, ...], ramp: list[list[float]]
) -> tuple[int, float]:
    """Ramp the call rate; return the best passing rate and its p99 setup time."""
    best, best_p99 = 0, 0.0
    for rate in rates:
        total = rate * STEP_SECONDS
        _, stats, rtts = await sipp(
            service.port,
            work,
            "-r",
            str(rate),
            "-m",
            str(total),
            "-l",
            str(rate * 3),
            "-d",
            "1000",
        )
        ok = int(stats.get("SuccessfulCall(C)", "0"))
        failed = int(stats.get("FailedCall(C)", "0"))
        pct = np.percentile(rtts, [50, 90, 99, 100]) if rtts else []
        print(
            f"# rate {rate}/s: ok {ok} failed {failed} setup p50/90/99/max {pct} "
            f"legs left {len(service.core.legs)}",
            file=sys.stderr,
        )
        p99 = float(np.percentile(rtts, 99)) if rtts else 0.0
        ramp.append([rate, failed, round(p99, 1)])
        await drained(service)
        if ok + failed < total or failed > total * 0.001 or p99 > MAX_SETUP_P99_MS:
            break
        best, best_p99 = rate, p99
        await asyncio.sleep(1.0)
    return best, best_p99


def media_counters(service: SwitchService) -> tuple[int, int, int]:
    """(live legs with media, RTP packets received, sent) over every session ever opened."""
    core = service.core
    assert core.media is not None
    sessions = [leg.media for leg in core.legs.values() if leg.media is not None]
    received = core.media.packets_in + sum(s.packets_in for s in sessions)
    sent = core.media.packets_out + sum(s.packets_out for s in sessions)
    return len(sessions), received, sent


async def concurrent_media(service: SwitchService, work: Path, sizes: tuple[int, ...]) -> int:
    """Grow the number of simultaneous echoed calls; return the largest one under 0.5 % loss."""
    best = 0
    for calls in sizes:
        setup = calls / 100 + 1
        hold_ms = int((setup + 6) * 1000)
        run = asyncio.ensure_future(
            sipp(
                service.port,
                work,
                "-r",
                "100",
                "-m",
                str(calls),
                "-l",
                str(calls),
                "-d",
                str(hold_ms),
                "-rtp_echo",
            )
        )
        await asyncio.sleep(setup + 1)
        live, in0, out0 = media_counters(service)
        engine = service.core.media
        assert engine is not None
        ticks0, late0, engine.late_max = engine.ticks, engine.late_total, 0.0
        t0 = time.monotonic()
        await asyncio.sleep(3)
        live_end, in1, out1 = media_counters(service)
        ticks = max(1, engine.ticks - ticks0)
        lateness = (engine.late_total - late0) / ticks * 1000, engine.late_max * 1000
        window = time.monotonic() - t0
        code, _stats, _ = await run
        owed = 50 * calls * window
        loss = 1 - (in1 - in0) / owed if owed else 1.0
        print(
            f"# {calls} calls: live {live}/{live_end} echo in {in1 - in0} owed {owed:.0f} "
            f"loss {loss:.2%} sent {out1 - out0} tick late mean/max ms "
            f"{lateness[0]:.2f}/{lateness[1]:.1f} sipp {code}",
            file=sys.stderr,
        )
        if live < calls or live_end < calls or loss >= 0.005:
            break
        best = calls
        await drained(service)
        await asyncio.sleep(1.0)
    return best


async def main(args: argparse.Namespace) -> None:
    trunk = TrunkConfig("sipp", inbound_addresses=("127.0.0.1",))
    service = SwitchService(SwitchConfig(domain="127.0.0.1", trunks=(trunk,)))
    await service.start("127.0.0.1", 0, (20000, 40000))
    rates = RATES[:3] if args.quick else RATES
    sizes = CONCURRENCY[:2] if args.quick else CONCURRENCY
    if args.calls:
        sizes = tuple(int(x) for x in args.calls.split(","))
    profiler = cProfile.Profile() if args.profile else None
    rate, p99, media = 0, 0.0, 0
    ramp: list[list[float]] = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            if profiler is not None:
                profiler.enable()
            if args.only in (None, "rate"):
                rate, p99 = await call_rate(service, work, rates, ramp)
            if args.only in (None, "media"):
                media = await concurrent_media(service, work, sizes)
    finally:
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(args.profile)
        await service.stop()
    print(
        json.dumps(
            {
                "max_calls_per_second": rate,
                "setup_p99_ms": round(p99, 2),
                "max_concurrent_media_calls": media,
                "call_seconds": 1,
                "ramp": ramp,
                "seed": SEED,
                "loop": "uvloop"
                if "uvloop" in type(asyncio.get_event_loop_policy()).__module__
                else "asyncio",
            }
        )
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer, smaller steps")
    parser.add_argument("--only", choices=("rate", "media"), help="run one phase")
    parser.add_argument("--calls", help="comma-separated concurrency steps for the media phase")
    parser.add_argument("--profile", help="write cProfile stats of the run to this file")
    install_uvloop()
    asyncio.run(main(parser.parse_args()))
