"""The `seatline staffing` command: Erlang C / Erlang A staffing from the command line."""

from __future__ import annotations

import json
import math
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from seatline.cli.app import app
from seatline.stats import StatsError
from seatline.stats.erlang import Forecast, agents_needed, forecast, scheduled_agents

__all__ = ["staffing"]


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print a one-line error to stderr and return the Exit to raise."""
    typer.echo(f"seatline: {message}", err=True)
    return typer.Exit(code)


def _number(value: float) -> float | None:
    """JSON has no infinity: an unbounded figure (overloaded ASA) becomes null."""
    return value if math.isfinite(value) else None


def _as_dict(
    f: Forecast, rate_per_hour: float, aht: float, target: float, shrinkage: float
) -> dict[str, Any]:
    return {
        "model": f.model,
        "rate_per_hour": rate_per_hour,
        "aht": aht,
        "target_seconds": target,
        "load": f.load,
        "agents": f.agents,
        "shrinkage": shrinkage,
        "scheduled_agents": scheduled_agents(f.agents, shrinkage),
        "probability_of_wait": f.probability_of_wait,
        "service_level": f.service_level,
        "asa": _number(f.asa),
        "abandonment": f.abandonment,
        "occupancy": f.occupancy,
    }


def _table(rows: list[Forecast], chosen: int, target: float, shrinkage: float) -> Table:
    model = "Erlang A (callers hang up)" if rows[0].model == "erlang_a" else "Erlang C"
    table = Table(title=f"Staffing — {model}, load {rows[0].load:.2f} Erlangs")
    for header in ("agents", "scheduled", "P(wait)", f"SL {target:g}s", "ASA s", "abandon"):
        table.add_column(header, justify="right")
    table.add_column("occupancy", justify="right")
    for f in rows:
        style = "bold green" if f.agents == chosen else None
        asa = f"{f.asa:.1f}" if math.isfinite(f.asa) else "∞"
        table.add_row(
            str(f.agents),
            str(scheduled_agents(f.agents, shrinkage)),
            f"{f.probability_of_wait:.1%}",
            f"{f.service_level:.1%}",
            asa,
            f"{f.abandonment:.1%}",
            f"{f.occupancy:.1%}",
            style=style,
        )
    return table


@app.command()
def staffing(
    rate_per_hour: Annotated[float, typer.Option(help="Contacts offered per hour.")],
    aht: Annotated[float, typer.Option(help="Average handle time (talk + wrap-up), seconds.")],
    target_seconds: Annotated[float, typer.Option(help="Service-level answer target.")] = 20.0,
    service_level: Annotated[
        float | None, typer.Option(help="Share to answer within the target, e.g. 0.8.")
    ] = None,
    max_asa: Annotated[float | None, typer.Option(help="Longest acceptable ASA, seconds.")] = None,
    max_abandonment: Annotated[
        float | None, typer.Option(help="Highest acceptable share of callers hanging up.")
    ] = None,
    patience: Annotated[
        float | None, typer.Option(help="Mean caller patience, seconds (Erlang A); none = C.")
    ] = None,
    shrinkage: Annotated[float, typer.Option(help="Share of paid time off the phones.")] = 0.0,
    agents: Annotated[int | None, typer.Option(help="Evaluate this many agents instead.")] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """How many agents a queue needs (Erlang C, or Erlang A with --patience)."""
    rate = rate_per_hour / 3600.0
    try:
        if agents is not None:
            chosen = forecast(agents, rate, aht, target_seconds, patience)
        else:
            targets = (service_level, max_asa, max_abandonment)
            goal = 0.8 if all(t is None for t in targets) else service_level
            chosen = agents_needed(
                rate,
                aht,
                target_seconds,
                service_level=goal,
                max_asa=max_asa,
                max_abandonment=max_abandonment,
                patience=patience,
            )
        result = _as_dict(chosen, rate_per_hour, aht, target_seconds, shrinkage)
        if json_output:
            typer.echo(json.dumps(result))
            return
        low = max(1, chosen.agents - 2)
        rows = [forecast(n, rate, aht, target_seconds, patience) for n in range(low, low + 6)]
    except StatsError as exc:
        raise fail(str(exc)) from None
    Console().print(_table(rows, chosen.agents, target_seconds, shrinkage))
