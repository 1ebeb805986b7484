"""The `seatline up` command: migrate, optionally seed the demo, then run the node.

Everything the node writes is private to its user: the umask is set to 077 before anything is
created (the database with its WAL, the secret key, recordings, voicemail, directories), and a
data directory made by an older version or by hand is tightened at start (files 0600,
directories 0700), with one log line saying how many paths changed.
"""

from __future__ import annotations

import asyncio
import logging
import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from seatline.cli.app import app
from seatline.config import ConfigError, HostPort, Settings, load_settings
from seatline.service import Service, ServiceFailed, run_services

if TYPE_CHECKING:
    from seatline.store.db import Database

__all__ = ["extra_services", "make_private", "private_umask", "settings_from_flags", "up"]

log = logging.getLogger(__name__)


def private_umask() -> None:
    """Make every file this process creates from now on 0600 and every directory 0700."""
    os.umask(0o077)


def make_private(data_dir: Path) -> int:
    """Take group and other permissions off everything under `data_dir`; return the count."""
    changed = 0
    paths = [data_dir, *data_dir.rglob("*")] if data_dir.is_dir() else []
    for path in paths:
        try:
            info = path.lstat()
            if stat.S_ISLNK(info.st_mode) or not info.st_mode & 0o077:
                continue  # a link's target is not ours to change; already private
            path.chmod(0o700 if stat.S_ISDIR(info.st_mode) else 0o600)
            changed += 1
        except OSError as error:
            log.warning("cannot make %s private: %s", path, error.strerror)
    return changed


def extra_services() -> list[Service]:
    """Return the services `seatline up` runs next to the web server: the SIP switch."""
    from seatline.switch_node import run_switch

    return [run_switch]


def settings_from_flags(
    data_dir: Path | None,
    http: str | None,
    sip: str | None,
    config: Path | None,
) -> Settings:
    """Build validated settings from the shared flags; raise ConfigError on a bad value."""
    overrides: dict[str, Any] = {"data_dir": data_dir}
    if http:
        overrides["http_host"], overrides["http_port"] = HostPort.parse(http)
    if sip:
        overrides["sip_host"], overrides["sip_port"] = HostPort.parse(sip)
    return load_settings(overrides, config)


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print a one-line error and return the Exit to raise."""
    typer.echo(f"seatline: {message}", err=True)
    return typer.Exit(code)


DataDirOption = Annotated[
    Path | None, typer.Option("--data-dir", help="Data directory (SQLite, secret key).")
]
ConfigOption = Annotated[
    Path | None, typer.Option("--config", help="TOML settings file (or SEATLINE_CONFIG).")
]


async def _start(settings: Settings, demo: bool) -> None:
    # Imported here so `seatline --help` stays fast.
    from seatline.demo import describe_demo, seed_demo
    from seatline.store.db import Database
    from seatline.store.migrate import upgrade
    from seatline.store.trunks import seal_trunk_passwords

    database = Database(settings.effective_database_url, secret_key=settings.secret_key)
    try:
        await upgrade(database)
        await seal_trunk_passwords(database)  # plaintext an older version left
        if demo:
            created = await seed_demo(database)
            typer.echo(describe_demo(settings) + ("" if created else "\n  (already seeded)"))
        if not await _has_platform_admin(database):
            typer.echo(
                "seatline: nobody can log in yet: create the operator's first login with "
                "`seatline admin create admin@operator` (same --data-dir / --config), "
                "or start with --demo to try Seatline out",
                err=True,
            )

        def ready() -> None:
            typer.echo(f"Seatline is serving {settings.http_url}/ (Ctrl-C to stop)", err=True)

        await run_services(settings, extra_services(), database=database, on_ready=ready)
    finally:
        await database.dispose()


async def _has_platform_admin(database: Database) -> bool:
    from seatline.store.platform import has_platform_admin

    async with database.sessions() as session:
        return await has_platform_admin(session)


@app.command()
def up(
    demo: Annotated[bool, typer.Option("--demo", help="Seed the demo tenant.")] = False,
    data_dir: DataDirOption = None,
    http: Annotated[
        str | None, typer.Option("--http", help="Web server HOST:PORT (127.0.0.1:8080).")
    ] = None,
    sip: Annotated[
        str | None, typer.Option("--sip", help="SIP switch HOST:PORT (127.0.0.1:5060).")
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Start Seatline: database migrations, web server and API, SIP switch."""
    private_umask()  # before the settings: they may create the data dir and the secret key
    try:
        settings = settings_from_flags(data_dir, http, sip, config)
    except ConfigError as exc:
        raise fail(str(exc)) from None
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    changed = make_private(settings.data_dir)
    if changed:
        log.warning(
            "made %d files and directories in %s private (0600 / 0700)",
            changed,
            settings.data_dir,
        )
    from seatline.switch import install_uvloop

    install_uvloop()
    try:
        asyncio.run(_start(settings, demo))
    except ServiceFailed as exc:
        raise fail(f"stopped: {exc}", 1) from None
    except OSError as exc:
        raise fail(f"cannot start: {exc}", 1) from None
    except Exception as exc:  # a database that can't be reached, a broken migration …
        from sqlalchemy.exc import SQLAlchemyError

        if isinstance(exc, SQLAlchemyError):
            raise fail(f"database error: {str(exc).splitlines()[0]}", 1) from None
        raise
