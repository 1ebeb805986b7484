"""Benchmark of SRTP on a leg: prints one JSON line of figures (fixed seed).

What SDES-SRTP adds per 20 ms G.711 packet (172 bytes) on the switch's media path:
`protect` (every packet sent to an SRTP leg) and `unprotect` (every packet received from
one), for both suites, in microseconds; and how many SRTP legs one core could serve at that
cost alone (packets each way every 20 ms), next to the plain relay's budget.
"""

from __future__ import annotations

import json
import random
import time

from seatline.rtp import build_rtp
from seatline.rtp.srtp import SUITES, SrtpContext

SEED = 20261204
PACKETS = 50_000


def per_packet(suite: str, rng: random.Random) -> tuple[float, float]:
    """Mean microseconds to protect and to unprotect one 20 ms G.711 packet."""
    ours, theirs = rng.randbytes(30), rng.randbytes(30)
    sender, receiver = SrtpContext(suite, ours, theirs), SrtpContext(suite, theirs, ours)
    packets = [
        build_rtp(0, seq & 0xFFFF, seq * 160, 0x1234, rng.randbytes(160)) for seq in range(PACKETS)
    ]
    started = time.perf_counter()
    wire = [sender.protect(packet) for packet in packets]
    protect = (time.perf_counter() - started) / PACKETS
    started = time.perf_counter()
    for packet in wire:
        receiver.unprotect(packet)
    unprotect = (time.perf_counter() - started) / PACKETS
    return protect * 1e6, unprotect * 1e6


def main() -> None:
    """Print the figures as one JSON line."""
    rng = random.Random(SEED)
    figures: dict[str, float | int] = {"packets": PACKETS}
    for suite in SUITES:
        protect, unprotect = per_packet(suite, rng)
        short = suite.rsplit("_", 1)[-1]
        figures[f"protect_us_{short}"] = round(protect, 2)
        figures[f"unprotect_us_{short}"] = round(unprotect, 2)
        # One leg: 50 packets/s each way; the CPU share of SRTP alone for one core.
        figures[f"legs_per_core_srtp_only_{short}"] = int(1e6 / (50 * (protect + unprotect)))
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
