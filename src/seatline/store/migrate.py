"""Run the Alembic migrations shipped inside the package (they work from an installed wheel)."""

from __future__ import annotations

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


async def upgrade(database: Database, revision: str = "head") -> None:
    """Bring the schema up to `revision` (default: the newest)."""
    async with database.engine.begin() as connection:
        await connection.run_sync(lambda sync: command.upgrade(_config(sync), revision))


async def downgrade(database: Database, revision: str) -> None:
    """Take the schema back to `revision` (undoing newer migrations)."""
    async with database.engine.begin() as connection:
        await connection.run_sync(lambda sync: command.downgrade(_config(sync), revision))


async def current_revision(database: Database) -> str | None:
    """Return the schema revision the database is at, or None when it was never migrated."""
    async with database.engine.connect() as connection:
        return await connection.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )
