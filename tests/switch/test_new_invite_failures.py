"""Finding 16 on a running switch: whatever goes wrong with a new INVITE, the caller gets a
final answer and the leg is freed (a new INVITE with that Call-ID is not a 482 loop).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from seatline.sip.auth import DigestChallenge, authorize
from seatline.switch import StaticCredentials, SwitchConfig, SwitchService
from seatline.switch.credentials import SipCredentials

from .conftest import DOMAIN, SwitchUnderTest
from .harness import free_port
from .raw_sip import raw_peer, sdp


async def test_non_ascii_sdp_format_gets_488_and_frees_the_leg(switch: SwitchUnderTest) -> None:
    peer = await raw_peer(switch.port, port=switch.sipp_port)  # the trusted trunk's address
    core = switch.service.core
    try:
        host, port = peer.local
        dialog = peer.invite("9000", body=sdp(host, port + 2, formats="²"))
        final = await peer.final(dialog.call_id, "INVITE")
        assert final.status == 488
        assert dialog.call_id not in core.legs
        # The same Call-ID again (a caller retrying with a sane offer) is a new call, not a loop.
        again = peer.invite("9000", call_id=dialog.call_id)
        answer = await peer.final(again.call_id, "INVITE")
        assert answer.status == 200, answer
        again.remote_tag = answer.to_addr.tag or ""
        peer.ack(again)
        peer.in_dialog(again, "BYE")
        assert (await peer.final(again.call_id, "BYE")).status == 200
    finally:
        peer.close()


class FailingCredentials(StaticCredentials):
    """A credential store that is down (the database restarting)."""

    async def lookup(self, domain: str, username: str) -> SipCredentials | None:
        raise ConnectionError("database unavailable")


@pytest.fixture
async def broken_store_switch() -> AsyncIterator[SwitchService]:
    service = SwitchService(SwitchConfig(domain=DOMAIN), credentials=FailingCredentials())
    low = max(20000, min(free_port(), 60000))
    await service.start("127.0.0.1", 0, (low, low + 100))
    try:
        yield service
    finally:
        await service.stop()


async def test_a_failing_credential_store_answers_500_and_frees_the_leg(
    broken_store_switch: SwitchService,
) -> None:
    core = broken_store_switch.core
    peer = await raw_peer(broken_store_switch.port)
    try:
        dialog = peer.invite("9000")
        challenge = await peer.final(dialog.call_id, "INVITE")
        assert challenge.status == 407
        parsed = DigestChallenge.parse(challenge.headers.get("Proxy-Authenticate") or "")
        uri = f"sip:9000@127.0.0.1:{broken_store_switch.port}"
        creds = authorize(parsed, "INVITE", uri, "raw", "pw", "c0ffee")
        retry = peer.invite(
            "9000", call_id=dialog.call_id, extra=(f"Proxy-Authorization: {creds}",)
        )
        failed = await peer.final(retry.call_id, "INVITE")
        assert failed.status == 500
        assert retry.call_id not in core.legs

        # REGISTER through the same broken store: answered too, not left hanging.
        def register(cseq: int, extra: tuple[str, ...] = ()) -> None:
            peer.send(
                peer.request_text(
                    "REGISTER",
                    f"sip:{DOMAIN}",
                    call_id="reg-broken",
                    from_=f"<sip:raw@{DOMAIN}>;tag=1",
                    to=f"<sip:raw@{DOMAIN}>",
                    cseq=cseq,
                    extra=extra,
                )
            )

        register(1)
        challenge = await peer.final("reg-broken", "REGISTER")
        assert challenge.status == 401
        parsed = DigestChallenge.parse(challenge.headers.get("WWW-Authenticate") or "")
        creds = authorize(parsed, "REGISTER", f"sip:{DOMAIN}", "raw", "pw", "c0ffee")
        register(2, (f"Authorization: {creds}",))
        assert (await peer.final("reg-broken", "REGISTER")).status == 500
    finally:
        peer.close()
