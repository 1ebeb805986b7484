"""`seatline staffing`: JSON figures, the Rich table, Erlang A with patience, and errors."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from seatline.cli import app

runner = CliRunner()


def test_json_for_the_worked_example() -> None:
    # 100 calls / 30 min = 200 per hour, AHT 180 s, 80 % in 20 s → 14 agents (see test_erlang).
    args = ["staffing", "--rate-per-hour", "200", "--aht", "180", "--target-seconds", "20"]
    result = runner.invoke(app, [*args, "--service-level", "0.8", "--shrinkage", "0.3", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["model"] == "erlang_c"
    assert data["agents"] == 14 and data["scheduled_agents"] == 20
    assert data["service_level"] == pytest.approx(0.88835, abs=5e-6)
    assert data["load"] == pytest.approx(10.0)


def test_patience_switches_to_erlang_a() -> None:
    args = ["staffing", "--rate-per-hour", "360", "--aht", "180", "--patience", "120"]
    data = json.loads(runner.invoke(app, [*args, "--agents", "20", "--json"]).stdout)
    assert data["model"] == "erlang_a" and data["agents"] == 20
    assert 0 < data["abandonment"] < 0.1


def test_abandonment_cap() -> None:
    args = ["staffing", "--rate-per-hour", "360", "--aht", "180", "--patience", "120"]
    data = json.loads(runner.invoke(app, [*args, "--max-abandonment", "0.01", "--json"]).stdout)
    assert data["abandonment"] <= 0.01
    looser = json.loads(runner.invoke(app, [*args, "--max-abandonment", "0.05", "--json"]).stdout)
    assert looser["agents"] < data["agents"]


def test_overloaded_erlang_c_has_null_asa() -> None:
    args = ["staffing", "--rate-per-hour", "360", "--aht", "180", "--agents", "15", "--json"]
    data = json.loads(runner.invoke(app, args).stdout)
    assert data["asa"] is None and data["service_level"] == 0.0


def test_table_highlights_the_answer() -> None:
    result = runner.invoke(app, ["staffing", "--rate-per-hour", "200", "--aht", "180"])
    assert result.exit_code == 0, result.output
    assert "Erlang C" in result.stdout and "14" in result.stdout


def test_bad_numbers_are_a_clear_error() -> None:
    result = runner.invoke(app, ["staffing", "--rate-per-hour", "200", "--aht", "0"])
    assert result.exit_code == 2
    assert "handle time" in result.stderr
