"""The `seatline` command: assembles the sub-command modules onto one Typer app."""

from seatline.cli import db, simulate, staffing, tls, up  # noqa: F401  (each registers its commands)
from seatline.cli.app import app


def main() -> None:
    """Run the `seatline` command."""
    app()


__all__ = ["app", "main"]
