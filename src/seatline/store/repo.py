"""Tenant-scoped row access: every read and write names the tenant, so nothing crosses over.

A row of another tenant and a row that does not exist are the same thing here (NotFound /
InvalidReference with the same message), which is what keeps tenants from detecting each other.
Database integrity errors are translated into Conflict at this boundary.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from seatline.store.errors import Conflict, InvalidInput, InvalidReference, NotFound, StoreError
from seatline.store.models import TenantOwned

__all__ = [
    "MAX_BATCH",
    "check_reference",
    "create_owned",
    "delete_owned",
    "flush_or_conflict",
    "get_owned",
    "integrity_to_conflict",
    "list_owned",
    "update_owned",
]

Row = TypeVar("Row", bound=TenantOwned)

#: Rows or ids per statement: well under SQLite's bound-parameter limit.
MAX_BATCH = 500

_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: (?P<columns>[\w., ]+)")


def integrity_to_conflict(exc: IntegrityError) -> StoreError:
    """Describe an integrity error without leaking other tenants' data."""
    text = str(exc.orig)
    cause = getattr(exc.orig, "__cause__", None)
    sqlstate = getattr(cause, "sqlstate", None) or getattr(exc.orig, "sqlstate", None)
    constraint = getattr(cause, "constraint_name", None)
    match = _SQLITE_UNIQUE.search(text)
    if sqlstate == "23505" or match:
        fields: list[str] = []
        if match:
            fields = [part.split(".")[-1] for part in match["columns"].split(", ")]
        elif constraint:
            fields = [constraint]
        fields = [field for field in fields if field != "tenant_id"]
        conflict = Conflict(f"a row with the same {', '.join(fields)} already exists")
        conflict.error_id = "duplicate"
        conflict.details = {"fields": fields}
        return conflict
    if sqlstate == "23503" or "FOREIGN KEY" in text:
        conflict = Conflict("the row is still referenced by other rows, or names a missing one")
        conflict.error_id = "still-referenced"
        return conflict
    return Conflict("the change conflicts with existing data")


async def flush_or_conflict(session: AsyncSession) -> None:
    """Flush pending changes, turning an IntegrityError into Conflict."""
    try:
        await session.flush()
    except IntegrityError as exc:
        raise integrity_to_conflict(exc) from None


def _noun(model: type[TenantOwned]) -> str:
    return str(model.__tablename__).rstrip("s").replace("_", " ")


async def get_owned(
    session: AsyncSession, model: type[Row], tenant_id: uuid.UUID, row_id: uuid.UUID
) -> Row:
    """Return the tenant's row with this id or raise NotFound."""
    row = await session.scalar(
        sa.select(model).where(model.id == row_id, model.tenant_id == tenant_id)
    )
    if row is None:
        raise NotFound(f"{_noun(model)} not found", {"id": str(row_id)})
    return row


async def list_owned(
    session: AsyncSession,
    model: type[Row],
    tenant_id: uuid.UUID,
    *,
    limit: int = 100,
    offset: int = 0,
    where: Sequence[sa.ColumnElement[bool]] = (),
) -> list[Row]:
    """Return a page of the tenant's rows in a stable order."""
    query = (
        sa.select(model)
        .where(model.tenant_id == tenant_id, *where)
        .order_by(model.id)
        .limit(limit)
        .offset(offset)
    )
    return list((await session.scalars(query)).all())


async def check_reference(
    session: AsyncSession,
    model: type[TenantOwned],
    tenant_id: uuid.UUID,
    row_id: uuid.UUID | None,
    field: str,
) -> None:
    """Raise InvalidReference unless `row_id` names a row of this tenant (None is allowed)."""
    if row_id is None:
        return
    found = await session.scalar(
        sa.select(model.id).where(model.id == row_id, model.tenant_id == tenant_id)
    )
    if found is None:
        raise InvalidReference(
            f"{field} does not name a {_noun(model)} of this tenant",
            {"field": field, "id": str(row_id)},
        )


def _check_not_null(model: type[TenantOwned], values: dict[str, Any]) -> None:
    table = model.__table__
    for key, value in values.items():
        if value is None and key in table.c and not table.c[key].nullable:
            raise InvalidInput(f"{key} may not be null", {"field": key})


async def create_owned(
    session: AsyncSession, model: type[Row], tenant_id: uuid.UUID, values: dict[str, Any]
) -> Row:
    """Insert a row owned by the tenant."""
    _check_not_null(model, values)
    row = model(**values, tenant_id=tenant_id)
    session.add(row)
    await flush_or_conflict(session)
    return row


async def update_owned(session: AsyncSession, row: Row, values: dict[str, Any]) -> Row:
    """Apply a partial update to a row already fetched for the tenant."""
    _check_not_null(type(row), values)
    for key, value in values.items():
        setattr(row, key, value)
    await flush_or_conflict(session)
    return row


async def delete_owned(
    session: AsyncSession, model: type[TenantOwned], tenant_id: uuid.UUID, row_id: uuid.UUID
) -> None:
    """Delete the tenant's row or raise NotFound."""
    row = await get_owned(session, model, tenant_id, row_id)
    await session.delete(row)
    await flush_or_conflict(session)
