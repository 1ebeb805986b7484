"""`seatline simulate`: JSON shape, the what-if sweep, the chart, and scenario errors."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from seatline.cli import app

runner = CliRunner()

SCENARIO = """
seed: 7
duration: 2h
queues:
  - name: sales
    service_level_target: 20
arrivals:
  - queue: sales
    rate_per_hour: 360
handle_time: {distribution: exponential, mean: 180}
patience: {distribution: exponential, mean: 120}
agents:
  - count: 20
    skills: {sales: 5}
"""


def _write(tmp_path: Path, text: str = SCENARIO) -> Path:
    path = tmp_path / "center.yaml"
    path.write_text(text)
    return path


def test_json_output_shape(tmp_path: Path) -> None:
    result = runner.invoke(app, ["simulate", str(_write(tmp_path)), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    sales = data["queues"]["sales"]
    for key in ("offered", "answered", "abandoned", "service_level", "asa", "aht", "occupancy"):
        assert key in sales
    assert sales["answered"] + sales["abandoned"] <= sales["offered"]
    assert data["seed"] == 7


def test_seed_option_changes_the_run(tmp_path: Path) -> None:
    path = str(_write(tmp_path))
    first = json.loads(runner.invoke(app, ["simulate", path, "--json"]).stdout)
    again = json.loads(runner.invoke(app, ["simulate", path, "--json", "--seed", "7"]).stdout)
    other = json.loads(runner.invoke(app, ["simulate", path, "--json", "--seed", "8"]).stdout)
    assert first == again
    assert other["queues"] != first["queues"] and other["seed"] == 8


def test_warmup_override(tmp_path: Path) -> None:
    path = str(_write(tmp_path))
    full = json.loads(runner.invoke(app, ["simulate", path, "--json"]).stdout)
    late = json.loads(runner.invoke(app, ["simulate", path, "--json", "--warmup", "1h"]).stdout)
    assert late["warmup"] == 3600
    assert late["queues"]["sales"]["offered"] < full["queues"]["sales"]["offered"]
    bad = runner.invoke(app, ["simulate", path, "--warmup", "3h"])
    assert bad.exit_code == 2 and "warmup" in bad.stderr


def test_table_output(tmp_path: Path) -> None:
    result = runner.invoke(app, ["simulate", str(_write(tmp_path))])
    assert result.exit_code == 0, result.output
    assert "sales" in result.stdout and "offered" in result.stdout


def test_sweep_table_json_and_chart(tmp_path: Path) -> None:
    path = str(_write(tmp_path))
    chart = tmp_path / "sweep.png"
    result = runner.invoke(app, ["simulate", path, "--agents", "18:20", "--chart", str(chart)])
    assert result.exit_code == 0, result.output
    assert "What-if" in result.stdout and "18" in result.stdout and "20" in result.stdout
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    data = json.loads(runner.invoke(app, ["simulate", path, "--agents", "18:20", "--json"]).stdout)
    assert [p["agents"] for p in data["sweep"]] == [18, 19, 20]
    levels = [p["queues"]["sales"]["service_level"] for p in data["sweep"]]
    assert levels[0] < levels[-1]


def test_bad_scenario_is_a_clear_error(tmp_path: Path) -> None:
    path = _write(tmp_path, SCENARIO.replace("rate_per_hour: 360", "rate_per_hour: lots"))
    result = runner.invoke(app, ["simulate", str(path), "--json"])
    assert result.exit_code == 2
    assert "arrivals.0.rate_per_hour" in result.stderr
    missing = runner.invoke(app, ["simulate", str(tmp_path / "nope.yaml")])
    assert missing.exit_code == 2 and "cannot read" in missing.stderr
    bad_range = runner.invoke(app, ["simulate", str(_write(tmp_path)), "--agents", "9:3"])
    assert bad_range.exit_code == 2 and "agent range" in bad_range.stderr
    nowhere = str(tmp_path / "no" / "such" / "dir.png")
    bad_chart = runner.invoke(app, ["simulate", str(_write(tmp_path)), "--chart", nowhere])
    assert bad_chart.exit_code == 2 and "cannot write chart" in bad_chart.stderr
