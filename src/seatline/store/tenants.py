"""Tenants: created and removed by the platform admin; their SIP domain anchors agents' HA1."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from seatline.store.errors import InvalidInput, NotFound
from seatline.store.models import Agent, Tenant
from seatline.store.repo import flush_or_conflict

__all__ = ["create_tenant", "delete_tenant", "get_tenant", "list_tenants", "update_tenant"]


async def get_tenant(session: AsyncSession, tenant_id: uuid.UUID) -> Tenant:
    """Return the tenant or raise NotFound."""
    tenant = await session.get(Tenant, tenant_id)
    if tenant is None:
        raise NotFound("tenant not found", {"id": str(tenant_id)})
    return tenant


async def list_tenants(session: AsyncSession, *, limit: int = 100, offset: int = 0) -> list[Tenant]:
    """Return a page of tenants ordered by slug."""
    query = sa.select(Tenant).order_by(Tenant.slug).limit(limit).offset(offset)
    return list((await session.scalars(query)).all())


async def create_tenant(session: AsyncSession, values: dict[str, Any]) -> Tenant:
    """Create a tenant."""
    tenant = Tenant(**values)
    session.add(tenant)
    await flush_or_conflict(session)
    return tenant


async def update_tenant(session: AsyncSession, tenant: Tenant, values: dict[str, Any]) -> Tenant:
    """Apply a partial update; the SIP domain is fixed once agents exist (their HA1 covers it)."""
    for key, value in values.items():
        if value is None:
            raise InvalidInput(f"{key} may not be null", {"field": key})
    if values.get("sip_domain", tenant.sip_domain) != tenant.sip_domain:
        has_agents = await session.scalar(
            sa.select(sa.func.count()).select_from(Agent).where(Agent.tenant_id == tenant.id)
        )
        if has_agents:
            raise InvalidInput(
                "sip_domain cannot change while the tenant has agents (their HA1 includes it)",
                {"field": "sip_domain"},
            )
    for key, value in values.items():
        setattr(tenant, key, value)
    await flush_or_conflict(session)
    return tenant


async def delete_tenant(session: AsyncSession, tenant_id: uuid.UUID) -> None:
    """Delete a tenant and, by cascade, everything it owns."""
    tenant = await get_tenant(session, tenant_id)
    await session.delete(tenant)
    await flush_or_conflict(session)
