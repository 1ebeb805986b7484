"""Request body limits per route, held while the body is read, before anyone has logged in.

Finding 9 of issue 11: a 300 MB body to /api/auth/login was read whole into memory, and a
50 MB flow was stored. These tests talk to a real uvicorn server over a socket, so a limit that
only holds after the whole body arrived would leave them waiting for a response.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from seatline.api import create_app
from seatline.config import load_settings
from seatline.store.db import Database
from seatline.store.enums import Role

from .server import read_response, serving

SECRET = "test-secret-key-" + "x" * 32  # the conftest app's key
World = Any  # the conftest's World
CHUNK = 64 * 1024
CSV = {"Content-Type": "text/csv"}


@pytest.fixture
def small_app(database: Database, tmp_path: Path) -> FastAPI:
    """An app with small limits, so a test needs only a few kilobytes to cross them."""
    settings = load_settings(
        {
            "data_dir": tmp_path,
            "secret_key": SECRET,
            "login_body_max_bytes": 1024,
            "json_body_max_bytes": 4096,
            "csv_body_max_bytes": 16384,
            "flow_definition_max_bytes": 2048,
        },
        create_secret=False,
    )
    return create_app(settings, database)


@pytest.fixture
async def small_client(small_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An in-process client of the small-limits app."""
    transport = httpx.ASGITransport(app=small_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://seatline.test") as http:
        yield http


def assert_too_large(status: int, body: bytes, limit: int) -> None:
    """A 413 in the shared JSON error shape, naming the limit."""
    assert status == 413, body[:300]
    error = json.loads(body)
    assert error["status"] == 413 and error["error_id"] == "too-large"
    assert f"larger than {limit} bytes" in error["message"]
    assert error["details"]["max_bytes"] == limit


async def _post_streaming(
    port: int, head: str, body_chunks: Callable[[int], bytes], total: int
) -> tuple[int, dict[str, str], bytes, int]:
    """Send `head`, then up to `total` body bytes while waiting for the answer.

    Returns (status, headers, body, bytes sent when the answer came). The body is never
    finished, so only a server that refuses it early can answer within the wait.
    """
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    sent = 0

    async def send() -> None:
        nonlocal sent
        writer.write(head.encode())
        while sent < total:
            writer.write(body_chunks(CHUNK))
            sent += CHUNK
            try:
                await writer.drain()
            except ConnectionError:
                return  # the server closed its side after answering

    sender = asyncio.create_task(send())
    try:
        status, headers, body = await asyncio.wait_for(read_response(reader), 10)
        sent_at_answer = sent
    finally:
        sender.cancel()
        await asyncio.gather(sender, return_exceptions=True)
        writer.close()
    return status, headers, body, sent_at_answer


async def test_huge_login_body_with_content_length_is_refused_before_it_is_read(
    app: FastAPI,
) -> None:
    head = (
        "POST /api/auth/login HTTP/1.1\r\nHost: seatline.test\r\n"
        "Content-Type: application/json\r\nContent-Length: 314572800\r\n\r\n"
    )
    async with serving(app) as port:
        status, headers, body, sent = await _post_streaming(
            port, head, lambda n: b" " * n, 8 * 1024 * 1024
        )
    assert_too_large(status, body, 16384)
    assert headers.get("connection") == "close"
    assert sent < 8 * 1024 * 1024  # answered before the client gave up sending


async def test_chunked_login_body_is_cut_off_at_the_limit(app: FastAPI) -> None:
    head = (
        "POST /api/auth/login HTTP/1.1\r\nHost: seatline.test\r\n"
        "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    )

    def chunk(n: int) -> bytes:
        return f"{n:x}\r\n".encode() + b" " * n + b"\r\n"

    async with serving(app) as port:
        status, _, body, sent = await _post_streaming(port, head, chunk, 8 * 1024 * 1024)
    assert_too_large(status, body, 16384)
    assert sent < 8 * 1024 * 1024


async def test_each_route_class_has_its_own_limit_even_before_login(
    small_client: httpx.AsyncClient, tenant_a: World
) -> None:
    login = await small_client.post(
        "/api/auth/login", json={"username": "x" * 1100, "password": "y"}
    )
    assert_too_large(login.status_code, login.content, 1024)
    # A JSON route without credentials: the limit answers before the 401 would.
    queue = await small_client.post("/api/queues", json={"name": "q" * 5000})
    assert_too_large(queue.status_code, queue.content, 4096)
    admin = tenant_a.headers(Role.TENANT_ADMIN)
    queue = await small_client.post("/api/queues", json={"name": "q" * 5000}, headers=admin)
    assert_too_large(queue.status_code, queue.content, 4096)
    table = {"name": "orders", "key_column": "order", "columns": ["order", "st"]}
    assert (await small_client.post("/api/lookup-tables", json=table, headers=admin)).is_success
    # The CSV route takes more than the JSON limit, and refuses more than its own.
    rows = b"order,st\n" + b"".join(b"%06d,shipped\n" % n for n in range(500))
    assert 4096 < len(rows) < 16384
    url = "/api/lookup-tables/orders/rows"
    ok = await small_client.put(url, content=rows, headers=admin | CSV)
    assert ok.status_code == 200, ok.text
    assert ok.json()["imported"] == 500
    big = rows + b"".join(b"%06d,late\n" % n for n in range(1000, 2000))
    refused = await small_client.put(url, content=big, headers=admin | CSV)
    assert_too_large(refused.status_code, refused.content, 16384)

    async def stream() -> AsyncIterator[bytes]:  # chunked: no Content-Length to check first
        for _ in range(40):
            yield b"1234567,x\n" * 50

    streamed = await small_client.put(url, content=stream(), headers=admin | CSV)
    assert_too_large(streamed.status_code, streamed.content, 16384)


async def test_a_flow_definition_has_its_own_size_cap(
    small_client: httpx.AsyncClient, tenant_a: World
) -> None:
    admin = tenant_a.headers(Role.TENANT_ADMIN)

    def flow(text: str) -> dict[str, Any]:
        nodes = {"hi": {"type": "say", "text": text, "next": "bye"}, "bye": {"type": "hangup"}}
        definition = {"name": "big", "start": "hi", "nodes": nodes}
        return {"name": "big", "definition": definition}

    small = await small_client.post("/api/flows", json=flow("hello"), headers=admin)
    assert small.status_code == 201, small.text
    big = await small_client.post("/api/flows", json=flow("a" * 3000), headers=admin)
    assert big.status_code == 413, big.text
    error = big.json()
    assert error["error_id"] == "flow-too-large"
    assert "flow definition" in error["message"] and "2048 bytes" in error["message"]
    changed = await small_client.patch(
        f"/api/flows/{small.json()['id']}",
        json={"definition": flow("a" * 3000)["definition"]},
        headers=admin,
    )
    assert changed.status_code == 413 and changed.json()["error_id"] == "flow-too-large"
    versions = await small_client.get(f"/api/flows/{small.json()['id']}/versions", headers=admin)
    assert len(versions.json()) == 1  # nothing of the refused definition was stored


def test_defaults_are_small_for_json_and_larger_for_csv(tmp_path: Path) -> None:
    settings = load_settings({"data_dir": tmp_path, "secret_key": SECRET}, create_secret=False)
    assert settings.login_body_max_bytes == 16384
    assert settings.json_body_max_bytes == 1024 * 1024
    assert settings.csv_body_max_bytes == 5 * 1024 * 1024
    assert settings.flow_definition_max_bytes == 512 * 1024
