"""Registrar and abuse control without sockets: digest, stale nonces, bans (clock injected)."""

from __future__ import annotations

from seatline.sip import Headers, SipRequest, SipResponse
from seatline.sip.auth import DigestChallenge, authorize
from seatline.switch.abuse import BanList
from seatline.switch.credentials import StaticCredentials
from seatline.switch.registrar import DigestGuard, Registrar

REALM = "tenant.example"


def register(auth: str | None = None, user: str = "100") -> SipRequest:
    h = Headers()
    h.add("Via", "SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKabc")
    h.add("From", f"<sip:{user}@{REALM}>;tag=1")
    h.add("To", f"<sip:{user}@{REALM}>")
    h.add("Call-ID", "reg-1")
    h.add("CSeq", "1 REGISTER")
    h.add("Contact", f"<sip:{user}@192.0.2.10:5060>;expires=120")
    if auth:
        h.add("Authorization", auth)
    return SipRequest("REGISTER", f"sip:{REALM}", h)


def make_registrar(max_failures: int = 3) -> Registrar:
    creds = StaticCredentials()
    creds.add(REALM, "100", "pw", agent_id="a-100")
    guard = DigestGuard(creds, BanList(max_failures, 60, 300), nonce_lifetime=30)
    return Registrar(guard)


def answer(challenge: SipResponse, password: str, user: str = "100") -> str:
    parsed = DigestChallenge.parse(challenge.headers.get("WWW-Authenticate") or "")
    return str(authorize(parsed, "REGISTER", f"sip:{REALM}", user, password, "cn"))


async def handle(reg: Registrar, req: SipRequest, now: float) -> SipResponse:
    return await reg.handle(req, "UDP", "192.0.2.10", 5060, now)


async def test_register_binds_and_expires() -> None:
    reg = make_registrar()
    challenge = await handle(reg, register(), 1000.0)
    assert challenge.status == 401
    ok = await handle(reg, register(answer(challenge, "pw")), 1001.0)
    assert ok.status == 200
    assert [b.agent_id for b in reg.find_agent("a-100", 1002.0)] == ["a-100"]
    assert reg.bindings(f"100@{REALM}", 1001.0 + 121) == []


async def test_old_nonce_is_stale_not_a_failure() -> None:
    reg = make_registrar(max_failures=1)
    challenge = await handle(reg, register(), 1000.0)
    late = await handle(reg, register(answer(challenge, "pw")), 1000.0 + 31)
    assert late.status == 401
    assert "stale=true" in (late.headers.get("WWW-Authenticate") or "")
    assert not reg.guard.bans.is_banned("192.0.2.10", 1031.0)


async def test_unknown_user_and_wrong_password_answer_alike_then_ban_expires() -> None:
    reg = make_registrar(max_failures=3)
    challenge = await handle(reg, register(), 1000.0)
    unknown = await handle(reg, register(answer(challenge, "x", "999"), "999"), 1001.0)
    wrong = await handle(reg, register(answer(challenge, "x")), 1002.0)
    assert (unknown.status, wrong.status) == (401, 401)
    banned = await handle(reg, register(answer(challenge, "x")), 1003.0)
    assert banned.status == 403
    assert (await handle(reg, register(answer(challenge, "pw")), 1004.0)).status == 403
    fresh = await handle(reg, register(), 1003.0 + 301)
    assert fresh.status == 401
    assert (await handle(reg, register(answer(fresh, "pw")), 1305.0)).status == 200


def test_ban_window_forgets_old_failures() -> None:
    bans = BanList(max_failures=2, window=10, ban_seconds=5)
    assert not bans.record_failure("a", 0.0)
    assert not bans.record_failure("a", 11.0)  # the first fell out of the window
    assert bans.record_failure("a", 12.0)
    assert bans.is_banned("a", 16.9)
    assert not bans.is_banned("a", 17.0)
