"""Settings: flags over environment over TOML; a bad value is one clear line, not a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from typer.testing import CliRunner

from seatline.cli import app
from seatline.config import ConfigError, HostPort, load_settings
from seatline.store.migrate import MIGRATIONS_DIR


@pytest.fixture(autouse=True)
def no_outside_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests start from a clean environment."""
    import os

    for key in list(os.environ):
        if key.startswith("SEATLINE_"):
            monkeypatch.delenv(key)


def test_defaults(tmp_path: Path) -> None:
    settings = load_settings({"data_dir": tmp_path})
    assert (settings.http_host, settings.http_port) == ("127.0.0.1", 8080)
    assert (settings.sip_host, settings.sip_port) == ("127.0.0.1", 5060)
    assert settings.effective_database_url == f"sqlite+aiosqlite:///{tmp_path / 'seatline.db'}"
    assert settings.secret_key and len(settings.secret_key) >= 32
    assert load_settings({"data_dir": tmp_path}).secret_key == settings.secret_key  # kept


def test_flags_beat_environment_which_beats_the_toml_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "seatline.toml"
    config.write_text('http_port = 9001\nsip_port = 5070\nlog_level = "DEBUG"\n')
    monkeypatch.setenv("SEATLINE_CONFIG", str(config))
    monkeypatch.setenv("SEATLINE_SIP_PORT", "5080")
    settings = load_settings({"data_dir": tmp_path, "http_port": None})
    assert (settings.http_port, settings.sip_port, settings.log_level) == (9001, 5080, "debug")
    settings = load_settings({"data_dir": tmp_path, "sip_port": 5090})
    assert settings.sip_port == 5090


@pytest.mark.parametrize(
    ("env", "value", "message"),
    [
        ("SEATLINE_HTTP_PORT", "eighty", "invalid setting http_port (SEATLINE_HTTP_PORT)"),
        ("SEATLINE_SIP_PORT", "70000", "invalid setting sip_port (SEATLINE_SIP_PORT)"),
        ("SEATLINE_DATABASE_URL", "mysql://x", "must start with sqlite+aiosqlite://"),
        ("SEATLINE_LOG_LEVEL", "loud", "invalid setting log_level"),
        ("SEATLINE_RTP_PORT_MIN", "30001", "rtp_port_min must not exceed rtp_port_max"),
    ],
)
def test_bad_values_are_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, env: str, value: str, message: str
) -> None:
    monkeypatch.setenv(env, value)
    with pytest.raises(ConfigError) as caught:
        load_settings({"data_dir": tmp_path})
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_unknown_key_in_the_toml_file(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text("http_prot = 1\n")
    with pytest.raises(ConfigError, match="http_prot"):
        load_settings({"data_dir": tmp_path}, config)
    config.write_text("http_port = \n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings({"data_dir": tmp_path}, config)


def test_host_port_parsing() -> None:
    assert HostPort.parse("0.0.0.0:80") == ("0.0.0.0", 80)
    assert HostPort.parse("[::1]:5060") == ("::1", 5060)
    for bad in ("localhost", ":80", "host:port", "host:99999"):
        with pytest.raises(ConfigError):
            HostPort.parse(bad)


def test_up_with_a_bad_flag_prints_one_line_and_exits_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["up", "--data-dir", str(tmp_path), "--http", "nowhere"])
    assert result.exit_code == 2
    assert result.output.strip() == "seatline: expected HOST:PORT, got 'nowhere'"


def test_db_upgrade_and_current(tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["db", "current", "--data-dir", str(tmp_path)]).output.startswith(
        "empty"
    )
    result = runner.invoke(app, ["db", "upgrade", "--data-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    head = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()  # the newest migration
    assert result.output.strip() == f"database at revision {head}"
    assert runner.invoke(app, ["db", "current", "--data-dir", str(tmp_path)]).output.strip() == head
