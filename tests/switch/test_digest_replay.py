"""Finding 6 on a running switch: a captured REGISTER cannot add anyone's binding again.

Real UDP sockets: a phone registers with digest; its REGISTER, replayed from another address
with the attacker's Contact, from the same address with the same nonce count, or answered
for another Request-URI, is refused and the binding table holds only the phone's contact.
"""

from __future__ import annotations

import pytest

from seatline.sip.auth import DigestChallenge, authorize

from .conftest import DOMAIN, SwitchUnderTest
from .raw_sip import RawPeer, raw_peer


def register(
    peer: RawPeer, call_id: str, cseq: int, contact: str, auth: str = "", uri: str = ""
) -> str:
    """A REGISTER for alice from `peer` naming `contact`."""
    text = peer.request_text(
        "REGISTER",
        uri or f"sip:{DOMAIN}",
        call_id=call_id,
        from_=f"<sip:alice@{DOMAIN}>;tag=reg{cseq}",
        to=f"<sip:alice@{DOMAIN}>",
        cseq=cseq,
        extra=("Expires: 600", *((f"Authorization: {auth}",) if auth else ())),
    )
    # request_text's Contact names the sending socket; the attacker names its own.
    return text.replace(
        f"Contact: <sip:raw@{peer.local[0]}:{peer.local[1]}>", f"Contact: {contact}"
    )


@pytest.fixture
def loopback_alias() -> None:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.bind(("127.0.0.2", 0))
        except OSError:
            pytest.skip("127.0.0.2 is not a loopback address here")


async def test_captured_register_is_refused_and_adds_no_binding(
    switch: SwitchUnderTest, loopback_alias: None
) -> None:
    switch.credentials.add(DOMAIN, "alice", "s3cret", agent_id="alice")
    core = switch.service.core
    phone = await raw_peer(switch.port)
    attacker = await raw_peer(switch.port, host="127.0.0.2")
    mine = f"<sip:alice@{phone.local[0]}:{phone.local[1]}>"
    evil = f"<sip:alice@{attacker.local[0]}:{attacker.local[1]}>"
    try:
        phone.send(register(phone, "reg-a", 1, mine))
        challenge = await phone.final("reg-a")
        assert challenge.status == 401
        parsed = DigestChallenge.parse(challenge.headers.get("WWW-Authenticate") or "")
        creds = str(authorize(parsed, "REGISTER", f"sip:{DOMAIN}", "alice", "s3cret", "c0ffee"))
        phone.send(register(phone, "reg-a", 2, mine, creds))
        assert (await phone.final("reg-a")).status == 200

        # The captured Authorization, replayed from elsewhere with the attacker's Contact.
        attacker.send(register(attacker, "reg-a", 3, evil, creds))
        assert (await attacker.final("reg-a")).status == 401
        # ... from the phone's own address (a spoofed source), same nonce count.
        phone.send(register(phone, "reg-a", 4, evil, creds))
        replayed = await phone.final("reg-a")
        assert replayed.status == 401
        assert "stale=true" in (replayed.headers.get("WWW-Authenticate") or "")
        # ... or carried over to another Request-URI than the one it was computed for.
        phone.send(register(phone, "reg-a", 5, evil, creds, uri=f"sip:alice@{DOMAIN}"))
        assert (await phone.final("reg-a")).status == 400

        contacts = [b.contact for b in core.registrar.bindings(f"alice@{DOMAIN}", core.clock())]
        assert contacts == [mine.strip("<>")]

        # The phone itself goes on: the next nonce count on its nonce is accepted.
        again = str(
            authorize(parsed, "REGISTER", f"sip:{DOMAIN}", "alice", "s3cret", "c0ffee", nc=2)
        )
        phone.send(register(phone, "reg-a", 6, mine, again))
        assert (await phone.final("reg-a")).status == 200
    finally:
        phone.close()
        attacker.close()


async def test_a_malformed_authorization_is_a_failed_attempt_not_a_crash() -> None:
    from seatline.sip import Headers, SipRequest
    from seatline.switch.abuse import BanList
    from seatline.switch.credentials import StaticCredentials
    from seatline.switch.registrar import DigestGuard

    h = Headers()
    h.add("Via", "SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKabc")
    h.add("From", f"<sip:alice@{DOMAIN}>;tag=1")
    h.add("To", f"<sip:alice@{DOMAIN}>")
    h.add("Call-ID", "bad-auth")
    h.add("CSeq", "1 REGISTER")
    h.add("Authorization", "Digest username")  # a parameter without '=': a parse error
    guard = DigestGuard(StaticCredentials(), BanList(max_failures=5))
    result = await guard.check(
        SipRequest("REGISTER", f"sip:{DOMAIN}", h), "192.0.2.10", DOMAIN, "alice", 1.0, False
    )
    assert result.response is not None and result.response.status == 401
    assert guard.failures == 1
