"""The store-backed credential source answers like `find_sip_credentials`."""

from __future__ import annotations

import secrets

from seatline.store.agents import create_agent
from seatline.store.db import Database
from seatline.store.models import Tenant
from seatline.switch.credentials import make_ha1
from seatline.switch_node import StoreCredentials


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
