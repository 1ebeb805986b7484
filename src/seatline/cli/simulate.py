"""The `seatline simulate` command: run a scenario file through the real routing engine."""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from seatline.cli.app import app
from seatline.routing import RoutingError
from seatline.sim import (
    Scenario,
    ScenarioError,
    SimulationReport,
    load_scenario,
    parse_duration,
    simulate,
)
from seatline.sim.sweep import SweepPoint, parse_range, sweep

__all__ = ["simulate_command"]


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print a one-line error to stderr and return the Exit to raise."""
    typer.echo(f"seatline: {message}", err=True)
    return typer.Exit(code)


def _queue_table(report: SimulationReport, title: str) -> Table:
    # Light borders and short headers: ten columns must fit an 80-column terminal.
    table = Table(title=title, box=box.SIMPLE_HEAVY, padding=0)
    table.add_column("queue")
    for header in ("offered", "answered", "abandon", "SL", "target", "ASA", "AHT", "occup."):
        table.add_column(header, justify="right")
    table.add_column("longest", justify="right")
    for name, q in report.queues.items():
        table.add_row(
            name,
            str(q.offered),
            str(q.answered),
            str(q.abandoned),
            f"{q.service_level:.1%}",
            f"{q.target:g}s",
            f"{q.asa:.1f}s",
            f"{q.aht:.0f}s",
            f"{q.occupancy:.1%}",
            f"{q.longest_wait:.0f}s",
        )
    return table


def _sweep_table(points: list[SweepPoint]) -> Table:
    table = Table(title="What-if: agents on the floor")
    table.add_column("agents", justify="right")
    table.add_column("queue")
    for header in ("offered", "SL", "ASA s", "abandoned", "occupancy"):
        table.add_column(header, justify="right")
    for point in points:
        for i, (name, q) in enumerate(point.report.queues.items()):
            table.add_row(
                str(point.agents) if i == 0 else "",
                name,
                str(q.offered),
                f"{q.service_level:.1%}",
                f"{q.asa:.1f}",
                f"{q.abandon_rate:.1%}",
                f"{q.occupancy:.1%}",
            )
    return table


def _write_chart(points: list[SweepPoint], path: Path) -> None:
    """Service level and abandonment per queue against the agent count, as a PNG."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.ticker import MaxNLocator
    except ImportError:
        raise fail("--chart needs matplotlib: pip install 'seatline[charts]'") from None
    agents = [p.agents for p in points]
    figure, (top, bottom) = plt.subplots(2, 1, sharex=True, figsize=(7, 6))
    for name in points[0].report.queues:
        top.plot(agents, [p.report.queues[name].service_level for p in points], "o-", label=name)
        bottom.plot(agents, [p.report.queues[name].abandon_rate for p in points], "o-", label=name)
    top.set_ylabel("service level")
    top.set_ylim(0, 1.02)
    top.grid(True, alpha=0.3)
    top.legend()
    bottom.set_ylabel("abandoned")
    bottom.set_xlabel("agents")
    bottom.grid(True, alpha=0.3)
    bottom.xaxis.set_major_locator(MaxNLocator(integer=True))
    figure.suptitle("Seatline what-if sweep")
    try:
        figure.savefig(path, dpi=100)
    except OSError as exc:
        raise fail(f"cannot write chart {str(path)!r}: {exc.strerror or exc}") from None
    finally:
        plt.close(figure)


def _with_warmup(scenario: Scenario, text: str) -> Scenario:
    try:
        seconds = parse_duration(text)
    except ValueError as exc:
        raise ScenarioError(str(exc), "warmup") from None
    if seconds >= scenario.duration:
        raise ScenarioError("must be shorter than 'duration'", "warmup")
    return replace(scenario, warmup=seconds)


def _json(report: SimulationReport) -> dict[str, Any]:
    return report.to_dict()


@app.command("simulate")
def simulate_command(
    scenario_path: Annotated[Path, typer.Argument(metavar="SCENARIO", help="Scenario YAML.")],
    json_output: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    seed: Annotated[int | None, typer.Option(help="Override the scenario's seed.")] = None,
    agents: Annotated[
        str | None, typer.Option(help="What-if sweep over agent counts, e.g. 20:30 or 20:40:5.")
    ] = None,
    chart: Annotated[Path | None, typer.Option(help="Write a PNG chart of the sweep.")] = None,
    warmup: Annotated[
        str | None, typer.Option(help="Override the warm-up (e.g. 30m): not reported.")
    ] = None,
) -> None:
    """Simulate a scenario with the real routing engine and report per queue."""
    console = Console(stderr=True)
    show_progress = not json_output and sys.stdout.isatty()
    try:
        scenario = load_scenario(scenario_path)
        if warmup is not None:
            scenario = _with_warmup(scenario, warmup)
        counts = parse_range(agents) if agents else None
    except ScenarioError as exc:
        raise fail(f"{scenario_path}: {exc}") from None
    try:
        _run(scenario, scenario_path, counts, seed, chart, json_output, show_progress, console)
    except RoutingError as exc:  # a configuration the engine refuses at run time
        raise fail(f"{scenario_path}: routing engine: {exc}") from None


def _run(
    scenario: Scenario,
    scenario_path: Path,
    counts: list[int] | None,
    seed: int | None,
    chart: Path | None,
    json_output: bool,
    show_progress: bool,
    console: Console,
) -> None:
    """Simulate once or sweep, then print the table or JSON (and write the chart)."""
    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        console=console,
        disable=not show_progress,
        transient=True,
    ) as bar:
        if counts is None and chart is None:
            task = bar.add_task("simulating", total=1.0)
            report = simulate(scenario, seed, lambda done: bar.update(task, completed=done))
            points = None
        else:
            counts = counts or [scenario.total_agents]
            task = bar.add_task("sweeping", total=len(counts))
            points = sweep(scenario, counts, seed, lambda done, _: bar.update(task, completed=done))
    if points is None:
        if json_output:
            typer.echo(json.dumps(_json(report)))
        else:
            title = f"{scenario_path.name}: {scenario.total_agents} agents, seed {report.seed}"
            Console().print(_queue_table(report, title))
        return
    if chart is not None:
        _write_chart(points, chart)
    if json_output:
        typer.echo(json.dumps({"sweep": [{"agents": p.agents, **_json(p.report)} for p in points]}))
    else:
        Console().print(_sweep_table(points))
        if chart is not None:
            Console().print(f"chart written to {chart}")
