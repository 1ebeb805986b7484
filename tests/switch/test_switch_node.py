"""The store-backed credential source answers like `find_sip_credentials`."""

from __future__ import annotations

import asyncio
import dataclasses
import ipaddress
import secrets
import socket

import pytest
import sqlalchemy as sa

from seatline.store.agents import create_agent
from seatline.store.db import Database
from seatline.store.models import AuditEvent, Tenant
from seatline.switch import SwitchConfig, TrunkConfig
from seatline.switch.core import SipCore
from seatline.switch.credentials import make_ha1
from seatline.switch_node import StoreCredentials, SwitchNode, TrunkRefresher

from .harness import free_port


async def test_store_credentials_lookup(database: Database) -> None:
    slug = f"t{secrets.token_hex(4)}"
    async with database.transaction() as session:
        tenant = Tenant(name=slug, slug=slug, seat_count=1, sip_domain=f"{slug}.example")
        session.add(tenant)
    async with database.transaction() as session:
        values = {"extension": "2001", "display_name": "A", "sip_password": "pw"}
        agent = await create_agent(session, tenant.id, values)
    source = StoreCredentials(database)
    found = await source.lookup(tenant.sip_domain, "2001")
    assert found is not None
    assert found.agent_id == str(agent.id)
    assert found.ha1_md5 == make_ha1("2001", tenant.sip_domain, "pw")
    assert await source.lookup(tenant.sip_domain, "2002") is None


async def test_a_sip_ban_is_written_to_the_audit_log(database: Database) -> None:
    """A source banned for failed digest answers leaves a `sip.ban` platform audit event."""
    node = SwitchNode(database, config=SwitchConfig(ban_max_failures=2))
    low = max(20000, min(free_port(), 60000))
    await node.start("127.0.0.1", 0, (low, low + 100))
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.setblocking(False)
    loop = asyncio.get_running_loop()
    try:
        local = sock.getsockname()[1]
        for n in range(3):
            register = (
                f"REGISTER sip:guess.example SIP/2.0\r\n"
                f"Via: SIP/2.0/UDP 127.0.0.1:{local};branch=z9hG4bKban{n};rport\r\n"
                "Max-Forwards: 70\r\n"
                "From: <sip:1001@guess.example>;tag=g1\r\n"
                "To: <sip:1001@guess.example>\r\n"
                f"Call-ID: ban-{n}@127.0.0.1\r\n"
                f"CSeq: {n + 1} REGISTER\r\n"
                f"Contact: <sip:1001@127.0.0.1:{local}>\r\n"
                'Authorization: Digest username="1001", realm="guess.example", '
                'nonce="forged", uri="sip:guess.example", response="00"\r\n'
                "Content-Length: 0\r\n\r\n"
            )
            sock.sendto(register.encode(), ("127.0.0.1", node.port))
            await asyncio.wait_for(loop.sock_recv(sock, 65535), 3)  # 401, then 403 banned
        for _ in range(50):
            async with database.sessions() as session:
                events = list(
                    await session.scalars(
                        sa.select(AuditEvent).where(AuditEvent.action == "sip.ban")
                    )
                )
            if events:
                break
            await asyncio.sleep(0.1)
        assert [(e.tenant_id, e.actor, e.subject) for e in events][-1:] == [
            (None, "switch", "127.0.0.1")
        ]
    finally:
        sock.close()
        await node.stop()


async def test_trunk_hosts_are_checked_and_pinned_once(database: Database) -> None:
    """Finding 8 for the switch: a trunk's host name is resolved once, checked, and the switch
    sends to the checked address (no second lookup to rebind); refused hosts route nothing."""
    name = socket.gethostname()
    resolved = {info[4][0] for info in socket.getaddrinfo(name, 5060, type=socket.SOCK_DGRAM)}
    if not resolved or not all(ipaddress.ip_address(a).is_private for a in resolved):
        pytest.skip(f"{name} does not resolve to a private or loopback address here")
    core = SipCore()
    guarded = TrunkRefresher(database, core, allow_private_networks=False)
    lab = TrunkRefresher(database, core, allow_private_networks=True)
    trunk = TrunkConfig("carrier", outbound_host=name, outbound_prefixes=("+",))
    assert (await guarded.pinned(trunk)).outbound_host is None
    pinned = await lab.pinned(trunk)
    assert pinned.outbound_host == name and pinned.outbound_address in resolved
    for host in ("169.254.169.254", "no-such-carrier.invalid"):
        refused = await lab.pinned(dataclasses.replace(trunk, outbound_host=host))
        assert refused.outbound_host is None and not refused.routes_number("+4930")
