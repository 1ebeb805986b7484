"""The database handle: one async engine and its session factory per process.

Opened with the node's `secret_key`, it carries the `SecretBox` that seals trunk passwords in
every session's `info` (see `store.secret_box`); without one, a trunk password can be neither
written nor read.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry

from seatline.store.secret_box import SESSION_KEY, SecretBox

__all__ = ["Database"]


def _create_private_file(url: str) -> None:
    """Create a missing SQLite file as 0600 (its WAL and journal files take its mode)."""
    path = sa.engine.make_url(url).database
    if not path or path == ":memory:" or path.startswith("file:"):
        return
    try:
        # An empty file is an empty database to SQLite; O_EXCL leaves an existing one alone.
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
    except OSError:
        return  # a missing directory: SQLite reports it when it connects


def _sqlite_pragmas(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    # SQLite ignores foreign keys unless asked per connection; WAL lets readers run during writes.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


class Database:
    """An async engine plus a session factory; `transaction()` is the unit of work."""

    def __init__(self, url: str, *, secret_key: str | None = None, **engine_options: Any) -> None:
        self.url = url
        self.engine: AsyncEngine = create_async_engine(url, **engine_options)
        if self.is_sqlite:
            # The file holds HA1s, trunk passwords and leads: never world-readable.
            _create_private_file(url)
            sa.event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self.secret_box = SecretBox(secret_key) if secret_key else None
        self.sessions = async_sessionmaker(
            self.engine, expire_on_commit=False, info={SESSION_KEY: self.secret_box}
        )

    @property
    def is_sqlite(self) -> bool:
        """Tell whether this is the embedded SQLite backend."""
        return self.engine.dialect.name == "sqlite"

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """Yield a session inside one transaction: committed on success, rolled back on error."""
        async with self.sessions() as session, session.begin():
            yield session

    async def ping(self) -> bool:
        """Return True when the database answers a trivial query."""
        try:
            async with self.engine.connect() as connection:
                await connection.execute(sa.text("SELECT 1"))
        except Exception:
            return False
        return True

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()
