"""Store services on both backends: SIP lookups, numbers, seats, conflicts, references, demo."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import itertools
import secrets
import uuid

import pytest
import sqlalchemy as sa

from seatline.demo import DEMO_DOMAIN, DEMO_E164, seed_demo
from seatline.store import (
    Conflict,
    InvalidReference,
    NotFound,
    SeatCapReached,
    find_number,
    find_sip_credentials,
    list_numbers,
)
from seatline.store.agents import create_agent, update_agent
from seatline.store.db import Database
from seatline.store.enums import TrunkDirection
from seatline.store.errors import InvalidInput
from seatline.store.models import Agent, Flow, Number, Skill, Tenant, Trunk, User
from seatline.store.repo import create_owned, delete_owned, get_owned
from seatline.store.seats import login_agent, logout_agent, seat_usage
from seatline.store.tenants import delete_tenant
from seatline.store.trunks import find_inbound_trunk, list_trunks, trunks_fingerprint

NOW = dt.datetime(2026, 11, 29, 9, 0, tzinfo=dt.UTC)


async def make_tenant(database: Database, seats: int = 2) -> Tenant:
    """Create a tenant with a unique slug and SIP domain."""
    slug = f"t{secrets.token_hex(4)}"
    async with database.transaction() as session:
        tenant = Tenant(name=slug, slug=slug, seat_count=seats, sip_domain=f"{slug}.example")
        session.add(tenant)
    return tenant


async def make_agent(database: Database, tenant: Tenant, extension: str) -> Agent:
    """Create an agent with SIP password `pw-<extension>`."""
    async with database.transaction() as session:
        values = {"extension": extension, "display_name": extension}
        return await create_agent(session, tenant.id, values | {"sip_password": f"pw-{extension}"})


async def test_sip_credentials_hold_both_ha1_over_extension_realm_password(
    database: Database,
) -> None:
    tenant = await make_tenant(database)
    agent = await make_agent(database, tenant, "1001")
    async with database.sessions() as session:
        found = await find_sip_credentials(session, tenant.sip_domain, "1001")
        assert await find_sip_credentials(session, tenant.sip_domain, "1999") is None
        assert await find_sip_credentials(session, "other.example", "1001") is None
    assert found is not None
    assert (found.agent_id, found.tenant_id) == (agent.id, tenant.id)
    secret = f"1001:{tenant.sip_domain}:pw-1001".encode()
    assert found.ha1_md5 == hashlib.md5(secret).hexdigest()
    assert found.ha1_sha256 == hashlib.sha256(secret).hexdigest()


async def test_changing_extension_needs_the_password_and_rederives_ha1(database: Database) -> None:
    tenant = await make_tenant(database)
    agent = await make_agent(database, tenant, "2001")
    async with database.transaction() as session:
        row = await get_owned(session, Agent, tenant.id, agent.id)
        with pytest.raises(InvalidInput, match="sip_password"):
            await update_agent(session, row, {"extension": "2002"})
    async with database.transaction() as session:
        row = await get_owned(session, Agent, tenant.id, agent.id)
        await update_agent(session, row, {"extension": "2002", "sip_password": "new-secret"})
    async with database.sessions() as session:
        found = await find_sip_credentials(session, tenant.sip_domain, "2002")
    expected = hashlib.md5(f"2002:{tenant.sip_domain}:new-secret".encode()).hexdigest()
    assert found is not None and found.ha1_md5 == expected


async def test_numbers_route_to_their_tenant_and_flow(database: Database) -> None:
    tenant = await make_tenant(database)
    number = f"+49301{secrets.randbelow(10**6):06d}"
    async with database.transaction() as session:
        flow = await create_owned(session, Flow, tenant.id, {"name": "main", "definition": {}})
        await create_owned(session, Number, tenant.id, {"number": number, "flow_id": flow.id})
    async with database.sessions() as session:
        route = await find_number(session, number)
        missing = await find_number(session, "+1555000000")
        every = await list_numbers(session)
    assert route is not None
    assert (route.tenant_id, route.flow_id, route.flow_name) == (tenant.id, flow.id, "main")
    assert missing is None
    assert route in every


async def test_inbound_trunks_match_by_username_then_source(database: Database) -> None:
    tenant = await make_tenant(database)
    tag = secrets.token_hex(3)
    async with database.transaction() as session:
        by_net = await create_owned(
            session,
            Trunk,
            tenant.id,
            {"name": "net", "direction": TrunkDirection.INBOUND, "match_source": "198.51.100.0/24"},
        )
        by_user = await create_owned(
            session,
            Trunk,
            tenant.id,
            {"name": "user", "direction": TrunkDirection.BOTH, "match_username": f"carrier-{tag}"},
        )
        await create_owned(
            session,
            Trunk,
            tenant.id,
            {"name": "out", "direction": TrunkDirection.OUTBOUND, "outbound_host": "192.0.2.9"},
        )
    async with database.sessions() as session:
        assert (await find_inbound_trunk(session, "198.51.100.7")).id == by_net.id  # type: ignore[union-attr]
        found = await find_inbound_trunk(session, "203.0.113.1", f"carrier-{tag}")
        assert found is not None and found.id == by_user.id
        assert await find_inbound_trunk(session, "192.0.2.9") is None  # outbound only
        names = [trunk.name for trunk in await list_trunks(session, tenant.id)]
    assert names == ["net", "out", "user"]


async def test_seat_cap_refuses_login_beyond_rented_seats(database: Database) -> None:
    tenant = await make_tenant(database, seats=2)
    agents = [await make_agent(database, tenant, ext) for ext in ("31", "32", "33")]
    for agent in agents[:2]:
        async with database.transaction() as session:
            await login_agent(session, tenant.id, agent.id, NOW)
    async with database.transaction() as session:
        with pytest.raises(SeatCapReached, match="all 2 seats"):
            await login_agent(session, tenant.id, agents[2].id, NOW)
    async with database.transaction() as session:
        await login_agent(session, tenant.id, agents[0].id, NOW)  # already in: no new seat
        await logout_agent(session, tenant.id, agents[1].id)
        await login_agent(session, tenant.id, agents[2].id, NOW)
        usage = await seat_usage(session, tenant.id)
    assert (usage.seat_count, usage.logged_in, usage.available) == (2, 2, 0)


async def test_concurrent_logins_never_exceed_the_seat_cap(database: Database) -> None:
    tenant = await make_tenant(database, seats=1)
    agents = [await make_agent(database, tenant, ext) for ext in ("41", "42", "43")]

    async def log_in(agent: Agent) -> str:
        try:
            async with database.transaction() as session:
                await login_agent(session, tenant.id, agent.id, NOW)
        except SeatCapReached:
            return "refused"
        return "in"

    results = await asyncio.gather(*(log_in(agent) for agent in agents))
    assert sorted(results) == ["in", "refused", "refused"]
    async with database.sessions() as session:
        assert (await seat_usage(session, tenant.id)).logged_in == 1


async def test_duplicate_extension_in_a_tenant_is_a_conflict_but_fine_elsewhere(
    database: Database,
) -> None:
    first, second = await make_tenant(database), await make_tenant(database)
    await make_agent(database, first, "4001")
    await make_agent(database, second, "4001")
    with pytest.raises(Conflict) as caught:
        await make_agent(database, first, "4001")
    assert caught.value.error_id == "duplicate"
    assert caught.value.details == {"fields": ["extension"]} or caught.value.details["fields"]
    async with database.sessions() as session:
        count = await session.scalar(
            sa.select(sa.func.count()).select_from(Agent).where(Agent.tenant_id == first.id)
        )
    assert count == 1


async def test_foreign_and_missing_references_look_the_same(database: Database) -> None:
    mine, theirs = await make_tenant(database), await make_tenant(database)
    async with database.transaction() as session:
        their_skill = await create_owned(session, Skill, theirs.id, {"name": "sales"})
    answers = []
    for skill_id in (their_skill.id, uuid.uuid4()):
        async with database.transaction() as session:
            values = {"extension": "5001", "display_name": "x", "sip_password": "password1"}
            with pytest.raises(InvalidReference) as caught:
                await create_agent(
                    session, mine.id, values | {"skills": [{"skill_id": skill_id, "level": 3}]}
                )
            answers.append((caught.value.message, caught.value.error_id))
    assert answers[0] == answers[1]
    async with database.sessions() as session:
        with pytest.raises(NotFound):
            await get_owned(session, Skill, mine.id, their_skill.id)


async def test_deleting_a_referenced_flow_conflicts_and_deleting_a_tenant_cascades(
    database: Database,
) -> None:
    tenant = await make_tenant(database)
    number = f"95{secrets.randbelow(10**5):05d}"
    await make_agent(database, tenant, "6001")
    async with database.transaction() as session:
        flow = await create_owned(session, Flow, tenant.id, {"name": "f", "definition": {}})
        await create_owned(session, Number, tenant.id, {"number": number, "flow_id": flow.id})
    with pytest.raises(Conflict) as caught:
        async with database.transaction() as session:
            await delete_owned(session, Flow, tenant.id, flow.id)
    assert caught.value.error_id == "still-referenced"
    async with database.transaction() as session:
        await delete_tenant(session, tenant.id)
    async with database.sessions() as session:
        assert await find_number(session, number) is None
        assert await find_sip_credentials(session, tenant.sip_domain, "6001") is None


async def test_demo_seed_is_idempotent_and_complete(database: Database) -> None:
    async with database.sessions() as session:
        if await session.scalar(sa.select(Tenant.id).where(Tenant.slug == "demo")):
            pytest.fail("another test left a demo tenant behind")  # pragma: no cover
    try:
        assert await seed_demo(database, dt.date(2026, 11, 29)) is True
        assert await seed_demo(database, dt.date(2026, 11, 29)) is False
        async with database.sessions() as session:
            for extension in ("1001", "1002", "1003", "1004"):
                assert await find_sip_credentials(session, DEMO_DOMAIN, extension)
            assert await find_number(session, DEMO_E164)
            # 9000 and 9001 are the switch's built-in test numbers, not the tenant's flows.
            for number in ("9000", "9001"):
                assert await find_number(session, number) is None
            roles = set(await session.scalars(sa.select(User.role).join(Tenant)))
            assert {"tenant_admin", "supervisor", "agent"} <= roles
    finally:
        async with database.transaction() as session:
            demo = await session.scalar(sa.select(Tenant.id).where(Tenant.slug == "demo"))
            if demo:
                await delete_tenant(session, demo)


async def test_trunk_fingerprint_moves_on_every_insert_update_and_delete(
    database: Database,
) -> None:
    tenant = await make_tenant(database)

    async def fingerprint() -> tuple[int, int]:
        async with database.sessions() as session:
            return await trunks_fingerprint(session)

    seen = [await fingerprint()]
    async with database.transaction() as session:
        row = await create_owned(
            session,
            Trunk,
            tenant.id,
            {"name": "fp", "direction": TrunkDirection.OUTBOUND, "outbound_host": "192.0.2.1"},
        )
    seen.append(await fingerprint())
    async with database.transaction() as session:
        trunk = await get_owned(session, Trunk, tenant.id, row.id)
        trunk.outbound_prefixes = ["+49"]
    seen.append(await fingerprint())
    async with database.sessions() as session:
        (listed,) = await list_trunks(session, tenant.id)
    assert listed.outbound_prefixes == ("+49",)
    async with database.transaction() as session:
        await delete_owned(session, Trunk, tenant.id, row.id)
    seen.append(await fingerprint())
    # Every state differs from the one before it; after the delete the count is back.
    assert all(before != after for before, after in itertools.pairwise(seen))
    assert seen[-1][0] == seen[0][0]
