"""Outbound campaigns: the campaigns themselves, their agents and their leads.

The API edits campaigns and leads for a tenant; the live dialer reads active campaigns with
their open leads and writes lead state back. Like every store module, nothing here commits:
the caller does. Settings checks live in campaign_settings, do-not-call lists in dnc and call
attempts in call_attempts; this module re-exports their public names, so `campaigns` remains
the one import for the campaign store.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from seatline.dialer import LeadState
from seatline.store.call_attempts import (
    current_attempt,
    dispositioned_among,
    insert_attempt,
    list_attempts,
    live_answers,
    set_disposition,
    update_attempt,
)
from seatline.store.campaign_settings import (
    CAMPAIGN_FIELDS,
    RETRY_OUTCOMES,
    clean_campaign,
    window_defaults,
)
from seatline.store.dnc import add_dnc, dnc_lists, list_dnc, remove_dnc
from seatline.store.errors import InvalidInput
from seatline.store.lead_csv import LINE_KEY, NUMBER_KEY, RowError, number_key, parse_lead_csv
from seatline.store.models import (
    Agent,
    CallAttempt,
    Campaign,
    CampaignAgent,
    DoNotCallEntry,
    Lead,
    new_revision,
)
from seatline.store.repo import (
    MAX_BATCH,
    create_owned,
    delete_owned,
    flush_or_conflict,
    get_owned,
    integrity_to_conflict,
    update_owned,
)

__all__ = [
    "CAMPAIGN_FIELDS",
    "LEAD_FIELDS",
    "MAX_LEADS_PER_IMPORT",
    "RETRY_OUTCOMES",
    "CallAttempt",
    "Campaign",
    "CampaignAgent",
    "DoNotCallEntry",
    "Lead",
    "LeadImport",
    "RowError",
    "active_campaigns",
    "add_dnc",
    "campaign_agent_ids",
    "create_campaign",
    "current_attempt",
    "delete_campaign",
    "dispositioned_among",
    "dnc_lists",
    "get_campaign",
    "import_leads",
    "insert_attempt",
    "list_attempts",
    "list_campaigns",
    "list_dnc",
    "list_leads",
    "live_answers",
    "open_leads",
    "remove_dnc",
    "set_campaign_agents",
    "set_disposition",
    "update_attempt",
    "update_campaign",
    "update_lead",
]

#: What the dialer writes into a lead.
LEAD_FIELDS = frozenset(
    {"state", "attempts", "outcomes", "due_at", "callback_at", "last_dial_at", "disposition"}
)
MAX_LEADS_PER_IMPORT = 100_000
_CLOSED = (LeadState.DONE.value, LeadState.BLOCKED.value)


@dataclass(slots=True)
class LeadImport:
    """What an import did: leads added, pending leads updated, bad rows (by line) skipped."""

    added: int
    updated: int
    errors: list[RowError] = field(default_factory=list)
    # Rows naming a lead the dialer already works on or finished: left as they are.
    skipped: int = 0


# ---- campaigns --------------------------------------------------------------------------------


async def create_campaign(
    session: AsyncSession, tenant_id: uuid.UUID, values: Mapping[str, Any]
) -> Campaign:
    """Create a campaign; unset settings take their defaults (Conflict for a taken name)."""
    if "name" not in values:
        raise InvalidInput("name: a campaign needs a name", {"field": "name"})
    clean = clean_campaign(values, window_defaults())
    return await create_owned(session, Campaign, tenant_id, clean)


async def get_campaign(
    session: AsyncSession, tenant_id: uuid.UUID, campaign_id: uuid.UUID
) -> Campaign:
    """Return the tenant's campaign or raise NotFound."""
    return await get_owned(session, Campaign, tenant_id, campaign_id)


async def list_campaigns(
    session: AsyncSession, tenant_id: uuid.UUID, *, limit: int = 100, offset: int = 0
) -> list[Campaign]:
    """Return a page of the tenant's campaigns by name."""
    query = (
        sa.select(Campaign)
        .where(Campaign.tenant_id == tenant_id)
        .order_by(Campaign.name, Campaign.id)
        .limit(limit)
        .offset(offset)
    )
    return list((await session.scalars(query)).all())


async def update_campaign(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    campaign_id: uuid.UUID,
    values: Mapping[str, Any],
) -> Campaign:
    """Apply a partial update to the tenant's campaign (NotFound, InvalidInput, Conflict)."""
    campaign = await get_campaign(session, tenant_id, campaign_id)
    current = {
        "window_start": campaign.window_start,
        "window_end": campaign.window_end,
        "window_days": campaign.window_days,
    }
    return await update_owned(session, campaign, clean_campaign(values, current))


async def delete_campaign(
    session: AsyncSession, tenant_id: uuid.UUID, campaign_id: uuid.UUID
) -> None:
    """Delete the campaign with its leads and agent list; its call attempts stay as history."""
    await delete_owned(session, Campaign, tenant_id, campaign_id)


async def set_campaign_agents(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    campaign_id: uuid.UUID,
    agent_ids: Sequence[uuid.UUID],
) -> None:
    """Replace the campaign's agents; InvalidInput names any agent not of this tenant."""
    await get_campaign(session, tenant_id, campaign_id)
    wanted = list(dict.fromkeys(agent_ids))
    found: set[uuid.UUID] = set()
    for start in range(0, len(wanted), MAX_BATCH):
        chunk = wanted[start : start + MAX_BATCH]
        found.update(
            await session.scalars(
                sa.select(Agent.id).where(Agent.tenant_id == tenant_id, Agent.id.in_(chunk))
            )
        )
    missing = [str(agent_id) for agent_id in wanted if agent_id not in found]
    if missing:
        raise InvalidInput(
            f"agent_ids: not agents of this tenant: {', '.join(missing)}",
            {"field": "agent_ids", "ids": missing},
        )
    await session.execute(sa.delete(CampaignAgent).where(CampaignAgent.campaign_id == campaign_id))
    rows = [{"campaign_id": campaign_id, "agent_id": agent_id} for agent_id in wanted]
    try:
        for start in range(0, len(rows), MAX_BATCH):
            await session.execute(sa.insert(CampaignAgent), rows[start : start + MAX_BATCH])
    except IntegrityError as exc:  # an agent or the campaign was deleted meanwhile
        raise integrity_to_conflict(exc) from None


async def campaign_agent_ids(session: AsyncSession, campaign_id: uuid.UUID) -> list[uuid.UUID]:
    """Return the ids of the agents taking the campaign's calls."""
    query = (
        sa.select(CampaignAgent.agent_id)
        .where(CampaignAgent.campaign_id == campaign_id)
        .order_by(CampaignAgent.agent_id)
    )
    return list((await session.scalars(query)).all())


async def active_campaigns(session: AsyncSession) -> list[Campaign]:
    """Return every tenant's active campaigns (what the live dialer runs)."""
    query = (
        sa.select(Campaign)
        .where(Campaign.active.is_(True))
        .order_by(Campaign.tenant_id, Campaign.name)
    )
    return list((await session.scalars(query)).all())


# ---- leads ------------------------------------------------------------------------------------


def _by_number(external_id: str) -> bool:
    return external_id.startswith(NUMBER_KEY)


async def _rekey_line_leads(
    session: AsyncSession, campaign_id: uuid.UUID, wanted: set[str]
) -> None:
    """Give leads an older version keyed by line (`line-<n>`) their number's key, when the
    import names that number: the person's lead is then updated (or, past pending, left
    alone), not joined by a second lead for the same person."""
    if not wanted:
        return
    query = sa.select(Lead.id, Lead.external_id, Lead.number).where(
        Lead.campaign_id == campaign_id,
        sa.or_(Lead.external_id.startswith(LINE_KEY), Lead.external_id.startswith(NUMBER_KEY)),
    )
    rows = (await session.execute(query.order_by(Lead.created_at, Lead.id))).all()
    taken = {external_id for _, external_id, _ in rows if _by_number(external_id)}
    renamed: list[dict[str, Any]] = []
    for lead_id, external_id, number in rows:
        key = number_key(number)
        if external_id.startswith(LINE_KEY) and key in wanted and key not in taken:
            taken.add(key)  # the first such lead is the person's; any later one stays as it is
            renamed.append({"id": lead_id, "external_id": key})
    for first in range(0, len(renamed), MAX_BATCH):
        await session.execute(sa.update(Lead), renamed[first : first + MAX_BATCH])


async def _upsert_leads(
    session: AsyncSession, params: Sequence[Mapping[str, Any]]
) -> set[uuid.UUID]:
    """Insert new leads and refresh pending ones; return the ids of the rows written."""
    # One batched upsert: a re-import of a large list is as quick as the first one, and a
    # lead the dialer has picked up (no longer pending) is left alone even if that happened
    # a moment ago. Rows the WHERE skips return nothing.
    connection = await session.connection()
    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    base = insert(Lead)
    statement = base.on_conflict_do_update(
        index_elements=["campaign_id", "external_id"],
        set_={
            "number": base.excluded.number,
            "timezone": base.excluded.timezone,
            "fields": base.excluded.fields,
        },
        where=Lead.state == LeadState.PENDING.value,
    ).returning(Lead.id)
    written: set[uuid.UUID] = set()
    try:
        for first in range(0, len(params), MAX_BATCH):
            written.update(await session.scalars(statement, params[first : first + MAX_BATCH]))
    except IntegrityError as exc:  # the campaign was deleted meanwhile
        raise integrity_to_conflict(exc) from None
    return written


async def import_leads(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    campaign_id: uuid.UUID,
    text: str | bytes,
    *,
    max_rows: int = MAX_LEADS_PER_IMPORT,
    now: dt.datetime | None = None,
) -> LeadImport:
    """Add the CSV's good rows as leads; a row naming a pending lead updates that lead.

    Bad rows are reported by line and skipped; a broken header refuses the file (InvalidInput)
    and more than `max_rows` records refuse it too (TooLarge). The campaign's lead_fields
    gain the file's custom columns.
    """
    campaign = await get_campaign(session, tenant_id, campaign_id)
    parsed = parse_lead_csv(text, max_rows=max_rows)
    result = LeadImport(added=0, updated=0, errors=parsed.errors)
    await _rekey_line_leads(
        session,
        campaign_id,
        {row.external_id for row in parsed.rows if _by_number(row.external_id)},
    )
    start = now or dt.datetime.now(dt.UTC)
    params = [
        {
            "id": uuid.uuid4(),
            "tenant_id": tenant_id,
            "campaign_id": campaign_id,
            "external_id": row.external_id,
            "number": row.number,
            "timezone": row.timezone,
            "fields": row.fields,
            "state": LeadState.PENDING.value,
            "attempts": 0,
            "outcomes": {},
            # Microseconds apart: open_leads orders by created_at, so new leads are dialled
            # in the file's order.
            "created_at": start + dt.timedelta(microseconds=index),
        }
        for index, row in enumerate(parsed.rows)
    ]
    written = await _upsert_leads(session, params)
    # An updated lead keeps its id, so a written id we made up is a new lead.
    result.added = sum(1 for values in params if values["id"] in written)
    result.updated = len(written) - result.added
    result.skipped = len(params) - len(written)
    known = list(campaign.lead_fields or [])
    new_columns = [name for name in parsed.columns if name not in known]
    if new_columns:
        campaign.lead_fields = known + new_columns
    if result.updated:
        # A running dialer notices the campaign's revision and re-reads its pending leads.
        campaign.revision = new_revision()
    if new_columns or result.updated:
        await flush_or_conflict(session)
    return result


async def open_leads(
    session: AsyncSession, campaign_id: uuid.UUID, created_after: dt.datetime | None = None
) -> list[Lead]:
    """Return the campaign's leads not done or blocked, oldest first (newer than created_after)."""
    query = sa.select(Lead).where(Lead.campaign_id == campaign_id, Lead.state.not_in(_CLOSED))
    if created_after is not None:
        query = query.where(Lead.created_at > created_after)
    return list((await session.scalars(query.order_by(Lead.created_at, Lead.id))).all())


async def list_leads(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    campaign_id: uuid.UUID,
    *,
    state: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[Lead]:
    """Return a page of the tenant campaign's leads (in one state when given), oldest first."""
    await get_campaign(session, tenant_id, campaign_id)
    query = sa.select(Lead).where(Lead.campaign_id == campaign_id, Lead.tenant_id == tenant_id)
    if state is not None:
        query = query.where(Lead.state == state)
    query = query.order_by(Lead.created_at, Lead.id).limit(limit).offset(offset)
    return list((await session.scalars(query)).all())


async def update_lead(session: AsyncSession, lead_id: uuid.UUID, values: Mapping[str, Any]) -> None:
    """Write the dialer's state of a lead (one deleted meanwhile, with its campaign, is skipped)."""
    unknown = sorted(set(values) - LEAD_FIELDS)
    if unknown:
        raise InvalidInput(f"not lead fields the dialer writes: {', '.join(unknown)}")
    if "state" in values and values["state"] not in {state.value for state in LeadState}:
        raise InvalidInput(f"{values['state']!r} is not a lead state", {"field": "state"})
    # Enum members are stored as their plain values.
    clean: dict[str, Any] = {key: str(v) if isinstance(v, str) else v for key, v in values.items()}
    if "outcomes" in clean:
        clean["outcomes"] = {str(key): int(count) for key, count in clean["outcomes"].items()}
    if clean:
        await session.execute(sa.update(Lead).where(Lead.id == lead_id).values(**clean))


# ---- call attempts ----------------------------------------------------------------------------
