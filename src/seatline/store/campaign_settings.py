"""A campaign's settings: which there are, and the checks a whole or partial set must pass.

The store checks each value itself, so nothing malformed is stored whoever writes it; the API
also checks the whole campaign against the dialer's own configuration.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from seatline.dialer import AttemptOutcome, CallingWindow, ConfigError, DialMode
from seatline.dialer.amd import AmdConfig
from seatline.dialer.config import MIN_RING_SECONDS
from seatline.store.errors import InvalidInput
from seatline.store.models import Campaign

__all__ = ["CAMPAIGN_FIELDS", "RETRY_OUTCOMES", "clean_campaign", "window_defaults"]

CAMPAIGN_FIELDS = frozenset(
    {
        "name",
        "mode",
        "active",
        "caller_id",
        "caller_name",
        "abandon_cap",
        "ring_timeout",
        "max_wait_for_agent",
        "max_attempts",
        "retries",
        "window_start",
        "window_end",
        "window_days",
        "wrap_up_seconds",
        "require_consent",
        "lead_fields",
        "amd",
    }
)
#: The outcomes a campaign may give its own retry rule (a connected lead is not retried).
RETRY_OUTCOMES = frozenset(o.value for o in AttemptOutcome if o is not AttemptOutcome.CONNECTED)


def _bad(field_name: str, message: str) -> InvalidInput:
    return InvalidInput(f"{field_name}: {message}", {"field": field_name})


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _default(name: str) -> Any:
    default = Campaign.__table__.c[name].default
    if default is None:
        return None
    arg = default.arg
    return arg(None) if callable(arg) else arg


def window_defaults() -> dict[str, Any]:
    """The calling window a new campaign gets when its settings name none."""
    return {name: _default(name) for name in ("window_start", "window_end", "window_days")}


def _check_text(values: Mapping[str, Any]) -> None:
    for name in ("name", "mode", "caller_id", "caller_name"):
        if name not in values:
            continue
        value = values[name]
        if not isinstance(value, str):
            raise _bad(name, "must be text")
        length = Campaign.__table__.c[name].type.length  # type: ignore[attr-defined]
        if len(value) > length:
            raise _bad(name, f"is longer than {length} characters")
    if "name" in values and not values["name"].strip():
        raise _bad("name", "may not be empty")
    if "mode" in values and values["mode"] not in {mode.value for mode in DialMode}:
        raise _bad("mode", f"must be one of {', '.join(mode.value for mode in DialMode)}")


def _check_numbers(values: Mapping[str, Any]) -> None:
    for name in ("active", "require_consent"):
        if name in values and not isinstance(values[name], bool):
            raise _bad(name, "must be true or false")
    for name in ("abandon_cap", "ring_timeout", "max_wait_for_agent", "wrap_up_seconds"):
        if name in values and not _is_number(values[name]):
            raise _bad(name, "must be a number")
    for name in ("max_attempts", "window_start", "window_end"):
        if name in values and not _is_int(values[name]):
            raise _bad(name, "must be a whole number")
    if "abandon_cap" in values and not 0 < values["abandon_cap"] < 1:
        raise _bad("abandon_cap", "must be between 0 and 1 (exclusive)")
    if "ring_timeout" in values and values["ring_timeout"] < MIN_RING_SECONDS:
        raise _bad("ring_timeout", f"must be at least {MIN_RING_SECONDS:g} seconds")
    if "max_wait_for_agent" in values and not 0 <= values["max_wait_for_agent"] <= 2:
        raise _bad("max_wait_for_agent", "must be between 0 and 2 seconds")
    if "wrap_up_seconds" in values and values["wrap_up_seconds"] < 0:
        raise _bad("wrap_up_seconds", "may not be negative")
    if "max_attempts" in values and values["max_attempts"] < 1:
        raise _bad("max_attempts", "must be at least 1")


def _check_retries(retries: Any) -> None:
    if not isinstance(retries, Mapping):
        raise _bad("retries", "must map outcomes to retry rules")
    for outcome, rule in retries.items():
        if outcome not in RETRY_OUTCOMES:
            raise _bad("retries", f"{outcome!r} is not one of {', '.join(sorted(RETRY_OUTCOMES))}")
        if not isinstance(rule, Mapping) or set(rule) != {"max_attempts", "spacing"}:
            raise _bad("retries", f"the rule of {outcome!r} needs max_attempts and spacing")
        if not _is_int(rule["max_attempts"]) or rule["max_attempts"] < 0:
            raise _bad("retries", f"max_attempts of {outcome!r} must be a whole number >= 0")
        if not _is_number(rule["spacing"]) or rule["spacing"] < 0:
            raise _bad("retries", f"spacing of {outcome!r} must be seconds >= 0")


def _check_window(start: int, end: int, days: Any) -> None:
    if not isinstance(days, list | tuple) or not all(_is_int(day) for day in days):
        raise _bad("window_days", "must be a list of ISO weekdays (1 Monday … 7 Sunday)")
    if len(set(days)) != len(days):
        raise _bad("window_days", "names a weekday twice")
    try:
        CallingWindow(start, end, frozenset(days))
    except ConfigError as exc:
        field_name = "window_days" if "weekday" in str(exc) else "window_start"
        raise _bad(field_name, str(exc)) from None


def _check_amd(amd: Any) -> None:
    if not isinstance(amd, Mapping) or not all(isinstance(name, str) for name in amd):
        raise _bad("amd", "must map AMD setting names to values")
    try:
        AmdConfig.from_overrides(amd)
    except (ConfigError, TypeError) as exc:
        raise _bad("amd", str(exc)) from None


def clean_campaign(values: Mapping[str, Any], current: Mapping[str, Any]) -> dict[str, Any]:
    """Check `values` (a whole or partial campaign) against `current`; return them stored-ready."""
    unknown = sorted(set(values) - CAMPAIGN_FIELDS)
    if unknown:
        raise InvalidInput(f"unknown campaign fields: {', '.join(unknown)}", {"fields": unknown})
    for name, value in values.items():
        if value is None:
            raise InvalidInput(f"{name} may not be null", {"field": name})
    _check_text(values)
    _check_numbers(values)
    if "retries" in values:
        _check_retries(values["retries"])
    if "amd" in values:
        _check_amd(values["amd"])
    if "lead_fields" in values:
        lead_fields = values["lead_fields"]
        if not isinstance(lead_fields, list | tuple) or not all(
            isinstance(name, str) for name in lead_fields
        ):
            raise _bad("lead_fields", "must be a list of column names")
    if {"window_start", "window_end", "window_days"} & set(values):
        merged = {**current, **values}
        _check_window(merged["window_start"], merged["window_end"], merged["window_days"])
    clean = dict(values)
    # Enum members and tuples would come back from the database as plain strings and lists.
    if "mode" in clean:
        clean["mode"] = str(clean["mode"])
    for name in ("window_days", "lead_fields"):
        if name in clean:
            clean[name] = list(clean[name])
    if "retries" in clean:
        clean["retries"] = {str(key): dict(rule) for key, rule in clean["retries"].items()}
    if "amd" in clean:
        clean["amd"] = {str(key): value for key, value in clean["amd"].items()}
    return clean
