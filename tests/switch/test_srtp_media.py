"""The media engine with an SRTP leg: the supervision mix and forged packets (real UDP sockets)."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator

import pytest

from seatline.rtp.mixer import MonitorMode
from seatline.rtp.srtp import SrtpContext
from seatline.switch.conference import Conference
from seatline.switch.media import MediaEngine, RtpSession

from .harness import free_port
from .tls_peer import SrtpPhone, tone_level

SUITE = "AES_CM_128_HMAC_SHA1_80"


@pytest.fixture
async def engine() -> AsyncIterator[MediaEngine]:
    """A running media engine on loopback."""
    low = max(20000, min(free_port(), 60000))
    engine = MediaEngine("127.0.0.1", (low - low % 2, low - low % 2 + 200))
    engine.start()
    try:
        yield engine
    finally:
        engine.stop()


async def keyed_pair(engine: MediaEngine) -> tuple[RtpSession, SrtpPhone]:
    """A switch session and a phone end that share SDES keys."""
    session = await engine.open_session()
    phone = SrtpPhone()
    ours = secrets.token_bytes(30)
    session.use_srtp(SUITE, ours, phone.key)
    phone.context = SrtpContext(SUITE, phone.key, ours)
    session.set_remote("127.0.0.1", phone.port, 0, (101,))
    return session, phone


def plain_phone(session: RtpSession) -> SrtpPhone:
    """A phone end speaking plain RTP to `session` (its context is a pass-through)."""
    phone = SrtpPhone()
    session.set_remote("127.0.0.1", phone.port, 0, (101,))
    return phone


async def test_the_supervision_mix_decrypts_and_encrypts_on_an_srtp_leg(
    engine: MediaEngine,
) -> None:
    """The customer is SRTP; agent and supervisor are plain; in barge everybody hears."""
    customer, customer_phone = await keyed_pair(engine)
    agent = await engine.open_session()
    supervisor = await engine.open_session()
    agent_phone, supervisor_phone = plain_phone(agent), plain_phone(supervisor)
    conference = Conference(engine)
    conference.monitor(customer, agent, supervisor, MonitorMode.BARGE)
    try:
        for seq in range(1, 51):
            customer_phone.send_tone(("127.0.0.1", customer.port), seq, 1000.0)
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.1)
        # The plain members hear the customer's 1 kHz: decrypted before the mix.
        for phone in (agent_phone, supervisor_phone):
            heard = phone.drain()
            assert len(heard) > 20
            assert tone_level([p[12:] for p in heard]) > 0.5
        # The customer's own mix reaches it as SRTP.
        assert customer_phone.context is not None
        sent = customer_phone.drain()
        assert len(sent) > 20
        assert all(customer_phone.context.unprotect(p) for p in sent)
    finally:
        conference.close()
        for session in (customer, agent, supervisor):
            session.close()
        for phone in (customer_phone, agent_phone, supervisor_phone):
            phone.close()


async def test_forged_packets_on_an_srtp_leg_are_dropped_and_never_latch(
    engine: MediaEngine,
) -> None:
    session, phone = await keyed_pair(engine)
    partner = await engine.open_session()
    listener = plain_phone(partner)
    session.relay_to = partner
    attacker = SrtpPhone()
    try:
        # Clear RTP and packets under the wrong key, from another address: nothing passes.
        from seatline.rtp import build_rtp

        attacker.sock.sendto(build_rtp(0, 1, 160, 7, b"\xff" * 160), ("127.0.0.1", session.port))
        attacker.context = SrtpContext(SUITE, secrets.token_bytes(30), secrets.token_bytes(30))
        attacker.send_tone(("127.0.0.1", session.port), 2)
        await asyncio.sleep(0.1)
        assert session.srtp_dropped == 2 and session.packets_in == 0
        assert session.remote == ("127.0.0.1", phone.port)  # not latched to the attacker
        assert listener.drain() == []
        # The genuine phone's packets go through (decrypted for the plain partner).
        for seq in range(1, 6):
            phone.send_tone(("127.0.0.1", session.port), seq)
        await asyncio.sleep(0.1)
        relayed = listener.drain()
        assert len(relayed) == 5 and session.packets_in == 5
        assert all(len(p) == 12 + 160 for p in relayed)
    finally:
        session.close()
        partner.close()
        for end in (phone, listener, attacker):
            end.close()
