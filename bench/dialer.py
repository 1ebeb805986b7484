"""Benchmark of outbound dialing: prints one JSON line of figures (fixed seed).

The standard scenario of issue 6 (`seatline.sim.campaign_scenario.standard_scenario`): 50
agents for 8 hours; per dial 12 % a person answers after 4–16 s, 20 % a machine after 6–18 s,
8 % busy after 3 s, the rest rings out at 25 s; talk lognormal mean 90 s sd 60 s; wrap-up
10 s. Every mode meets the same sequence of dial fates (common random numbers).

* manual: agents key each number (8 s), wait through the ringing, listen 5 s to machines;
* preview, progressive, predictive: the real `seatline.dialer.Campaign` in virtual time.

For each mode: connects_per_agent_hour, occupancy (talk + wrap-up with persons ÷ staffed
time) and abandon_rate (persons abandoned ÷ persons answered); predictive_vs_manual is the
ratio of connects per agent-hour. A progress bar goes to stderr when it is a terminal.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from typing import Any

from rich.progress import Progress

from seatline.dialer import DialMode
from seatline.sim.campaign import simulate_campaign
from seatline.sim.campaign_report import CampaignReport
from seatline.sim.campaign_scenario import standard_scenario
from seatline.sim.manual import simulate_manual

SEED = 20261129
MODES = ("manual", "preview", "progressive", "predictive")


def run_mode(mode: str, progress: Callable[[float], None] | None) -> CampaignReport:
    """One 8-hour run of the standard scenario in `mode`."""
    scenario = standard_scenario()
    if mode == "manual":
        return simulate_manual(scenario, seed=SEED, progress=progress)
    return simulate_campaign(scenario, DialMode(mode), seed=SEED, progress=progress)


def main() -> None:
    """Run every mode and print one JSON line."""
    figures: dict[str, Any] = {}
    reports: dict[str, CampaignReport] = {}
    started = time.perf_counter()
    with Progress(transient=True, disable=not sys.stderr.isatty()) as bar:
        for mode in MODES:
            task = bar.add_task(mode, total=1.0)

            def advance(share: float, task: Any = task) -> None:
                bar.update(task, completed=share)

            reports[mode] = run_mode(mode, advance)
            figures[mode] = reports[mode].to_dict()
    ratio = (
        reports["predictive"].connects_per_agent_hour / reports["manual"].connects_per_agent_hour
    )
    figures["predictive_vs_manual"] = round(ratio, 3)
    scenario = standard_scenario()
    figures["agents"] = scenario.agents
    figures["hours"] = scenario.duration / 3600
    figures["seed"] = SEED
    figures["wall_seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
