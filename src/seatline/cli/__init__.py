"""The `seatline` command: assembles the sub-command modules onto one Typer app."""

from seatline.cli import (  # noqa: F401  (each registers its commands)
    admin,
    db,
    simulate,
    staffing,
    tls,
    up,
)
from seatline.cli.app import app


def main() -> None:
    """Run the `seatline` command."""
    app()


__all__ = ["app", "main"]
