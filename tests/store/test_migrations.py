"""The hand-written migration builds exactly the schema the models declare, on both backends."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from seatline.store.db import Database
from seatline.store.migrate import MIGRATIONS_DIR, current_revision, upgrade
from seatline.store.models import Base


async def _assert_upgrade_matches_models(url: str) -> None:
    database = Database(url)
    try:
        assert await current_revision(database) is None
        await upgrade(database)
        head = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
        assert await current_revision(database) == head
        async with database.engine.connect() as connection:
            differences = await connection.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata)
            )
        assert differences == []
        await upgrade(database)  # running again is a no-op
        assert await current_revision(database) == head
    finally:
        await database.dispose()


async def test_sqlite_upgrade_from_empty_matches_models(tmp_path: Path) -> None:
    await _assert_upgrade_matches_models(f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")


@pytest.fixture
def empty_pg_url(new_pg_database: Callable[[], str]) -> str:
    return new_pg_database()


@pytest.mark.postgres
async def test_postgres_upgrade_from_empty_matches_models(empty_pg_url: str) -> None:
    await _assert_upgrade_matches_models(empty_pg_url)


def test_migrations_ship_inside_the_package() -> None:
    assert (MIGRATIONS_DIR / "env.py").is_file()
    assert list((MIGRATIONS_DIR / "versions").glob("0001_*.py"))
    assert MIGRATIONS_DIR.parent.name == "store"
