"""Seatline settings: one validated object built from flags, environment and a TOML file.

Precedence, highest first: command-line flags, `SEATLINE_*` environment variables, the TOML file
(`--config FILE` or `SEATLINE_CONFIG`), then the defaults below. Everything is validated once at
start; a bad value becomes a one-line `ConfigError`, never a traceback. This module knows nothing
about the database, the API or the switch.
"""

from __future__ import annotations

import os
import secrets
import tomllib
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

__all__ = ["ConfigError", "HostPort", "Settings", "default_data_dir", "load_settings"]

ENV_PREFIX = "SEATLINE_"
SECRET_KEY_FILE = "secret_key"

# The TOML file for the Settings() call in progress; a ContextVar so concurrent loads never mix.
_toml_file: ContextVar[Path | None] = ContextVar("seatline_toml_file", default=None)


class ConfigError(Exception):
    """A setting is missing, malformed or out of range; the message is one line for a human."""


def default_data_dir() -> Path:
    """Return the default data directory: $XDG_DATA_HOME/seatline or ~/.local/share/seatline."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "seatline"


class HostPort:
    """Parse `HOST:PORT` (IPv6 as `[::1]:5060`) into its parts."""

    @staticmethod
    def parse(text: str) -> tuple[str, int]:
        """Split `HOST:PORT`; raise ConfigError naming the bad text."""
        host, sep, port_text = text.rpartition(":")
        if not sep or not host or not port_text.isdigit():
            raise ConfigError(f"expected HOST:PORT, got {text!r}")
        port = int(port_text)
        if not 0 <= port <= 65535:
            raise ConfigError(f"port out of range in {text!r}")
        return host.strip("[]"), port


class Settings(BaseSettings):
    """Every knob of a Seatline node; see docs/settings.md for the table."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="forbid", frozen=True)

    http_host: str = Field("127.0.0.1", description="Address the web server (API, pages) binds.")
    http_port: int = Field(8080, ge=0, le=65535, description="Port of the web server.")
    sip_host: str = Field("127.0.0.1", description="Address the SIP switch binds (UDP and TCP).")
    sip_port: int = Field(5060, ge=0, le=65535, description="Port of the SIP switch.")
    rtp_port_min: int = Field(20000, ge=1024, le=65535, description="First RTP port for media.")
    rtp_port_max: int = Field(20999, ge=1024, le=65535, description="Last RTP port for media.")
    data_dir: Path = Field(
        default_factory=default_data_dir,
        description="Directory for the SQLite file, the secret key, recordings.",
    )
    database_url: str | None = Field(
        None,
        description="SQLAlchemy async URL; empty means SQLite at DATA_DIR/seatline.db.",
    )
    log_level: Literal["debug", "info", "warning", "error", "critical"] = Field(
        "info", description="Log level of the process."
    )
    secret_key: str | None = Field(
        None,
        min_length=32,
        description="Key that signs session cookies and tokens; generated into DATA_DIR if empty.",
    )
    session_hours: int = Field(12, ge=1, le=24 * 30, description="Lifetime of a login session.")
    login_max_failures: int = Field(
        5, ge=1, le=1000, description="Failed logins of one account before it is locked."
    )
    login_window_seconds: int = Field(
        300, ge=1, le=86400, description="Window in which failed logins count, and lockout length."
    )
    trunk_refresh_seconds: float = Field(
        5.0, gt=0, le=3600, description="How often the switch checks the store for trunk changes."
    )
    trunk_source_max_prefix_v4: int = Field(
        24, ge=8, le=32, description="Widest IPv4 network an inbound trunk may trust (prefix)."
    )
    trunk_source_max_prefix_v6: int = Field(
        64, ge=16, le=128, description="Widest IPv6 network an inbound trunk may trust (prefix)."
    )
    tls_cert_file: Path | None = Field(
        None,
        description="PEM certificate (chain) for HTTPS and SIP over TLS; with tls_key_file.",
    )
    tls_key_file: Path | None = Field(
        None, description="PEM private key of tls_cert_file; with tls_cert_file."
    )
    sip_tls_port: int | None = Field(
        None,
        ge=0,
        le=65535,
        description="Port of SIP over TLS (on sip_host); empty means 5061 when a certificate "
        "is configured, and no TLS listener without one.",
    )
    metrics_token: str | None = Field(
        None,
        min_length=16,
        description="When set, /metrics wants `Authorization: Bearer <token>`; empty: public.",
    )
    login_body_max_bytes: int = Field(
        16384, ge=256, le=1024 * 1024, description="Largest body of a login or password change."
    )
    json_body_max_bytes: int = Field(
        1024 * 1024, ge=1024, le=64 * 1024 * 1024, description="Largest JSON request body."
    )
    csv_body_max_bytes: int = Field(
        5 * 1024 * 1024,
        ge=1024,
        le=1024 * 1024 * 1024,
        description="Largest CSV import (lead lists, lookup tables).",
    )
    flow_definition_max_bytes: int = Field(
        512 * 1024, ge=1024, le=64 * 1024 * 1024, description="Largest flow definition (JSON)."
    )
    login_address_max_failures: int = Field(
        50,
        ge=1,
        le=100_000,
        description="Failed logins one client address (IPv6: its /64) may make per window.",
    )
    audit_retention_days: int = Field(
        365, ge=1, le=36500, description="How long audit events are kept."
    )
    sip_tcp_idle_seconds: float = Field(
        120.0,
        gt=0,
        le=86400,
        description="A SIP TCP connection silent this long is closed (unless a phone is "
        "registered through it).",
    )
    sip_tcp_message_seconds: float = Field(
        10.0, gt=0, le=3600, description="Time a SIP message over TCP has to arrive whole."
    )
    sip_tcp_max_connections: int = Field(
        1024, ge=1, le=1_000_000, description="SIP TCP connections open at once, in all."
    )
    sip_tcp_max_per_source: int = Field(
        32, ge=1, le=1_000_000, description="SIP TCP connections open at once from one address."
    )
    sip_max_message_bytes: int = Field(
        65535,
        ge=4096,
        le=16 * 1024 * 1024,
        description="Largest SIP message taken over TCP (head and body); longer ones get 513.",
    )
    allow_private_networks: bool = Field(
        False,
        description=(
            "Let tenants' webhooks and trunk hosts reach private and loopback addresses "
            "(a carrier on a private network, a CRM on the premises)."
        ),
    )

    @field_validator("log_level", mode="before")
    @classmethod
    def _lower_log_level(cls, value: Any) -> Any:
        return value.lower() if isinstance(value, str) else value

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        return value

    @model_validator(mode="after")
    def _check_rtp_range(self) -> Settings:
        if self.rtp_port_min > self.rtp_port_max:
            raise ValueError("rtp_port_min must not exceed rtp_port_max")
        if (self.rtp_port_min % 2) or (self.rtp_port_max - self.rtp_port_min) < 1:
            raise ValueError("the RTP range must start on an even port and hold at least one pair")
        return self

    @model_validator(mode="after")
    def _check_tls_pair(self) -> Settings:
        if (self.tls_cert_file is None) != (self.tls_key_file is None):
            missing = "tls_key_file" if self.tls_key_file is None else "tls_cert_file"
            raise ValueError(f"{missing} must be set too: give both TLS files, or neither")
        return self

    @property
    def tls_enabled(self) -> bool:
        """Whether the node serves HTTPS and SIP over TLS (a certificate is configured)."""
        return self.tls_cert_file is not None and self.tls_key_file is not None

    @property
    def sip_tls_listen_port(self) -> int | None:
        """The SIP-over-TLS port to listen on, or None when TLS is off."""
        if not self.tls_enabled:
            return None
        return 5061 if self.sip_tls_port is None else self.sip_tls_port

    @property
    def effective_database_url(self) -> str:
        """Return the configured database URL, or the embedded SQLite file's URL."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.data_dir / 'seatline.db'}"

    @property
    def http_url(self) -> str:
        """Return the base URL a local browser should use."""
        host = "127.0.0.1" if self.http_host in ("0.0.0.0", "::") else self.http_host
        host = f"[{host}]" if ":" in host else host
        scheme = "https" if self.tls_enabled else "http"
        return f"{scheme}://{host}:{self.http_port}"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Flags beat the environment, which beats the TOML file."""
        toml_path = _toml_file.get()
        if toml_path is None:
            return (init_settings, env_settings)
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls, toml_path))


def _describe(error: ValidationError) -> str:
    """Turn the first pydantic error into one line naming the setting and its env var."""
    first = error.errors()[0]
    location = ".".join(str(part) for part in first["loc"])
    if not location:
        return str(first["msg"]).removeprefix("Value error, ")
    message = str(first["msg"])
    if first["type"] == "extra_forbidden":
        message = "unknown setting"
    return f"invalid setting {location} ({ENV_PREFIX}{location.upper()}): {message}"


def _ensure_secret_key(settings: Settings) -> Settings:
    """Create the data dir; return settings whose secret key is set (generated and kept there)."""
    path = settings.data_dir / SECRET_KEY_FILE
    try:
        # 0700: the directory holds the database, the key and recordings (umask may narrow it).
        settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        if settings.secret_key:
            return settings
        if not path.exists():
            # O_EXCL: two nodes starting at once must not overwrite each other's key.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(48))
        key = path.read_text().strip()
    except FileExistsError:
        key = path.read_text().strip()
    except OSError as exc:
        raise ConfigError(
            f"cannot use data directory {settings.data_dir}: {exc.strerror}"
        ) from None
    if len(key) < 32:
        raise ConfigError(f"secret key in {path} is shorter than 32 characters")
    return settings.model_copy(update={"secret_key": key})


def load_settings(
    overrides: dict[str, Any] | None = None,
    config_file: Path | None = None,
    *,
    create_secret: bool = True,
) -> Settings:
    """Build and validate the settings; raise ConfigError with a one-line message."""
    if config_file is None and os.environ.get("SEATLINE_CONFIG"):
        config_file = Path(os.environ["SEATLINE_CONFIG"])
    if config_file is not None:
        if not config_file.is_file():
            raise ConfigError(f"config file not found: {config_file}")
        try:
            tomllib.loads(config_file.read_text())
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"config file {config_file} is not valid TOML: {exc}") from None
    clean = {key: value for key, value in (overrides or {}).items() if value is not None}
    token = _toml_file.set(config_file)
    try:
        settings = Settings(**clean)
    except ValidationError as exc:
        raise ConfigError(_describe(exc)) from None
    finally:
        _toml_file.reset(token)
    _check_tls_files(settings)
    return _ensure_secret_key(settings) if create_secret else settings


def _check_tls_files(settings: Settings) -> None:
    """Load the certificate and key once, so a bad pair stops the start with one line."""
    if settings.tls_cert_file is None or settings.tls_key_file is None:
        return
    import ssl

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        context.load_cert_chain(settings.tls_cert_file, settings.tls_key_file)
    except OSError as exc:
        # ssl.SSLError is an OSError; a missing file has strerror, a bad PEM only its reason.
        why = exc.strerror or getattr(exc, "reason", None) or str(exc)
        raise ConfigError(
            f"invalid setting tls_cert_file ({ENV_PREFIX}TLS_CERT_FILE): cannot load "
            f"{settings.tls_cert_file} with key {settings.tls_key_file}: {why}".replace("\n", " ")
        ) from None
