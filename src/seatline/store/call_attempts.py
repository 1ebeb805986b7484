"""Call attempts: the record of every dial, what became of it and the agent's disposition.

The live dialer inserts and updates attempts; the API lists them and sets dispositions.
Like every store module, nothing here commits: the caller does.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from seatline.dialer import AttemptOutcome, Disposition
from seatline.store.dnc import add_dnc
from seatline.store.errors import InvalidInput, NotFound
from seatline.store.models import CallAttempt, Campaign, Lead
from seatline.store.repo import MAX_BATCH, flush_or_conflict

__all__ = [
    "current_attempt",
    "dispositioned_among",
    "insert_attempt",
    "list_attempts",
    "live_answers",
    "set_disposition",
    "update_attempt",
]


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


async def live_answers(
    session: AsyncSession, campaign_id: uuid.UUID, since: dt.datetime
) -> list[tuple[dt.datetime, bool]]:
    """Persons who answered since `since`: when, and whether they were abandoned (oldest first)."""
    live = (AttemptOutcome.CONNECTED.value, AttemptOutcome.ABANDONED.value)
    query = (
        sa.select(CallAttempt.answered_at, CallAttempt.outcome)
        .where(
            CallAttempt.campaign_id == campaign_id,
            CallAttempt.outcome.in_(live),
            CallAttempt.answered_at >= since,
        )
        .order_by(CallAttempt.answered_at)
    )
    rows = await session.execute(query)
    return [(at, outcome == AttemptOutcome.ABANDONED.value) for at, outcome in rows if at]


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


async def dispositioned_among(
    session: AsyncSession, campaign_id: uuid.UUID, attempt_ids: Sequence[uuid.UUID]
) -> list[CallAttempt]:
    """Of these attempts, return those whose disposition is set now (the dialer's wrap-up poll)."""
    found: list[CallAttempt] = []
    ids = list(attempt_ids)
    for start in range(0, len(ids), MAX_BATCH):
        query = sa.select(CallAttempt).where(
            CallAttempt.campaign_id == campaign_id,
            CallAttempt.id.in_(ids[start : start + MAX_BATCH]),
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
