"""Rows the campaign store tests build: tenants, agents, campaigns, leads and attempts."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from typing import Any

from seatline.dialer import AttemptOutcome
from seatline.store.agents import create_agent
from seatline.store.campaigns import create_campaign, import_leads, insert_attempt, list_leads
from seatline.store.db import Database
from seatline.store.models import Agent, CallAttempt, Campaign, Lead, Tenant

NOW = dt.datetime(2026, 11, 29, 9, 0, tzinfo=dt.UTC)


async def make_tenant(database: Database) -> Tenant:
    """Create a tenant with a unique slug and SIP domain."""
    slug = f"t{secrets.token_hex(4)}"
    async with database.transaction() as session:
        tenant = Tenant(name=slug, slug=slug, seat_count=5, sip_domain=f"{slug}.example")
        session.add(tenant)
    return tenant


async def make_agent(database: Database, tenant: Tenant, extension: str) -> Agent:
    """Create an agent of the tenant."""
    async with database.transaction() as session:
        values = {"extension": extension, "display_name": extension, "sip_password": "pw"}
        return await create_agent(session, tenant.id, values)


async def make_campaign(database: Database, tenant: Tenant, **values: Any) -> Campaign:
    """Create a campaign named `spring` unless told otherwise."""
    async with database.transaction() as session:
        return await create_campaign(session, tenant.id, {"name": "spring", **values})


async def import_text(database: Database, campaign: Campaign, text: str) -> Any:
    """Import a lead CSV into the campaign and commit."""
    async with database.transaction() as session:
        return await import_leads(session, campaign.tenant_id, campaign.id, text, now=NOW)


async def leads_by_id(database: Database, campaign: Campaign) -> dict[str, Lead]:
    """The campaign's leads by external id."""
    async with database.sessions() as session:
        leads = await list_leads(session, campaign.tenant_id, campaign.id, limit=1000)
    return {lead.external_id: lead for lead in leads}


async def bridged_attempt(
    database: Database, campaign: Campaign, lead: Lead, agent_id: uuid.UUID | None, **extra: Any
) -> CallAttempt:
    """Record an attempt of the lead that reached the agent (`extra` overrides any column)."""
    values: dict[str, Any] = {
        "tenant_id": campaign.tenant_id,
        "campaign_id": campaign.id,
        "campaign_name": campaign.name,
        "lead_id": lead.id,
        "number": lead.number,
        "call_id": f"{campaign.name}:{secrets.randbelow(10**6)}",
        "started_at": NOW,
        "answered_at": NOW + dt.timedelta(seconds=5),
        "bridged_at": NOW + dt.timedelta(seconds=6),
        "result": "person",
        "outcome": AttemptOutcome.CONNECTED,
        "agent_id": agent_id,
    }
    async with database.transaction() as session:
        return await insert_attempt(session, values | extra)
