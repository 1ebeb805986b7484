"""Outbound campaigns: their settings and agents, leads, do-not-call lists and call attempts.

The API edits campaigns, leads and do-not-call entries for a tenant; the live dialer reads
active campaigns with their open leads and writes lead state and call attempts back. Like
every store module, nothing here commits: the caller does.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from seatline.dialer import (
    AttemptOutcome,
    CallingWindow,
    ConfigError,
    DialMode,
    Disposition,
    LeadState,
    normalise,
)
from seatline.dialer.amd import AmdConfig
from seatline.dialer.config import MIN_RING_SECONDS
from seatline.store.errors import InvalidInput, NotFound
from seatline.store.lead_csv import RowError, parse_lead_csv
from seatline.store.models import Agent, CallAttempt, Campaign, CampaignAgent, DoNotCallEntry, Lead
from seatline.store.repo import (
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
    "dnc_lists",
    "get_campaign",
    "import_leads",
    "insert_attempt",
    "list_attempts",
    "list_campaigns",
    "list_dnc",
    "list_leads",
    "open_leads",
    "remove_dnc",
    "set_campaign_agents",
    "set_disposition",
    "undispositioned",
    "update_attempt",
    "update_campaign",
    "update_lead",
]

CAMPAIGN_FIELDS = frozenset(
    {
        "name",
        "mode",
        "active",
        "caller_id",
        "caller_name",
        "abandon_cap",
        "ring_timeout",
        "max_wait_for_agent",
        "max_attempts",
        "retries",
        "window_start",
        "window_end",
        "window_days",
        "wrap_up_seconds",
        "require_consent",
        "lead_fields",
        "amd",
    }
)
#: The outcomes a campaign may give its own retry rule (a connected lead is not retried).
RETRY_OUTCOMES = frozenset(o.value for o in AttemptOutcome if o is not AttemptOutcome.CONNECTED)
#: What the dialer writes into a lead.
LEAD_FIELDS = frozenset(
    {"state", "attempts", "outcomes", "due_at", "callback_at", "last_dial_at", "disposition"}
)
MAX_LEADS_PER_IMPORT = 100_000
_CLOSED = (LeadState.DONE.value, LeadState.BLOCKED.value)
_CHUNK = 500  # rows or ids per statement: well under SQLite's bound-parameter limit


@dataclass(slots=True)
class LeadImport:
    """What an import did: leads added, pending leads updated, bad rows (by line) skipped."""

    added: int
    updated: int
    errors: list[RowError] = field(default_factory=list)
    # Rows naming a lead the dialer already works on or finished: left as they are.
    skipped: int = 0


# ---- campaign settings ----------------------------------------------------------------------


def _bad(field_name: str, message: str) -> InvalidInput:
    return InvalidInput(f"{field_name}: {message}", {"field": field_name})


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _default(name: str) -> Any:
    default = Campaign.__table__.c[name].default
    if default is None:
        return None
    arg = default.arg
    return arg(None) if callable(arg) else arg


def _check_text(values: Mapping[str, Any]) -> None:
    for name in ("name", "mode", "caller_id", "caller_name"):
        if name not in values:
            continue
        value = values[name]
        if not isinstance(value, str):
            raise _bad(name, "must be text")
        length = Campaign.__table__.c[name].type.length  # type: ignore[attr-defined]
        if len(value) > length:
            raise _bad(name, f"is longer than {length} characters")
    if "name" in values and not values["name"].strip():
        raise _bad("name", "may not be empty")
    if "mode" in values and values["mode"] not in {mode.value for mode in DialMode}:
        raise _bad("mode", f"must be one of {', '.join(mode.value for mode in DialMode)}")


def _check_numbers(values: Mapping[str, Any]) -> None:
    for name in ("active", "require_consent"):
        if name in values and not isinstance(values[name], bool):
            raise _bad(name, "must be true or false")
    for name in ("abandon_cap", "ring_timeout", "max_wait_for_agent", "wrap_up_seconds"):
        if name in values and not _is_number(values[name]):
            raise _bad(name, "must be a number")
    for name in ("max_attempts", "window_start", "window_end"):
        if name in values and not _is_int(values[name]):
            raise _bad(name, "must be a whole number")
    if "abandon_cap" in values and not 0 < values["abandon_cap"] < 1:
        raise _bad("abandon_cap", "must be between 0 and 1 (exclusive)")
    if "ring_timeout" in values and values["ring_timeout"] < MIN_RING_SECONDS:
        raise _bad("ring_timeout", f"must be at least {MIN_RING_SECONDS:g} seconds")
    if "max_wait_for_agent" in values and not 0 <= values["max_wait_for_agent"] <= 2:
        raise _bad("max_wait_for_agent", "must be between 0 and 2 seconds")
    if "wrap_up_seconds" in values and values["wrap_up_seconds"] < 0:
        raise _bad("wrap_up_seconds", "may not be negative")
    if "max_attempts" in values and values["max_attempts"] < 1:
        raise _bad("max_attempts", "must be at least 1")


def _check_retries(retries: Any) -> None:
    if not isinstance(retries, Mapping):
        raise _bad("retries", "must map outcomes to retry rules")
    for outcome, rule in retries.items():
        if outcome not in RETRY_OUTCOMES:
            raise _bad("retries", f"{outcome!r} is not one of {', '.join(sorted(RETRY_OUTCOMES))}")
        if not isinstance(rule, Mapping) or set(rule) != {"max_attempts", "spacing"}:
            raise _bad("retries", f"the rule of {outcome!r} needs max_attempts and spacing")
        if not _is_int(rule["max_attempts"]) or rule["max_attempts"] < 0:
            raise _bad("retries", f"max_attempts of {outcome!r} must be a whole number >= 0")
        if not _is_number(rule["spacing"]) or rule["spacing"] < 0:
            raise _bad("retries", f"spacing of {outcome!r} must be seconds >= 0")


def _check_window(start: int, end: int, days: Any) -> None:
    if not isinstance(days, list | tuple) or not all(_is_int(day) for day in days):
        raise _bad("window_days", "must be a list of ISO weekdays (1 Monday … 7 Sunday)")
    if len(set(days)) != len(days):
        raise _bad("window_days", "names a weekday twice")
    try:
        CallingWindow(start, end, frozenset(days))
    except ConfigError as exc:
        field_name = "window_days" if "weekday" in str(exc) else "window_start"
        raise _bad(field_name, str(exc)) from None


def _check_amd(amd: Any) -> None:
    if not isinstance(amd, Mapping) or not all(isinstance(name, str) for name in amd):
        raise _bad("amd", "must map AMD setting names to values")
    try:
        AmdConfig.from_overrides(amd)
    except (ConfigError, TypeError) as exc:
        raise _bad("amd", str(exc)) from None


def _clean_campaign(values: Mapping[str, Any], current: Mapping[str, Any]) -> dict[str, Any]:
    """Check `values` (a whole or partial campaign) against `current`; return them stored-ready."""
    unknown = sorted(set(values) - CAMPAIGN_FIELDS)
    if unknown:
        raise InvalidInput(f"unknown campaign fields: {', '.join(unknown)}", {"fields": unknown})
    for name, value in values.items():
        if value is None:
            raise InvalidInput(f"{name} may not be null", {"field": name})
    _check_text(values)
    _check_numbers(values)
    if "retries" in values:
        _check_retries(values["retries"])
    if "amd" in values:
        _check_amd(values["amd"])
    if "lead_fields" in values:
        lead_fields = values["lead_fields"]
        if not isinstance(lead_fields, list | tuple) or not all(
            isinstance(name, str) for name in lead_fields
        ):
            raise _bad("lead_fields", "must be a list of column names")
    if {"window_start", "window_end", "window_days"} & set(values):
        merged = {**current, **values}
        _check_window(merged["window_start"], merged["window_end"], merged["window_days"])
    clean = dict(values)
    # Enum members and tuples would come back from the database as plain strings and lists.
    if "mode" in clean:
        clean["mode"] = str(clean["mode"])
    for name in ("window_days", "lead_fields"):
        if name in clean:
            clean[name] = list(clean[name])
    if "retries" in clean:
        clean["retries"] = {str(key): dict(rule) for key, rule in clean["retries"].items()}
    if "amd" in clean:
        clean["amd"] = {str(key): value for key, value in clean["amd"].items()}
    return clean


async def create_campaign(
    session: AsyncSession, tenant_id: uuid.UUID, values: Mapping[str, Any]
) -> Campaign:
    """Create a campaign; unset settings take their defaults (Conflict for a taken name)."""
    if "name" not in values:
        raise InvalidInput("name: a campaign needs a name", {"field": "name"})
    defaults = {name: _default(name) for name in ("window_start", "window_end", "window_days")}
    clean = _clean_campaign(values, defaults)
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
    return await update_owned(session, campaign, _clean_campaign(values, current))


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
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
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
        for start in range(0, len(rows), _CHUNK):
            await session.execute(sa.insert(CampaignAgent), rows[start : start + _CHUNK])
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
        for first in range(0, len(params), _CHUNK):
            written.update(await session.scalars(statement, params[first : first + _CHUNK]))
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


# ---- do not call ------------------------------------------------------------------------------


def _dnc_owner(tenant_id: uuid.UUID | None) -> sa.ColumnElement[bool]:
    if tenant_id is None:
        return DoNotCallEntry.tenant_id.is_(None)
    return DoNotCallEntry.tenant_id == tenant_id


def _dnc_number(number: str) -> str:
    key = normalise(number)
    if not any(char.isdigit() for char in key):
        raise InvalidInput("number: has no digits", {"field": "number"})
    length = DoNotCallEntry.__table__.c.number.type.length  # type: ignore[attr-defined]
    if len(key) > length:
        raise InvalidInput(f"number: is longer than {length} digits", {"field": "number"})
    return key


async def dnc_lists(session: AsyncSession) -> tuple[list[str], dict[uuid.UUID, list[str]]]:
    """Return the platform's blocked numbers and every tenant's (all normalised)."""
    platform: list[str] = []
    tenants: dict[uuid.UUID, list[str]] = {}
    query = sa.select(DoNotCallEntry.tenant_id, DoNotCallEntry.number).order_by(
        DoNotCallEntry.number
    )
    for tenant_id, number in await session.execute(query):
        if tenant_id is None:
            platform.append(number)
        else:
            tenants.setdefault(tenant_id, []).append(number)
    return platform, tenants


async def add_dnc(
    session: AsyncSession, tenant_id: uuid.UUID | None, number: str, reason: str = ""
) -> DoNotCallEntry:
    """Block a number for the tenant (None: for everyone); adding it again returns the entry."""
    key = _dnc_number(number)
    length = DoNotCallEntry.__table__.c.reason.type.length  # type: ignore[attr-defined]
    if len(reason) > length:
        raise InvalidInput(f"reason: is longer than {length} characters", {"field": "reason"})
    entry = await session.scalar(
        sa.select(DoNotCallEntry).where(_dnc_owner(tenant_id), DoNotCallEntry.number == key)
    )
    if entry is not None:
        return entry
    entry = DoNotCallEntry(tenant_id=tenant_id, number=key, reason=reason)
    session.add(entry)
    await flush_or_conflict(session)
    return entry


async def remove_dnc(session: AsyncSession, tenant_id: uuid.UUID | None, number: str) -> None:
    """Unblock a number of the tenant's list (None: the platform's) or raise NotFound."""
    key = _dnc_number(number)
    entry = await session.scalar(
        sa.select(DoNotCallEntry).where(_dnc_owner(tenant_id), DoNotCallEntry.number == key)
    )
    if entry is None:
        raise NotFound("do-not-call entry not found", {"number": key})
    await session.delete(entry)
    await session.flush()


async def list_dnc(
    session: AsyncSession, tenant_id: uuid.UUID | None, *, limit: int = 100, offset: int = 0
) -> list[DoNotCallEntry]:
    """Return a page of the tenant's list (None: the platform's) by number."""
    query = (
        sa.select(DoNotCallEntry)
        .where(_dnc_owner(tenant_id))
        .order_by(DoNotCallEntry.number)
        .limit(limit)
        .offset(offset)
    )
    return list((await session.scalars(query)).all())


# ---- call attempts ----------------------------------------------------------------------------


def _attempt_columns(values: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(values) - set(CallAttempt.__table__.c.keys()))
    if unknown:
        raise InvalidInput(f"not call attempt fields: {', '.join(unknown)}", {"fields": unknown})
    # Enum members (CallResult, AttemptOutcome) are stored as their plain values.
    return {key: str(v) if isinstance(v, str) else v for key, v in values.items()}


async def insert_attempt(session: AsyncSession, values: Mapping[str, Any]) -> CallAttempt:
    """Record a dial attempt."""
    attempt = CallAttempt(**_attempt_columns(values))
    session.add(attempt)
    await flush_or_conflict(session)
    return attempt


async def update_attempt(
    session: AsyncSession, attempt_id: uuid.UUID, values: Mapping[str, Any]
) -> None:
    """Write what became of a dial attempt (a missing attempt is skipped)."""
    clean = _attempt_columns(values)
    clean.pop("id", None)
    if clean:
        await session.execute(
            sa.update(CallAttempt).where(CallAttempt.id == attempt_id).values(**clean)
        )


async def list_attempts(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    campaign_id: uuid.UUID,
    *,
    limit: int = 100,
    offset: int = 0,
) -> list[CallAttempt]:
    """Return a page of the campaign's attempts, newest first (also of a deleted campaign)."""
    query = (
        sa.select(CallAttempt)
        .where(CallAttempt.tenant_id == tenant_id, CallAttempt.campaign_id == campaign_id)
        .order_by(CallAttempt.started_at.desc(), CallAttempt.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list((await session.scalars(query)).all())


def _bridged() -> sa.ColumnElement[bool]:
    return sa.or_(
        CallAttempt.outcome == AttemptOutcome.CONNECTED.value, CallAttempt.bridged_at.is_not(None)
    )


async def set_disposition(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    attempt_id: uuid.UUID,
    code: str,
    *,
    consent: bool | None = None,
    callback_at: dt.datetime | None = None,
    now: dt.datetime,
) -> CallAttempt:
    """Record the agent's disposition of a bridged call, once; do_not_call also blocks the number.

    InvalidInput if the call never reached an agent, is dispositioned already, or the
    campaign requires the person's recording consent and `consent` is None.
    """
    attempt = await session.scalar(
        sa.select(CallAttempt).where(
            CallAttempt.id == attempt_id, CallAttempt.tenant_id == tenant_id
        )
    )
    if attempt is None:
        raise NotFound("call attempt not found", {"id": str(attempt_id)})
    code = code.strip()
    length = CallAttempt.__table__.c.disposition.type.length  # type: ignore[attr-defined]
    if not code or len(code) > length:
        raise InvalidInput(f"code: must be 1 to {length} characters", {"field": "code"})
    if attempt.outcome != AttemptOutcome.CONNECTED and attempt.bridged_at is None:
        raise InvalidInput("the call never reached an agent: there is nothing to disposition")
    if attempt.disposition is not None:
        raise InvalidInput(
            f"the call is dispositioned already ({attempt.disposition!r})",
            {"disposition": attempt.disposition},
        )
    require_consent = await session.scalar(
        sa.select(Campaign.require_consent).where(Campaign.id == attempt.campaign_id)
    )
    if require_consent and consent is None:
        raise InvalidInput(
            "consent: this campaign needs to know whether the person consented to recording",
            {"field": "consent"},
        )
    attempt.disposition = code
    attempt.consent = consent
    attempt.callback_at = callback_at
    attempt.dispositioned_at = now
    if code == Disposition.DO_NOT_CALL:
        # The person asked not to be called again: by any campaign of the tenant, not just this.
        with contextlib.suppress(InvalidInput):  # a number too long to block can't be dialled
            await add_dnc(session, tenant_id, attempt.number, "asked not to be called")
    await flush_or_conflict(session)
    return attempt


async def undispositioned(
    session: AsyncSession, campaign_id: uuid.UUID, attempt_ids: Sequence[uuid.UUID]
) -> list[CallAttempt]:
    """Of these attempts, return those whose disposition is set now (the dialer's wrap-up poll)."""
    found: list[CallAttempt] = []
    ids = list(attempt_ids)
    for start in range(0, len(ids), _CHUNK):
        query = sa.select(CallAttempt).where(
            CallAttempt.campaign_id == campaign_id,
            CallAttempt.id.in_(ids[start : start + _CHUNK]),
            CallAttempt.disposition.is_not(None),
        )
        found.extend(await session.scalars(query))
    return found


async def current_attempt(
    session: AsyncSession, tenant_id: uuid.UUID, agent_id: uuid.UUID
) -> tuple[CallAttempt, Lead] | None:
    """Return the agent's newest bridged attempt not yet dispositioned, with its lead."""
    query = (
        sa.select(CallAttempt, Lead)
        # An inner join: an attempt whose lead is gone (campaign deleted) has nothing to show.
        .join(Lead, Lead.id == CallAttempt.lead_id)
        .where(
            CallAttempt.tenant_id == tenant_id,
            CallAttempt.agent_id == agent_id,
            CallAttempt.disposition.is_(None),
            _bridged(),
        )
        .order_by(CallAttempt.started_at.desc(), CallAttempt.id.desc())
        .limit(1)
    )
    row = (await session.execute(query)).first()
    return None if row is None else (row[0], row[1])
