"""The audit log over HTTP: `GET /api/audit` (handlers write to it through `api.auditor`).

A tenant admin reads its own tenant's events; the platform admin reads every tenant's and the
platform's own (optionally one tenant's). Supervisors and agents may not read it: it names
users, addresses and configuration changes.
"""

import datetime as dt
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from seatline.api.crud import PageDep
from seatline.api.deps import ADMINS, Principal, SessionDep, require
from seatline.api.errors import ApiError
from seatline.api.schemas import Output
from seatline.store.audit import AuditFilter, list_audit
from seatline.store.enums import Role

__all__ = ["AuditRead", "router"]

router = APIRouter(prefix="/api/audit", tags=["audit"])
Admin = Annotated[Principal, Depends(require(ADMINS))]


class AuditRead(Output):
    """One audit event."""

    id: uuid.UUID
    at: dt.datetime
    tenant_id: uuid.UUID | None
    actor: str
    action: str
    subject: str
    source: str
    detail: dict[str, Any]


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.UTC)  # a time without an offset is read as UTC


@router.get("", response_model=list[AuditRead], summary="Read the audit log")
async def get_audit(
    session: SessionDep,
    who: Admin,
    paging: PageDep,
    action: Annotated[
        str | None, Query(max_length=64, description="an action, or a family ending in '.'")
    ] = None,
    actor: Annotated[str | None, Query(max_length=200)] = None,
    since: Annotated[dt.datetime | None, Query(alias="from")] = None,
    until: Annotated[dt.datetime | None, Query(alias="to")] = None,
    tenant: Annotated[
        uuid.UUID | None, Query(description="platform admin only: one tenant's events")
    ] = None,
) -> Any:
    """List audit events, newest first: the tenant's own (the platform admin: every one)."""
    operator = who.role is Role.PLATFORM_ADMIN
    if tenant is not None and not operator:
        raise ApiError(403, "forbidden", "only the platform admin reads other tenants' events")
    where = AuditFilter(
        tenant_id=tenant if operator else who.tenant_id,
        every_tenant=operator,
        action=action,
        actor=actor,
        since=_utc(since),
        until=_utc(until),
    )
    return await list_audit(session, where, limit=paging.limit, offset=paging.offset)
