"""API fixtures: the app on each backend, and two tenants (A and B) with one row of everything."""

from __future__ import annotations

import asyncio
import datetime as dt
import secrets
import time
import uuid
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from seatline.api import create_app
from seatline.api.tokens import issue_token
from seatline.config import load_settings
from seatline.live.bus import EventBus, LiveEvent
from seatline.store.agents import create_agent
from seatline.store.campaigns import (
    create_campaign,
    import_leads,
    insert_attempt,
    list_leads,
    set_campaign_agents,
    update_campaign,
)
from seatline.store.db import Database
from seatline.store.enums import (
    Channel,
    ContactDirection,
    ContactOutcome,
    LegRole,
    OfferOutcome,
    Role,
    TrunkDirection,
)
from seatline.store.lookups import create_lookup_table, upsert_rows
from seatline.store.models import (
    BusinessHours,
    Contact,
    ContactLeg,
    ContactOffer,
    Disposition,
    Flow,
    Holiday,
    Number,
    Queue,
    ReasonCode,
    Skill,
    Tenant,
    Trunk,
)
from seatline.store.repo import create_owned
from seatline.store.sessions import open_session
from seatline.store.users import create_user

SECRET = "test-secret-key-" + "x" * 32
PASSWORD = "correct-horse"


@pytest.fixture(autouse=True)
def cheap_unknown_user_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Logins naming nobody check a cheap hash too (the real one costs ~0.2 s per try)."""
    from argon2 import PasswordHasher

    from seatline.store import users

    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash("x")
    monkeypatch.setattr(users, "_DUMMY_HASH", cheap)


@pytest.fixture
def bus() -> EventBus:
    """The live event bus of one test's app (its own, so tests never see each other's events)."""
    return EventBus()


@pytest.fixture
def app(database: Database, tmp_path: Path, bus: EventBus) -> FastAPI:
    """The Seatline app over the test database."""
    settings = load_settings({"data_dir": tmp_path, "secret_key": SECRET}, create_secret=False)
    return create_app(settings, database, bus)


@pytest.fixture
def tune(app: FastAPI) -> Callable[..., None]:
    """Change some of the running app's settings (they are read per request)."""

    def apply(**values: Any) -> None:
        app.state.settings = app.state.settings.model_copy(update=values)

    return apply


class Listener:
    """Collects one tenant's bus events from the moment it is made."""

    def __init__(self, bus: EventBus, tenant_id: str) -> None:
        self._stream = cast(AsyncGenerator[LiveEvent, None], bus.subscribe(tenant_id))
        self._pending = asyncio.ensure_future(anext(self._stream))

    async def started(self) -> Listener:
        """Return once the subscription is registered."""
        await asyncio.sleep(0)
        return self

    async def next(self) -> LiveEvent:
        """Return the next event (or fail after a few seconds)."""
        event = await asyncio.wait_for(self._pending, 5)
        self._pending = asyncio.ensure_future(anext(self._stream))
        return event

    async def close(self) -> None:
        """Stop listening."""
        self._pending.cancel()
        await asyncio.gather(self._pending, return_exceptions=True)
        await self._stream.aclose()


@pytest.fixture
def listen(bus: EventBus) -> Callable[[str], Awaitable[Listener]]:
    """Start listening to one tenant's events on the test's bus (the test closes the listener)."""

    async def start(tenant_id: str) -> Listener:
        return await Listener(bus, tenant_id).started()

    return start


@dataclass
class World:
    """One tenant with a row of every kind, its users and their tokens."""

    tenant: Tenant
    rows: dict[str, uuid.UUID] = field(default_factory=dict)
    users: dict[Role, uuid.UUID] = field(default_factory=dict)
    usernames: dict[Role, str] = field(default_factory=dict)
    # Rows found by name rather than id: kind → (name, key) (a lookup table and a row's key).
    names: dict[str, tuple[str, str]] = field(default_factory=dict)
    # One login session per user, opened when the world is built.
    tokens: dict[Role, str] = field(default_factory=dict)

    def token(self, role: Role) -> str:
        """A bearer token (of a live session) for this tenant's user of `role`."""
        return self.tokens[role]

    def headers(self, role: Role) -> dict[str, str]:
        """Authorization headers for this tenant's user of `role`."""
        return {"Authorization": f"Bearer {self.token(role)}"}


async def build_world(database: Database, seats: int = 2) -> World:
    """Create a tenant with one row of every resource and a user of every role."""
    slug = f"t{secrets.token_hex(4)}"
    async with database.transaction() as session:
        tenant = Tenant(name=slug, slug=slug, seat_count=seats, sip_domain=f"{slug}.example")
        session.add(tenant)
        await session.flush()
        world = World(tenant)
        tid = tenant.id
        skill = await create_owned(session, Skill, tid, {"name": "sales"})
        flow = await create_owned(session, Flow, tid, {"name": "main", "definition": {"a": 1}})
        number = f"+4930{secrets.randbelow(10**8):08d}"
        made = {
            "skills": skill,
            "flows": flow,
            "queues": await create_owned(
                session, Queue, tid, {"name": "q", "strategy": "longest_idle"}
            ),
            "numbers": await create_owned(
                session, Number, tid, {"number": number, "flow_id": flow.id}
            ),
            "business-hours": await create_owned(session, BusinessHours, tid, {"name": "office"}),
            "holidays": await create_owned(session, Holiday, tid, {"date": dt.date(2026, 12, 25)}),
            "reason-codes": await create_owned(session, ReasonCode, tid, {"code": "break"}),
            "dispositions": await create_owned(session, Disposition, tid, {"code": "sale"}),
            "trunks": await create_owned(
                session,
                Trunk,
                tid,
                {
                    "name": "carrier",
                    "direction": TrunkDirection.INBOUND,
                    "match_source": "10.0.0.1",
                },
            ),
            "agents": await create_agent(
                session,
                tid,
                {
                    "extension": "1001",
                    "display_name": "Agent One",
                    "sip_password": "sip-secret",
                    "skills": [{"skill_id": skill.id, "level": 5}],
                },
            ),
        }
        made["contacts"] = await _contact(session, tid, made["agents"].id, made["queues"].id)
        # Each tenant's table has its own name, so A can't reach B's by using its own name.
        table = await create_lookup_table(session, tid, f"orders-{slug}", "order", ["order", "st"])
        await upsert_rows(session, table, {"4711": {"order": "4711", "st": f"shipped-{slug}"}})
        made["lookup-tables"] = table
        world.names["lookup-tables"] = (table.name, "4711")
        world.rows = {name: row.id for name, row in made.items()}
        world.rows["tenants"] = tid
        for role in Role:
            username = f"{role.value.replace('_', '-')}@{slug}"
            user = await create_user(
                session,
                Role.PLATFORM_ADMIN,
                tid,
                {
                    "username": username,
                    "password": PASSWORD,
                    "role": role,
                    "agent_id": world.rows["agents"] if role is Role.AGENT else None,
                },
            )
            world.users[role] = user.id
            world.usernames[role] = username
            expires = int(time.time()) + 3600
            opened = await open_session(
                session, user.id, dt.datetime.fromtimestamp(expires, dt.UTC)
            )
            world.tokens[role] = issue_token(SECRET, user.id, opened.id, expires)
        world.rows["users"] = world.users[Role.SUPERVISOR]
    return world


async def _contact(
    session: AsyncSession, tenant_id: uuid.UUID, agent_id: uuid.UUID, queue_id: uuid.UUID
) -> Contact:
    """An answered call taken by the tenant's agent, with one leg and one offer."""
    now = dt.datetime.now(dt.UTC)
    contact = Contact(
        tenant_id=tenant_id,
        channel=Channel.VOICE,
        direction=ContactDirection.INBOUND,
        arrived_at=now,
        outcome=ContactOutcome.ANSWERED,
        caller_number="+4917000000",
        queue_id=queue_id,
        queue_name="q",
        agent_id=agent_id,
        legs=[ContactLeg(position=0, sip_call_id="c1", role=LegRole.CALLER, started_at=now)],
        offers=[
            ContactOffer(
                position=0, agent_id=agent_id, offered_at=now, outcome=OfferOutcome.ANSWERED
            )
        ],
    )
    session.add(contact)
    await session.flush()
    return contact


CALL_LEADS = "id,number,plan,notes\nL-1,+49 30 1234567,gold,internal only\n"


@pytest.fixture
def seed_call(database: Database) -> Callable[..., Awaitable[dict[str, uuid.UUID]]]:
    """Give a tenant a campaign with one lead whose call is bridged to an agent.

    The returned function takes the world, `agent_id` (default: the world's agent), `assign`
    (also make that agent one of the campaign's) and the campaign's settings; it returns the
    ids of the campaign, the lead and the attempt.
    """

    async def seed(
        world: World, *, agent_id: uuid.UUID | None = None, assign: bool = False, **settings: Any
    ) -> dict[str, uuid.UUID]:
        tid = world.tenant.id
        agent = agent_id or world.rows["agents"]
        now = dt.datetime.now(dt.UTC)
        async with database.transaction() as session:
            campaign = await create_campaign(session, tid, {"name": "seeded", **settings})
            if assign:
                await set_campaign_agents(session, tid, campaign.id, [agent])
            await import_leads(session, tid, campaign.id, CALL_LEADS)
            await update_campaign(session, tid, campaign.id, {"lead_fields": ["plan"]})
            lead = (await list_leads(session, tid, campaign.id))[0]
            attempt = await insert_attempt(
                session,
                {
                    "tenant_id": tid,
                    "campaign_id": campaign.id,
                    "campaign_name": campaign.name,
                    "lead_id": lead.id,
                    "number": lead.number,
                    "call_id": "campaign:1",
                    "started_at": now - dt.timedelta(seconds=30),
                    "answered_at": now - dt.timedelta(seconds=20),
                    "bridged_at": now - dt.timedelta(seconds=19),
                    "result": "person",
                    "outcome": "connected",
                    "agent_id": agent,
                },
            )
        return {"campaign": campaign.id, "lead": lead.id, "attempt": attempt.id}

    return seed


@pytest.fixture
async def tenant_a(database: Database) -> World:
    """Tenant A, the caller's tenant in isolation tests."""
    return await build_world(database)


@pytest.fixture
async def tenant_b(database: Database) -> World:
    """Tenant B, whose rows A must never see."""
    return await build_world(database)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client talking to the app in-process."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://seatline.test") as http:
        yield http
