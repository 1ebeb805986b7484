"""Benchmark of the SIP stack under hostile input: prints one JSON line of figures (fixed seed).

Run: `.venv/bin/python bench/sip_hostile.py`.

* hostile_parse_ms: CPU milliseconds (process time) to parse and touch the worst of a set of
  hostile headers (64 kB of ';', 10,000-element lists, 10,000 quoted parameters...), the
  maximum over the set, each parsed once cold;
* register_flood: 100,000 REGISTERs with random realms from random sources through the
  registrar's `DigestGuard` (half of them answered with a wrong password), as a scanner would
  send them: microseconds per request, the growth of traced Python memory, and the size of
  each table the guard keeps.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
import tracemalloc

from seatline.sip import Headers, SipParseError, SipRequest, parse_message, validate_request
from seatline.sip.auth import DigestChallenge, authorize
from seatline.switch.abuse import BanList
from seatline.switch.credentials import StaticCredentials
from seatline.switch.registrar import DigestGuard

SEED = 20261111
HEAD = (
    "INVITE sip:a@example.com SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
    "From: <sip:a@example.com>;tag=1\r\nTo: <sip:b@example.com>\r\nCall-ID: x\r\n"
    "CSeq: 1 INVITE\r\nMax-Forwards: 70\r\n"
)
TO = "To: <sip:b@example.com>"
RURI = "INVITE sip:a@example.com"
HOSTILE = {
    "64k ';' in To": HEAD.replace(TO, TO + ";" * 64000),
    "10k quoted params in Contact": HEAD + "Contact: <sip:a@b>" + ';a="x,y"' * 10000 + "\r\n",
    "10k Contacts": HEAD + "Contact: " + ",<sip:a@b>" * 6000 + "\r\n",
    "10k Vias": HEAD.replace("branch=z9hG4bK1", "branch=z9hG4bK1" + ",SIP/2.0/UDP h" * 4000),
    "10k Require tags": HEAD + "Require: " + ",a" * 10000 + "\r\n",
    "30k URI params": HEAD.replace(RURI + " ", RURI + ";a" * 30000 + " "),
    "10k header lines": HEAD + "X: a\r\n" * 10000,
}  # fmt: skip


def touch(data: bytes) -> None:
    try:
        msg = parse_message(data)
        assert isinstance(msg, SipRequest)
        validate_request(msg)
        _ = (msg.to_addr, msg.from_addr, msg.vias, msg.headers.get_list("Require"))
        for value in msg.headers.get_all("Contact"):
            msg.headers.get_list("Contact")
            del value
    except SipParseError:
        pass


def hostile_parse_ms() -> float:
    worst = 0.0
    for text in HOSTILE.values():
        data = (text + "Content-Length: 0\r\n\r\n").encode()
        start = time.process_time()
        touch(data)
        worst = max(worst, time.process_time() - start)
    return round(worst * 1000, 2)


def register(realm: str, auth: str | None = None) -> SipRequest:
    h = Headers()
    h.add("Via", "SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKabc")
    h.add("From", f"<sip:100@{realm}>;tag=1")
    h.add("To", f"<sip:100@{realm}>")
    h.add("Call-ID", "reg-1")
    h.add("CSeq", "1 REGISTER")
    if auth:
        h.add("Authorization", auth)
    return SipRequest("REGISTER", f"sip:{realm}", h)


async def register_flood(count: int = 100_000) -> dict[str, object]:
    rng = random.Random(SEED)
    guard = DigestGuard(StaticCredentials(), BanList(10, 60, 300), 300)
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    now = 1_000_000.0
    start = time.perf_counter()
    for i in range(count):
        now += 0.001
        realm = f"r{rng.getrandbits(64):x}.example"
        source = f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(256)}"
        first = await guard.check(register(realm), source, realm, "100", now, proxy=False)
        if i % 2 and first.response is not None:
            value = first.response.headers.get("WWW-Authenticate") or ""
            creds = authorize(
                DigestChallenge.parse(value), "REGISTER", f"sip:{realm}", "100", "x", "c"
            )
            await guard.check(register(realm, str(creds)), source, realm, "100", now, proxy=False)
    elapsed = time.perf_counter() - start
    grown = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    bans = guard.bans
    tables = {
        "realms": len(guard._servers),
        "nonce_counts": len(getattr(guard, "counts", ())),
        "failing_sources": len(bans._failures),
        "banned_sources": len(bans._banned_until),
    }
    return {
        "requests": count,
        "us_per_request": round(elapsed / count * 1e6, 1),
        "traced_memory_growth_mb": round(grown / 1e6, 1),
        "tables": tables,
    }


def main() -> None:
    print(
        json.dumps(
            {
                "hostile_parse_ms": hostile_parse_ms(),
                "register_flood": asyncio.run(register_flood()),
            }
        )
    )


if __name__ == "__main__":
    main()
