"""Finding 15 (digest and abuse part): every table the registrar keeps per stranger is bounded.

100k REGISTERs with random realms grew the node by 40 MB: one digest server per realm, and
failure and ban entries per source, all kept for ever. Here many requests from many sources
and realms go through the real `DigestGuard` (no sockets: the clock is a number), and each
table is counted afterwards; the limits come from `SwitchConfig`.
"""

from __future__ import annotations

import random

from seatline.sip import Headers, SipRequest
from seatline.sip.auth import DigestChallenge, authorize
from seatline.switch.abuse import BanList
from seatline.switch.config import SwitchConfig
from seatline.switch.credentials import StaticCredentials
from seatline.switch.registrar import DigestGuard

REQUESTS = 20_000
LIMIT = 100


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


def table_sizes(guard: DigestGuard) -> dict[str, int]:
    """Every table the guard holds about strangers, by name."""
    bans = guard.bans
    return {
        "digest servers per realm": len(guard._servers),
        "nonce counts": len(guard.counts),
        "failures per source": len(bans._failures),
        "bans": len(bans._banned_until),
    }


def test_switch_config_has_the_bounds() -> None:
    config = SwitchConfig()
    assert config.nonce_table_size > 0 and config.abuse_table_size > 0
    assert config.digest_realm_cache > 0


async def test_random_realms_and_sources_do_not_grow_the_tables() -> None:
    rng = random.Random(15)
    credentials = StaticCredentials()
    credentials.add("tenant.example", "100", "pw")
    bans = BanList(max_failures=2, window=60, ban_seconds=300, max_sources=LIMIT)
    guard = DigestGuard(
        credentials, bans, nonce_lifetime=30, nonce_table_size=LIMIT, realm_cache=LIMIT
    )
    now = 1000.0
    for i in range(REQUESTS):
        now += 0.01
        realm = f"r{rng.getrandbits(64):x}.example"
        source = f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(256)}"
        first = await guard.check(register(realm), source, realm, "100", now, proxy=False)
        assert first.response is not None and first.response.status == 401
        if i % 2:  # half answer with a wrong password: once (a failure) or twice (a ban)
            value = first.response.headers.get("WWW-Authenticate") or ""
            creds = authorize(
                DigestChallenge.parse(value), "REGISTER", f"sip:{realm}", "100", "x", "c"
            )
            for _ in range(1 if i % 4 == 1 else 2):
                await guard.check(
                    register(realm, str(creds)), source, realm, "100", now, proxy=False
                )
    # Many right answers from one phone: each nonce enters the nonce-count table once.
    for _ in range(REQUESTS // 10):
        now += 0.01
        first = await guard.check(
            register("tenant.example"), "192.0.2.10", "tenant.example", "100", now, proxy=False
        )
        assert first.response is not None
        value = first.response.headers.get("WWW-Authenticate") or ""
        creds = authorize(
            DigestChallenge.parse(value), "REGISTER", "sip:tenant.example", "100", "pw", "c"
        )
        ok = await guard.check(
            register("tenant.example", str(creds)),
            "192.0.2.10",
            "tenant.example",
            "100",
            now,
            proxy=False,
        )
        assert ok.credentials is not None
    sizes = table_sizes(guard)
    assert all(size <= LIMIT for size in sizes.values()), sizes
    used = ("bans", "failures per source", "nonce counts")
    assert all(sizes[name] > 0 for name in used), sizes  # they were used, and stayed bounded
