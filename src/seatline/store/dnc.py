"""Do-not-call lists: a tenant's own, and the platform's that binds every tenant.

Numbers are stored normalised, so "+49 30 1234" and "+49301234" are one entry. Like every
store module, nothing here commits: the caller does.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from seatline.dialer import normalise
from seatline.store.errors import InvalidInput, NotFound
from seatline.store.models import DoNotCallEntry
from seatline.store.repo import flush_or_conflict

__all__ = ["add_dnc", "dnc_lists", "list_dnc", "remove_dnc"]


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
