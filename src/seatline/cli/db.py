"""The `seatline db` commands: run and inspect the schema migrations."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from seatline.cli.app import app
from seatline.cli.up import ConfigOption, DataDirOption, fail, settings_from_flags
from seatline.config import ConfigError, Settings

__all__ = ["db"]

db = typer.Typer(help="Database schema: migrations.", no_args_is_help=True)
app.add_typer(db, name="db")


def _settings(data_dir: DataDirOption, config: ConfigOption) -> Settings:
    try:
        return settings_from_flags(data_dir, None, None, config)
    except ConfigError as exc:
        raise fail(str(exc)) from None


async def _upgrade(settings: Settings, revision: str) -> str | None:
    from seatline.store.db import Database
    from seatline.store.migrate import current_revision, upgrade

    database = Database(settings.effective_database_url)
    try:
        await upgrade(database, revision)
        return await current_revision(database)
    finally:
        await database.dispose()


async def _current(settings: Settings) -> str | None:
    from seatline.store.db import Database
    from seatline.store.migrate import current_revision

    database = Database(settings.effective_database_url)
    try:
        return await current_revision(database)
    finally:
        await database.dispose()


@db.command()
def upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
    data_dir: DataDirOption = None,
    config: ConfigOption = None,
) -> None:
    """Migrate the database schema to the newest revision (or REVISION)."""
    settings = _settings(data_dir, config)
    try:
        now = asyncio.run(_upgrade(settings, revision))
    except Exception as exc:
        raise fail(f"migration failed: {str(exc).splitlines()[0]}", 1) from None
    typer.echo(f"database at revision {now}")


@db.command()
def current(data_dir: DataDirOption = None, config: ConfigOption = None) -> None:
    """Print the schema revision of the database."""
    settings = _settings(data_dir, config)
    try:
        revision = asyncio.run(_current(settings))
    except Exception as exc:
        raise fail(f"cannot read the database: {str(exc).splitlines()[0]}", 1) from None
    typer.echo(revision or "empty (never migrated)")
