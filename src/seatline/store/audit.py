"""The audit log: who did what, when and from where.

`record_audit` adds one event to the caller's transaction, so an audited change and its event
commit together or not at all; a refusal (a failed login) is recorded by committing before the
refusal is raised. Any part of Seatline may call it: the API for logins, user, trunk and
configuration changes and recording access; the switch for bans of SIP sources (with no
tenant: those are the platform's). Values are clipped to their columns and the detail to a few
kilobytes of JSON, so an attacker choosing a username cannot make an event large, and events
older than the retention setting are pruned (at each successful login). Nothing secret goes
in: changes name the fields that changed, never their values.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from seatline.store.models import AuditEvent

__all__ = ["MAX_DETAIL_BYTES", "AuditFilter", "list_audit", "prune_audit", "record_audit"]

MAX_DETAIL_BYTES = 4096


def _clip(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def _bounded_detail(detail: Mapping[str, Any] | None) -> dict[str, Any]:
    """Return the detail as plain JSON data, replaced by a note when it is too large."""
    text = json.dumps(dict(detail or {}), default=str, ensure_ascii=False)
    if len(text.encode()) > MAX_DETAIL_BYTES:
        return {"truncated": True, "keys": sorted(str(key) for key in (detail or {}))[:50]}
    value: dict[str, Any] = json.loads(text)
    return value


async def record_audit(
    session: AsyncSession,
    tenant_id: uuid.UUID | None,
    actor: str,
    action: str,
    subject: str = "",
    source: str = "",
    detail: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Add an event to the session's transaction (the caller commits) and return it.

    `tenant_id` is None for the platform's own events; `actor` names who acted (a username,
    `anonymous`, `switch`), `action` what happened (`auth.login`, `trunks.update`,
    `sip.ban` …), `subject` what it was done to, `source` where the request came from.
    """
    event = AuditEvent(
        at=dt.datetime.now(dt.UTC),
        tenant_id=tenant_id,
        actor=_clip(actor, 200),
        action=_clip(action, 64),
        subject=_clip(subject, 200),
        source=_clip(source, 64),
        detail=_bounded_detail(detail),
    )
    session.add(event)
    await session.flush()
    return event


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """Which events to list: of one tenant (None: every tenant and the platform's), and more."""

    tenant_id: uuid.UUID | None = None
    every_tenant: bool = False
    action: str | None = None
    actor: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None


async def list_audit(
    session: AsyncSession, where: AuditFilter, *, limit: int = 100, offset: int = 0
) -> Sequence[AuditEvent]:
    """Return matching events, newest first."""
    query = sa.select(AuditEvent)
    if not where.every_tenant or where.tenant_id is not None:
        query = query.where(AuditEvent.tenant_id == where.tenant_id)
    if where.action is not None:
        if where.action.endswith("."):  # a family of actions: `auth.` …
            query = query.where(AuditEvent.action.startswith(where.action, autoescape=True))
        else:
            query = query.where(AuditEvent.action == where.action)
    if where.actor is not None:
        query = query.where(AuditEvent.actor == where.actor)
    if where.since is not None:
        query = query.where(AuditEvent.at >= where.since)
    if where.until is not None:
        query = query.where(AuditEvent.at < where.until)
    query = query.order_by(AuditEvent.at.desc(), AuditEvent.id).limit(limit).offset(offset)
    return (await session.scalars(query)).all()


async def prune_audit(session: AsyncSession, before: dt.datetime) -> int:
    """Delete events older than `before` (the retention limit); return how many."""
    result = await session.execute(sa.delete(AuditEvent).where(AuditEvent.at < before))
    return int(getattr(result, "rowcount", 0))
