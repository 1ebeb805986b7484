"""run_services: the web server and extra services start together and stop together."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
from pathlib import Path

import httpx
import pytest

from seatline.config import Settings, load_settings
from seatline.service import ServiceFailed, run_services
from seatline.store.db import Database
from seatline.store.migrate import upgrade


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
async def node(tmp_path: Path) -> tuple[Settings, Database]:
    """Settings on a free port and a migrated SQLite database."""
    settings = load_settings({"data_dir": tmp_path, "http_port": free_port()})
    database = Database(settings.effective_database_url)
    await upgrade(database)
    return settings, database


async def _healthy(settings: Settings) -> bool:
    url = f"http://127.0.0.1:{settings.http_port}/healthz"
    async with httpx.AsyncClient() as client:
        for _ in range(100):
            try:
                return (await client.get(url)).json()["status"] == "ok"
            except httpx.TransportError:
                await asyncio.sleep(0.05)
    return False


async def test_sigterm_stops_the_web_server_and_cancels_every_service(
    node: tuple[Settings, Database],
) -> None:
    settings, database = node
    seen: list[str] = []

    async def long_running(got: Settings, db: Database) -> None:
        assert (got, db) == (settings, database)
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            seen.append("cancelled")
            raise

    async def terminator(got: Settings, db: Database) -> None:
        seen.append(f"healthy={await _healthy(got)}")
        os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.Event().wait()

    await asyncio.wait_for(
        run_services(settings, [long_running, terminator], database=database), timeout=20
    )
    assert seen[0] == "healthy=True" and "cancelled" in seen
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", settings.http_port), 1):
        pass
    await database.dispose()


async def test_a_failing_service_stops_the_node(node: tuple[Settings, Database]) -> None:
    settings, database = node

    async def broken(got: Settings, db: Database) -> None:
        await _healthy(got)
        raise RuntimeError("switch could not bind")

    with pytest.raises(ServiceFailed, match="switch could not bind"):
        await asyncio.wait_for(run_services(settings, [broken], database=database), timeout=20)
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", settings.http_port), 1):
        pass
    await database.dispose()
