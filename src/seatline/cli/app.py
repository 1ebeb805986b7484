"""The root Typer application that every `seatline` sub-command registers on."""

import typer

import seatline

app = typer.Typer(
    name="seatline",
    help="Seatline: an open-source cloud call center.",
    no_args_is_help=True,
    add_completion=False,
)


@app.callback()
def root() -> None:
    """Seatline: an open-source cloud call center."""


@app.command()
def version() -> None:
    """Print the Seatline version."""
    typer.echo(f"seatline {seatline.__version__}")
