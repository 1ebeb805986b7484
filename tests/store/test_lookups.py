"""Lookup tables: CSV parsing with exact line numbers, upserts, and the flow's lookup."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from seatline.store.db import Database
from seatline.store.errors import Conflict, InvalidInput, NotFound, TooLarge
from seatline.store.lookup_csv import RowError, parse_lookup_csv
from seatline.store.lookups import (
    create_lookup_table,
    get_lookup_row,
    get_lookup_table,
    import_csv,
    lookup,
)

from .helpers import make_tenant

COLUMNS = ("order", "status", "eta")

MIXED = (
    b"order,status,eta\n"  # 1
    b"4711,shipped,monday\n"  # 2
    b'4712,"delayed,\nsee note",friday\n'  # 3-4: a quoted field with a newline
    b"4713,lost\n"  # 5: too few fields
    b",pending,soon\n"  # 6: empty key
    b"\n"  # 7: blank, skipped
    b"4711,again,tuesday\n"  # 8: duplicate of line 2
    b"4714,caf\xe9,today\n"  # 9: Latin-1, not UTF-8
    b"4715,ok,later,extra\n"  # 10: too many fields
    b"  4716 ,packed,tomorrow\r\n"  # 11: CRLF, key with spaces
    b'4717,"never closed,x\n'  # 12: unclosed quote swallows the rest
    b"4718,lost,too\n"
)


def test_mixed_good_and_bad_rows_are_reported_by_physical_line() -> None:
    parsed = parse_lookup_csv(MIXED, "order", COLUMNS, max_rows=100)
    assert parsed.rows == {
        "4711": {"order": "4711", "status": "shipped", "eta": "monday"},
        "4712": {"order": "4712", "status": "delayed,\nsee note", "eta": "friday"},
        "4716": {"order": "4716", "status": "packed", "eta": "tomorrow"},
    }
    assert parsed.errors == [
        RowError(5, "expected 3 fields, found 2"),
        RowError(6, "the key column 'order' is empty"),
        RowError(8, "duplicate key '4711' (first on line 2)"),
        RowError(9, "not valid UTF-8"),
        RowError(10, "expected 3 fields, found 4"),
        RowError(12, "a quoted field is not closed before the end of the file"),
    ]


def test_header_order_is_free_and_a_bom_is_ignored() -> None:
    data = b"\xef\xbb\xbfeta , order,status\nfri,1,ok\n"
    parsed = parse_lookup_csv(data, "order", COLUMNS, max_rows=10)
    assert parsed.rows == {"1": {"order": "1", "status": "ok", "eta": "fri"}}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the CSV is empty"),
        (b"\norder,status,eta\n", "the first line is empty"),
        (b"status,eta\n", "lacks the key column 'order'"),
        (b"order,status,eta,colour\n", "does not have: colour"),
        (b"order,status\n", "lacks columns of the table: eta"),
        (b"order,status,status,eta\n", "column 'status' twice"),
        (b"order,,eta\n", "column 2 has no name"),
        (b"order,st\xffatus,eta\n", "not valid UTF-8"),
        (b'order,"status\n', "not valid CSV"),
    ],
)
def test_a_broken_header_refuses_the_file(data: bytes, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        parse_lookup_csv(data, "order", COLUMNS, max_rows=10)


def test_too_many_rows_is_too_large() -> None:
    data = b"order,status,eta\n" + b"".join(b"%d,a,b\n" % n for n in range(11))
    with pytest.raises(TooLarge, match="more than 10 rows"):
        parse_lookup_csv(data, "order", COLUMNS, max_rows=10)
    assert len(parse_lookup_csv(data, "order", COLUMNS, max_rows=11).rows) == 11


def test_overlong_key_and_value_are_row_errors() -> None:
    data = b"order,status,eta\n" + b"k" * 201 + b",a,b\n1," + b"v" * 1001 + b",c\n"
    parsed = parse_lookup_csv(data, "order", COLUMNS, max_rows=10)
    assert parsed.rows == {}
    assert [error.line for error in parsed.errors] == [2, 3]


cell = st.text(st.characters(blacklist_categories=("Cs",)), max_size=8)


@given(st.lists(st.tuples(cell, cell), max_size=8))
def test_any_csv_the_csv_module_writes_reads_back(rows: list[tuple[str, str]]) -> None:
    import csv
    import io

    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")  # so it quotes a lone \r too
    writer.writerow(["k", "v"])
    writer.writerows(rows)
    parsed = parse_lookup_csv(out.getvalue().encode(), "k", ("k", "v"), max_rows=100)
    good: dict[str, dict[str, str]] = {}
    for key, value in rows:
        if key.strip() and key.strip() not in good:
            good[key.strip()] = {"k": key.strip(), "v": value}
    assert parsed.rows == good
    assert len(parsed.errors) == len(rows) - len(good)


async def test_import_upserts_and_lookup_is_scoped_to_the_tenant(database: Database) -> None:
    tenant, other = await make_tenant(database), await make_tenant(database)
    async with database.transaction() as session:
        await create_lookup_table(session, tenant.id, "orders", "order", COLUMNS)
        await create_lookup_table(session, other.id, "orders", "order", COLUMNS)
    async with database.transaction() as session:
        table = await get_lookup_table(session, tenant.id, "orders")
        first = await import_csv(session, table, MIXED, max_rows=100)
        assert len(first.rows) == 3
    async with database.transaction() as session:
        table = await get_lookup_table(session, tenant.id, "orders")
        many = b"order,status,eta\n4711,delivered,-\n" + b"".join(
            b"%d,s,e\n" % n for n in range(10_000, 11_200)
        )
        await import_csv(session, table, many, max_rows=2000)
    async with database.sessions() as session:
        assert await lookup(session, tenant.id, "orders", "4711") == {
            "order": "4711",
            "status": "delivered",
            "eta": "-",
        }
        assert (await lookup(session, tenant.id, "orders", " 4712 ")) == {
            "order": "4712",
            "status": "delayed,\nsee note",
            "eta": "friday",
        }
        assert await lookup(session, tenant.id, "orders", "11199") is not None
        assert await lookup(session, other.id, "orders", "4711") is None
        assert await lookup(session, tenant.id, "nope", "4711") is None
        assert (await get_lookup_row(session, tenant.id, "orders", "4716"))["status"] == "packed"
        with pytest.raises(NotFound):
            await get_lookup_row(session, other.id, "orders", "4716")


async def test_table_rules(database: Database) -> None:
    tenant = await make_tenant(database)
    async with database.sessions() as session:
        with pytest.raises(InvalidInput):
            await create_lookup_table(session, tenant.id, "t", "id", ["a", "b"])
        await create_lookup_table(session, tenant.id, "t", "a", ["a", "b"])
        with pytest.raises(Conflict):
            await create_lookup_table(session, tenant.id, "t", "a", ["a", "b"])
