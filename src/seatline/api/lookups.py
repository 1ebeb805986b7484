"""Lookup tables: create one, import its rows from CSV, read a row.

An import keeps the good rows and reports each bad one by the CSV line it starts on, so a
file with a few broken lines does not have to be fixed and sent again in full.
"""

import re
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from pydantic import AfterValidator, Field, StringConstraints, model_validator

from seatline.api.crud import PageDep
from seatline.api.csv_body import read_csv_body
from seatline.api.deps import ADMINS, STAFF, Principal, SessionDep, commit, require, settings_of
from seatline.api.schemas import Code, Input, Output
from seatline.store.lookup_csv import MAX_KEY_LENGTH
from seatline.store.lookups import (
    create_lookup_table,
    get_lookup_row,
    get_lookup_table,
    import_csv,
    list_lookup_tables,
)

__all__ = [
    "MAX_IMPORT_ROWS",
    "ImportResult",
    "LookupRowRead",
    "LookupTableCreate",
    "LookupTableRead",
    "router",
]

MAX_IMPORT_ROWS = 50_000

router = APIRouter(prefix="/api/lookup-tables", tags=["lookup-tables"])
Reader = Annotated[Principal, Depends(require(STAFF))]
Admin = Annotated[Principal, Depends(require(ADMINS))]
TableName = Annotated[str, Path(max_length=64)]
RowKey = Annotated[str, Path(max_length=MAX_KEY_LENGTH)]

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _column_name(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("a column name may not contain control characters")
    return value


ColumnName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=64),
    AfterValidator(_column_name),
]


class LookupTableCreate(Input):
    """A new lookup table: its columns as the CSV header names them, one of them the key."""

    name: Code
    key_column: ColumnName
    columns: Annotated[list[ColumnName], Field(min_length=1, max_length=50)]

    @model_validator(mode="after")
    def _consistent(self) -> "LookupTableCreate":
        if len(set(self.columns)) != len(self.columns):
            raise ValueError("columns must not repeat a name")
        if self.key_column not in self.columns:
            raise ValueError("key_column must be one of the columns")
        return self


class LookupTableRead(Output):
    """A lookup table."""

    id: uuid.UUID
    name: str
    key_column: str
    columns: list[str]


class RowErrorRead(Output):
    """A CSV record that was not imported: the line it starts on and why."""

    line: int
    reason: str


class ImportResult(Output):
    """How many rows were imported (inserted or replaced) and which were refused."""

    imported: int
    errors: list[RowErrorRead]


class LookupRowRead(Output):
    """One row: its key and every column's value."""

    key: str
    values: dict[str, str]


@router.get("", response_model=list[LookupTableRead], summary="List lookup tables")
async def list_tables(session: SessionDep, who: Reader, paging: PageDep) -> Any:
    """List the tenant's lookup tables by name."""
    return await list_lookup_tables(
        session, who.tenant_id, limit=paging.limit, offset=paging.offset
    )


@router.post("", response_model=LookupTableRead, status_code=201, summary="Create a lookup table")
async def post_table(body: LookupTableCreate, session: SessionDep, who: Admin) -> Any:
    """Create an empty lookup table."""
    table = await create_lookup_table(
        session, who.tenant_id, body.name, body.key_column, body.columns
    )
    await commit(session)
    return table


@router.get("/{name}", response_model=LookupTableRead, summary="Get one lookup table")
async def get_table(name: TableName, session: SessionDep, who: Reader) -> Any:
    """Return a lookup table's columns."""
    return await get_lookup_table(session, who.tenant_id, name)


@router.put(
    "/{name}/rows",
    response_model=ImportResult,
    summary="Import rows from CSV",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    },
)
async def put_rows(name: TableName, request: Request, session: SessionDep, who: Admin) -> Any:
    """Upsert the CSV's good rows (first line the header); list the bad ones by line."""
    table = await get_lookup_table(session, who.tenant_id, name)
    limit = settings_of(request).csv_body_max_bytes
    data = await read_csv_body(request, max_bytes=limit, what="rows")
    parsed = await import_csv(session, table, data, max_rows=MAX_IMPORT_ROWS)
    await commit(session)
    return {"imported": len(parsed.rows), "errors": parsed.errors}


@router.get("/{name}/rows/{key}", response_model=LookupRowRead, summary="Get one row")
async def get_row(name: TableName, key: RowKey, session: SessionDep, who: Reader) -> Any:
    """Return the row with this key."""
    return {"key": key, "values": await get_lookup_row(session, who.tenant_id, name, key)}
