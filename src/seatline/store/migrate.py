"""Run the Alembic migrations shipped inside the package (they work from an installed wheel)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection

from seatline.store.db import Database

__all__ = ["MIGRATIONS_DIR", "current_revision", "downgrade", "upgrade"]

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def _config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


async def _migrate(database: Database, step: Callable[[Connection], None]) -> None:
    """Run one Alembic command in a transaction, with SQLite's foreign keys off meanwhile."""
    async with database.engine.connect() as connection:
        if database.is_sqlite:
            # A batch migration copies a table and drops the old one; with foreign keys on,
            # that drop cascades into every row pointing at it (a tenant's agents, users...).
            # SQLite honours this pragma only outside a transaction, so it comes first.
            await connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        try:
            await connection.run_sync(step)
            await connection.commit()
        finally:
            if database.is_sqlite:
                await connection.exec_driver_sql("PRAGMA foreign_keys=ON")


async def upgrade(database: Database, revision: str = "head") -> None:
    """Bring the schema up to `revision` (default: the newest)."""
    await _migrate(database, lambda sync: command.upgrade(_config(sync), revision))


async def downgrade(database: Database, revision: str) -> None:
    """Take the schema back to `revision` (undoing newer migrations)."""
    await _migrate(database, lambda sync: command.downgrade(_config(sync), revision))


async def current_revision(database: Database) -> str | None:
    """Return the schema revision the database is at, or None when it was never migrated."""
    async with database.engine.connect() as connection:
        return await connection.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )
