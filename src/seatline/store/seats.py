"""Seats: a tenant rents `seat_count` positions, so at most that many agents are logged in."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from seatline.store.errors import NotFound, SeatCapReached
from seatline.store.models import Agent, Tenant

__all__ = ["LOGIN_REASON", "SeatUsage", "login_agent", "logout_agent", "seat_usage"]

# The not-ready reason of an agent that has just logged in.
LOGIN_REASON = "login"


@dataclass(frozen=True, slots=True)
class SeatUsage:
    """How many seats a tenant rents and how many are taken."""

    seat_count: int
    logged_in: int

    @property
    def available(self) -> int:
        """Return the seats still free."""
        return max(self.seat_count - self.logged_in, 0)


async def seat_usage(session: AsyncSession, tenant_id: uuid.UUID) -> SeatUsage:
    """Return the seat count and logged-in agents of a tenant."""
    seat_count = await session.scalar(sa.select(Tenant.seat_count).where(Tenant.id == tenant_id))
    if seat_count is None:
        raise NotFound("tenant not found")
    logged_in = await session.scalar(
        sa.select(sa.func.count())
        .select_from(Agent)
        .where(Agent.tenant_id == tenant_id, Agent.logged_in.is_(True))
    )
    return SeatUsage(seat_count, int(logged_in or 0))


async def _agent(session: AsyncSession, tenant_id: uuid.UUID, agent_id: uuid.UUID) -> Agent:
    agent = await session.scalar(
        sa.select(Agent).where(Agent.id == agent_id, Agent.tenant_id == tenant_id)
    )
    if agent is None:
        raise NotFound("agent not found", {"id": str(agent_id)})
    return agent


async def login_agent(
    session: AsyncSession, tenant_id: uuid.UUID, agent_id: uuid.UUID, now: dt.datetime
) -> Agent:
    """Log an agent in, not ready ("login"); refuse with SeatCapReached when no seat is free."""
    # Write to the tenant row first: that takes its lock (a row lock on PostgreSQL, the write
    # lock on SQLite) before we count, so concurrent logins queue here and each one counts the
    # seats after the previous one committed; none can take the last seat twice.
    await session.execute(
        sa.update(Tenant).where(Tenant.id == tenant_id).values(seat_count=Tenant.seat_count)
    )
    agent = await _agent(session, tenant_id, agent_id)
    if agent.logged_in:
        return agent
    usage = await seat_usage(session, tenant_id)
    if usage.logged_in >= usage.seat_count:
        raise SeatCapReached(
            f"all {usage.seat_count} seats of this tenant are taken; log another agent out first",
            {"seat_count": usage.seat_count, "logged_in": usage.logged_in},
        )
    agent.logged_in = True
    agent.logged_in_at = now
    # Not ready until the agent says so: a login is not a promise to take contacts yet.
    agent.ready = False
    agent.not_ready_reason = LOGIN_REASON
    agent.state_changed_at = now
    await session.flush()
    return agent


async def logout_agent(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    agent_id: uuid.UUID,
    now: dt.datetime | None = None,
) -> Agent:
    """Log an agent out, freeing its seat and clearing its readiness (idempotent)."""
    agent = await _agent(session, tenant_id, agent_id)
    if agent.logged_in:
        agent.state_changed_at = now or dt.datetime.now(dt.UTC)
    agent.logged_in = False
    agent.logged_in_at = None
    agent.ready = False
    agent.not_ready_reason = None
    await session.flush()
    return agent
