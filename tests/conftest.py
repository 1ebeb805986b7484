"""Shared fixtures: a migrated database on each backend (SQLite file, PostgreSQL server)."""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

from seatline.store.db import Database
from seatline.store.migrate import upgrade

PG_SERVER = os.environ.get("SEATLINE_TEST_PG", "postgresql+asyncpg://postgres@127.0.0.1:5432")
TEST_SECRET_KEY = "seatline-tests-secret-key-" + "0" * 16  # seals trunk passwords in tests


async def pg_admin(statement: str) -> None:
    """Run one statement on the server's `test` database (CREATE/DROP DATABASE)."""
    import asyncpg

    dsn = PG_SERVER.replace("postgresql+asyncpg", "postgresql") + "/test"
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture(scope="session")
def new_pg_database() -> Iterator[Callable[[], str]]:
    """A function creating an empty PostgreSQL database (dropped after the session)."""
    created: list[str] = []

    def create() -> str:
        name = f"seatline_test_{os.getpid()}_{secrets.token_hex(4)}"
        asyncio.run(pg_admin(f'CREATE DATABASE "{name}"'))
        created.append(name)
        return f"{PG_SERVER}/{name}"

    yield create
    for name in created:
        asyncio.run(pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def postgres_url(new_pg_database: Callable[[], str]) -> str:
    """A PostgreSQL database for this test session, migrated once."""
    url = new_pg_database()

    async def migrate() -> None:
        database = Database(url)
        await upgrade(database)
        await database.dispose()

    asyncio.run(migrate())
    return url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "seatline.db"

    async def migrate() -> None:
        database = Database(f"sqlite+aiosqlite:///{path}")
        await upgrade(database)
        await database.dispose()

    asyncio.run(migrate())
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    """The URL of a migrated copy of the SQLite template or of the session's PostgreSQL database."""
    if request.param == "sqlite":
        path = tmp_path / "seatline.db"
        shutil.copyfile(sqlite_template, path)
        return f"sqlite+aiosqlite:///{path}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    """A migrated database on each backend; tests keep apart by using their own tenants."""
    db = Database(database_url, secret_key=TEST_SECRET_KEY)  # trunk passwords need a key
    yield db
    await db.dispose()


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep argon2, with tiny costs, so tests don't spend seconds hashing passwords."""
    from argon2 import PasswordHasher

    from seatline.store import users

    monkeypatch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
