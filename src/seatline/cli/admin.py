"""The `seatline admin` commands: the operator's first login on a fresh installation."""

from __future__ import annotations

import asyncio
import os
from typing import Annotated

import typer

from seatline.cli.app import app
from seatline.cli.up import (
    ConfigOption,
    DataDirOption,
    fail,
    private_umask,
    settings_from_flags,
)
from seatline.config import ConfigError, Settings

__all__ = ["PASSWORD_ENV", "admin"]

PASSWORD_ENV = "SEATLINE_ADMIN_PASSWORD"

admin = typer.Typer(help="Platform administrators.", no_args_is_help=True)
app.add_typer(admin, name="admin")


async def _create(settings: Settings, username: str, password: str) -> None:
    from seatline.store.db import Database
    from seatline.store.migrate import upgrade
    from seatline.store.platform import create_platform_admin

    database = Database(settings.effective_database_url)
    try:
        await upgrade(database)
        async with database.transaction() as session:
            await create_platform_admin(session, username, password)
    finally:
        await database.dispose()


@admin.command("create")
def create(
    username: Annotated[str, typer.Argument(help="name@slug, e.g. admin@operator.")],
    data_dir: DataDirOption = None,
    config: ConfigOption = None,
) -> None:
    """Create a platform admin (the password is asked for, or read from SEATLINE_ADMIN_PASSWORD)."""
    from seatline.store.errors import StoreError

    private_umask()  # it may create the data dir, the database and the secret key
    try:
        settings = settings_from_flags(data_dir, None, None, config)
    except ConfigError as exc:
        raise fail(str(exc)) from None
    password = os.environ.get(PASSWORD_ENV) or typer.prompt(
        "Password", hide_input=True, confirmation_prompt=True
    )
    try:
        asyncio.run(_create(settings, username, password))
    except StoreError as exc:
        raise fail(exc.message, 2 if exc.status == 422 else 1) from None
    typer.echo(f"Platform admin {username} created; log in at {settings.http_url}/")
