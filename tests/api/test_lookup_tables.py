"""Lookup tables through the API: create, CSV import with per-line errors, limits, read."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from seatline.api import lookups
from seatline.store.enums import Role

World = Any  # the conftest's World
CSV = {"Content-Type": "text/csv"}


def assert_error(answer: httpx.Response, status: int, error_id: str) -> dict[str, Any]:
    """Check the shared error body and return it."""
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert body["status"] == status and body["error_id"] == error_id and body["message"]
    return dict(body)


async def make_table(client: httpx.AsyncClient, world: World, name: str = "orders") -> None:
    """Create the table `name` with columns order (the key), status, eta."""
    body = {"name": name, "key_column": "order", "columns": ["order", "status", "eta"]}
    created = await client.post(
        "/api/lookup-tables", json=body, headers=world.headers(Role.TENANT_ADMIN)
    )
    assert created.status_code == 201, created.text
    assert created.json()["columns"] == ["order", "status", "eta"]


async def test_import_keeps_good_rows_and_reports_bad_ones_by_line(
    client: httpx.AsyncClient, tenant_a: World
) -> None:
    await make_table(client, tenant_a)
    headers = tenant_a.headers(Role.TENANT_ADMIN) | CSV
    data = (
        b"order,status,eta\r\n"  # 1
        b"4711,shipped,monday\r\n"  # 2
        b'4712,"delayed,\r\nsee note",friday\r\n'  # 3-4
        b"4713,lost\r\n"  # 5
        b",x,y\r\n"  # 6
        b"4711,again,z\r\n"  # 7
        b"4714,caf\xe9,today\r\n"  # 8
        b"4715,ok,soon\r\n"  # 9
    )
    answer = await client.put("/api/lookup-tables/orders/rows", content=data, headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "imported": 3,
        "errors": [
            {"line": 5, "reason": "expected 3 fields, found 2"},
            {"line": 6, "reason": "the key column 'order' is empty"},
            {"line": 7, "reason": "duplicate key '4711' (first on line 2)"},
            {"line": 8, "reason": "not valid UTF-8"},
        ],
    }
    row = await client.get("/api/lookup-tables/orders/rows/4712", headers=headers)
    assert row.json() == {
        "key": "4712",
        "values": {"order": "4712", "status": "delayed,\r\nsee note", "eta": "friday"},
    }
    # A second import replaces existing keys and keeps the others.
    again = b"order,status,eta\n4711,delivered,-\n"
    answer = await client.put("/api/lookup-tables/orders/rows", content=again, headers=headers)
    assert answer.json() == {"imported": 1, "errors": []}
    row = await client.get("/api/lookup-tables/orders/rows/4711", headers=headers)
    assert row.json()["values"]["status"] == "delivered"
    assert (await client.get("/api/lookup-tables/orders/rows/4715", headers=headers)).is_success
    missing = await client.get("/api/lookup-tables/orders/rows/0000", headers=headers)
    assert_error(missing, 404, "not-found")
    listed = await client.get("/api/lookup-tables", headers=headers)
    names = [table["name"] for table in listed.json()]
    assert names == ["orders", f"orders-{tenant_a.tenant.slug}"]


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "empty"),
        (b"status,eta\n1,2\n", "lacks the key column 'order'"),
        (b"order,status,eta,colour\n", "colour"),
        (b"order,status\n", "lacks columns of the table: eta"),
        (b"order,order,status,eta\n", "twice"),
    ],
)
async def test_a_broken_header_is_422_naming_the_problem(
    client: httpx.AsyncClient, tenant_a: World, data: bytes, words: str
) -> None:
    await make_table(client, tenant_a)
    headers = tenant_a.headers(Role.TENANT_ADMIN) | CSV
    answer = await client.put("/api/lookup-tables/orders/rows", content=data, headers=headers)
    assert words in assert_error(answer, 422, "invalid-input")["message"]


async def test_limits_and_content_type(
    client: httpx.AsyncClient,
    tenant_a: World,
    monkeypatch: pytest.MonkeyPatch,
    tune: Callable[..., None],
) -> None:
    await make_table(client, tenant_a)
    admin = tenant_a.headers(Role.TENANT_ADMIN)
    url = "/api/lookup-tables/orders/rows"
    data = b"order,status,eta\n" + b"".join(b"%d,a,b\n" % n for n in range(20))
    monkeypatch.setattr(lookups, "MAX_IMPORT_ROWS", 10)
    answer = await client.put(url, content=data, headers=admin | CSV)
    assert "more than 10 rows" in assert_error(answer, 413, "too-large")["message"]
    tune(csv_body_max_bytes=100)
    answer = await client.put(url, content=data, headers=admin | CSV)
    assert "larger than 100 bytes" in assert_error(answer, 413, "too-large")["message"]

    async def chunks() -> Any:  # no Content-Length: the limit holds while streaming
        for _ in range(20):
            yield b"1234567890"

    answer = await client.put(url, content=chunks(), headers=admin | CSV)
    assert_error(answer, 413, "too-large")
    ok = b"order,status,eta\n1,a,b\n"
    json_body = await client.put(
        url, content=ok, headers=admin | {"Content-Type": "application/json"}
    )
    assert_error(json_body, 415, "unsupported-media-type")
    latin = await client.put(
        url, content=ok, headers=admin | {"Content-Type": "text/csv; charset=latin-1"}
    )
    assert_error(latin, 415, "unsupported-media-type")
    utf8 = await client.put(
        url, content=ok, headers=admin | {"Content-Type": "text/csv; charset=UTF-8"}
    )
    assert utf8.json() == {"imported": 1, "errors": []}


async def test_table_creation_rules_and_roles(client: httpx.AsyncClient, tenant_a: World) -> None:
    admin = tenant_a.headers(Role.TENANT_ADMIN)
    url = "/api/lookup-tables"
    for body in (
        {"name": "t", "key_column": "id", "columns": ["a", "b"]},
        {"name": "t", "key_column": "a", "columns": ["a", "a"]},
        {"name": "T T", "key_column": "a", "columns": ["a"]},
        {"name": "t", "key_column": "a", "columns": []},
        {"name": "t", "key_column": "a\n", "columns": ["a\tb"]},
    ):
        assert_error(await client.post(url, json=body, headers=admin), 422, "invalid-input")
    await make_table(client, tenant_a, "dup")
    body = {"name": "dup", "key_column": "order", "columns": ["order"]}
    assert_error(await client.post(url, json=body, headers=admin), 409, "duplicate")
    supervisor = tenant_a.headers(Role.SUPERVISOR)
    assert_error(await client.post(url, json=body, headers=supervisor), 403, "forbidden")
    rows = "/api/lookup-tables/dup/rows"
    denied = await client.put(rows, content=b"order\n1\n", headers=supervisor | CSV)
    assert_error(denied, 403, "forbidden")
    agent = tenant_a.headers(Role.AGENT)
    assert_error(await client.get(f"{rows}/1", headers=agent), 403, "forbidden")
    assert (await client.get("/api/lookup-tables/dup", headers=supervisor)).json()[
        "key_column"
    ] == "order"
