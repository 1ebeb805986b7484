"""Tenant lookup tables: the data a contact flow looks up ("order 4711 → shipped").

`lookup` is what the live service calls while a flow runs; the rest serves the API.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from seatline.store.errors import InvalidInput, NotFound
from seatline.store.lookup_csv import CsvRows, parse_lookup_csv
from seatline.store.models import LookupRow, LookupTable
from seatline.store.repo import MAX_BATCH, create_owned

__all__ = [
    "create_lookup_table",
    "get_lookup_row",
    "get_lookup_table",
    "import_csv",
    "list_lookup_tables",
    "lookup",
    "upsert_rows",
]


async def create_lookup_table(
    session: AsyncSession, tenant_id: uuid.UUID, name: str, key_column: str, columns: Sequence[str]
) -> LookupTable:
    """Create an empty table; the key column is always one of its columns."""
    if key_column not in columns:
        raise InvalidInput(
            f"the key column {key_column!r} must be one of the columns", {"field": "key_column"}
        )
    values = {"name": name, "key_column": key_column, "columns": list(columns)}
    return await create_owned(session, LookupTable, tenant_id, values)


async def get_lookup_table(session: AsyncSession, tenant_id: uuid.UUID, name: str) -> LookupTable:
    """Return the tenant's table of this name or raise NotFound."""
    table = await session.scalar(
        sa.select(LookupTable).where(LookupTable.tenant_id == tenant_id, LookupTable.name == name)
    )
    if table is None:
        raise NotFound("lookup table not found", {"name": name})
    return table


async def list_lookup_tables(
    session: AsyncSession, tenant_id: uuid.UUID, *, limit: int = 100, offset: int = 0
) -> list[LookupTable]:
    """Return a page of the tenant's tables by name."""
    query = (
        sa.select(LookupTable)
        .where(LookupTable.tenant_id == tenant_id)
        .order_by(LookupTable.name)
        .limit(limit)
        .offset(offset)
    )
    return list((await session.scalars(query)).all())


async def upsert_rows(
    session: AsyncSession, table: LookupTable, rows: Mapping[str, Mapping[str, str]]
) -> None:
    """Insert the rows, replacing those whose key exists already; the caller commits."""
    connection = await session.connection()
    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    statement = insert(LookupRow)
    statement = statement.on_conflict_do_update(
        index_elements=["table_id", "key"], set_={"data": statement.excluded.data}
    )
    params: list[dict[str, Any]] = [
        {"table_id": table.id, "key": key, "data": dict(values)} for key, values in rows.items()
    ]
    for start in range(0, len(params), MAX_BATCH):
        await session.execute(statement, params[start : start + MAX_BATCH])


async def import_csv(
    session: AsyncSession, table: LookupTable, data: bytes, *, max_rows: int
) -> CsvRows:
    """Upsert the good records of a CSV upload and return them with the bad ones."""
    parsed = parse_lookup_csv(data, table.key_column, table.columns, max_rows=max_rows)
    await upsert_rows(session, table, parsed.rows)
    return parsed


async def get_lookup_row(
    session: AsyncSession, tenant_id: uuid.UUID, name: str, key: str
) -> dict[str, str]:
    """Return the row's values (every column) or raise NotFound for a missing table or key."""
    table = await get_lookup_table(session, tenant_id, name)
    data = await session.scalar(
        sa.select(LookupRow.data).where(LookupRow.table_id == table.id, LookupRow.key == key)
    )
    if data is None:
        raise NotFound("lookup row not found", {"name": name, "key": key})
    return {str(column): str(value) for column, value in data.items()}


async def lookup(
    session: AsyncSession, tenant_id: uuid.UUID, table: str, key: str
) -> dict[str, str] | None:
    """Return the values of `key` in the tenant's table (every column), or None when absent."""
    data = await session.scalar(
        sa.select(LookupRow.data)
        .join(LookupTable, LookupTable.id == LookupRow.table_id)
        .where(
            LookupTable.tenant_id == tenant_id,
            LookupTable.name == table,
            LookupRow.key == key.strip(),
        )
    )
    if data is None:
        return None
    return {str(column): str(value) for column, value in data.items()}
