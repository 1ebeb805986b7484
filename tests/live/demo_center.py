"""The demo tenant on an in-process switch and contact center, for the live tests."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from seatline.demo import seed_demo
from seatline.live.center import ContactCenter
from seatline.routing import AgentState
from seatline.store import campaigns
from seatline.store.db import Database
from seatline.store.enums import TrunkDirection
from seatline.store.migrate import upgrade
from seatline.store.models import Agent, Tenant, Trunk
from seatline.switch_node import SwitchNode
from switch.harness import free_port


@dataclass
class Demo:
    """The demo tenant on an in-process switch and contact center."""

    database: Database
    node: SwitchNode
    center: ContactCenter
    tenant_id: uuid.UUID
    agents: dict[str, str]  # extension → agent id

    def state(self, extension: str) -> tuple[AgentState, str | None]:
        """The agent's state and reason in the routing engine."""
        (desk,) = self.center.desks.values()
        snapshot = desk.engine.snapshot(desk.acd.now())
        agent = next(a for a in snapshot.agents if a.agent_id == self.agents[extension])
        return agent.state, agent.reason

    async def add_carrier(self, name: str, port: int, prefixes: list[str]) -> None:
        """Store an outbound trunk sending numbers with `prefixes` to a carrier SIPp on `port`,
        and let the tenant dial those numbers (the operator's dial rules)."""
        async with self.database.transaction() as session:
            tenant = await session.get(Tenant, self.tenant_id)
            assert tenant is not None
            tenant.dial_allowed = sorted({*tenant.dial_allowed, *(p + "*" for p in prefixes)})
            session.add(
                Trunk(
                    tenant_id=self.tenant_id,
                    name=name,
                    direction=TrunkDirection.OUTBOUND,
                    outbound_host="127.0.0.1",
                    outbound_port=port,
                    outbound_prefixes=prefixes,
                )
            )

    async def start_campaign(
        self, settings: dict[str, Any], leads_csv: str, extensions: list[str]
    ) -> uuid.UUID:
        """Store an around-the-clock campaign with these leads and agents, and start it."""
        always = {"window_start": 0, "window_end": 24 * 60, "window_days": list(range(1, 8))}
        async with self.database.transaction() as session:
            campaign = await campaigns.create_campaign(session, self.tenant_id, always | settings)
            await campaigns.import_leads(session, self.tenant_id, campaign.id, leads_csv)
            agents = [uuid.UUID(self.agents[e]) for e in extensions]
            await campaigns.set_campaign_agents(session, self.tenant_id, campaign.id, agents)
            campaign.active = True
        return campaign.id

    async def stored(self, extension: str) -> tuple[bool, str | None]:
        """The agent's readiness in the store."""
        async with self.database.sessions() as session:
            row = await session.get(Agent, uuid.UUID(self.agents[extension]))
            assert row is not None
            return row.ready, row.not_ready_reason


@contextlib.asynccontextmanager
async def running_demo(directory: Path) -> AsyncIterator[Demo]:
    """Seed the demo into a fresh SQLite store and run a switch and contact center on it."""
    database = Database(f"sqlite+aiosqlite:///{directory / 'seatline.db'}")
    await upgrade(database)
    await seed_demo(database)
    node = SwitchNode(database, refresh_seconds=0.2, allow_private_networks=True)  # loopback
    low = max(20000, min(free_port(), 60000))
    await node.start("127.0.0.1", 0, (low, low + 2000))
    center = ContactCenter(
        database, node.service, directory, refresh_seconds=0.2, allow_private_networks=True
    )
    await center.start()
    async with database.sessions() as session:
        rows = await session.execute(sa.select(Agent.extension, Agent.id))
        agents = {ext: str(agent_id) for ext, agent_id in rows}
        tenant_id = (await session.scalars(sa.select(Tenant.id))).one()
    try:
        yield Demo(database, node, center, tenant_id, agents)
    finally:
        await center.stop()
        await node.stop()
        await database.dispose()
