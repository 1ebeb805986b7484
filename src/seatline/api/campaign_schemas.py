"""Pydantic shapes of the campaign API, and the dialer's own check of a campaign's settings.

A campaign is checked twice at the edge: Pydantic gives each field a clear message, then
`domain_config` builds the dialer's `CampaignConfig` (and the AMD tuning), so a campaign the
dialer would refuse is never stored.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Mapping
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, Field, StringConstraints, model_validator

from seatline.api.schemas import Code, Input, Label, Name, Output
from seatline.dialer import (
    AttemptOutcome,
    CallingWindow,
    CampaignConfig,
    ConfigError,
    DialMode,
    LeadState,
    RetryRule,
)
from seatline.dialer.amd import AmdConfig
from seatline.dialer.config import default_retries
from seatline.store.errors import InvalidInput

__all__ = [
    "AbandonmentRead",
    "AgentIdsBody",
    "AttemptRead",
    "CampaignCreate",
    "CampaignRead",
    "CampaignSummaryRead",
    "CurrentCallRead",
    "DispositionBody",
    "DncBody",
    "DncRead",
    "LeadImportRead",
    "LeadRead",
    "PreviewRead",
    "RetryOutcome",
    "domain_config",
]

MINUTES_PER_DAY = 24 * 60
MAX_RING_SECONDS = 600.0
MAX_SPACING_SECONDS = 90 * 86400.0
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class RetryOutcome(StrEnum):
    """The attempt outcomes a retry rule can be set for (a connected call is never retried)."""

    BUSY = AttemptOutcome.BUSY.value
    NO_ANSWER = AttemptOutcome.NO_ANSWER.value
    FAILED = AttemptOutcome.FAILED.value
    MACHINE = AttemptOutcome.MACHINE.value
    ABANDONED = AttemptOutcome.ABANDONED.value


class RetryBody(Input):
    """Retry after `spacing` seconds while this outcome happened fewer than `max_attempts` times."""

    max_attempts: Annotated[int, Field(ge=0, le=100)]
    spacing: Annotated[float, Field(ge=0, le=MAX_SPACING_SECONDS, allow_inf_nan=False)]


def _weekdays(values: list[int]) -> list[int]:
    return sorted(set(values))


def _plain_text(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("must not contain control characters")
    return value


Minute = Annotated[int, Field(ge=0, le=MINUTES_PER_DAY)]
IsoWeekday = Annotated[int, Field(ge=1, le=7)]
FieldName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    AfterValidator(_plain_text),
]
AmdValue = bool | int | float | str


class CampaignCreate(Input):
    """A new outbound campaign; every field but the name has the dialer's default."""

    name: Annotated[Name, AfterValidator(_plain_text)]
    mode: DialMode = DialMode.PREDICTIVE
    caller_id: Annotated[
        str, StringConstraints(strip_whitespace=True, max_length=64), AfterValidator(_plain_text)
    ] = ""
    caller_name: Annotated[Label, AfterValidator(_plain_text)] = ""
    abandon_cap: Annotated[float, Field(gt=0, lt=1)] = 0.03
    ring_timeout: Annotated[float, Field(ge=15, le=MAX_RING_SECONDS)] = 25.0
    max_wait_for_agent: Annotated[float, Field(ge=0, le=2)] = 2.0
    max_attempts: Annotated[int, Field(ge=1, le=100)] = 6
    retries: Annotated[dict[RetryOutcome, RetryBody], Field(max_length=len(RetryOutcome))] = Field(
        default_factory=dict
    )
    window_start: Minute = 9 * 60
    window_end: Minute = 21 * 60
    window_days: Annotated[
        list[IsoWeekday], Field(min_length=1, max_length=7), AfterValidator(_weekdays)
    ] = Field(default_factory=lambda: [1, 2, 3, 4, 5, 6])
    wrap_up_seconds: Annotated[float, Field(ge=0, le=3600)] = 30.0
    require_consent: bool = False
    lead_fields: Annotated[list[FieldName], Field(max_length=200)] = Field(default_factory=list)
    amd: Annotated[
        dict[Annotated[str, StringConstraints(max_length=64)], AmdValue], Field(max_length=50)
    ] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _window_not_empty(self) -> CampaignCreate:
        if self.window_start >= self.window_end:
            raise ValueError(
                "window_start must be before window_end (minutes after local midnight)"
            )
        if len(set(self.lead_fields)) != len(self.lead_fields):
            raise ValueError("lead_fields must not repeat a name")
        return self


def domain_config(values: Mapping[str, Any]) -> CampaignConfig:
    """Build the dialer's config of a campaign (validated values), or raise InvalidInput."""
    try:
        retries = dict(default_retries())
        for outcome, rule in (values.get("retries") or {}).items():
            retries[AttemptOutcome(str(outcome))] = RetryRule(
                int(rule["max_attempts"]), float(rule["spacing"])
            )
        window = CallingWindow(
            int(values["window_start"]),
            int(values["window_end"]),
            frozenset(int(day) for day in values["window_days"]),
        )
        config = CampaignConfig(
            name=str(values["name"]),
            mode=DialMode(values["mode"]),
            abandon_cap=float(values["abandon_cap"]),
            max_wait_for_agent=float(values["max_wait_for_agent"]),
            ring_timeout=float(values["ring_timeout"]),
            max_attempts=int(values["max_attempts"]),
            retries=retries,
            window=window,
        )
        AmdConfig.from_overrides(dict(values.get("amd") or {}))
    except ConfigError as exc:
        raise InvalidInput(str(exc), {"reason": str(exc)}) from None
    return config


class RetryRead(Output):
    """A campaign's retry rule for one outcome."""

    max_attempts: int
    spacing: float


class CampaignRead(Output):
    """A campaign as the API shows it."""

    id: uuid.UUID
    name: str
    mode: DialMode
    active: bool
    caller_id: str
    caller_name: str
    abandon_cap: float
    ring_timeout: float
    max_wait_for_agent: float
    max_attempts: int
    retries: dict[str, RetryRead]
    window_start: int
    window_end: int
    window_days: list[int]
    wrap_up_seconds: float
    require_consent: bool
    lead_fields: list[str]
    amd: dict[str, Any]
    revision: int
    created_at: dt.datetime


class AgentIdsBody(Input):
    """The agents who take the campaign's calls (replaces the previous set)."""

    agent_ids: Annotated[list[uuid.UUID], Field(max_length=10_000)]


class RowErrorRead(Output):
    """A lead CSV record that was not imported: the line it starts on and why."""

    line: int
    reason: str


class LeadImportRead(Output):
    """What a CSV import did: leads added, pending leads updated, records refused by line.

    `skipped` counts rows naming a lead the dialer already works on or finished (left as is).
    """

    added: int
    updated: int
    skipped: int
    errors: list[RowErrorRead]


class LeadRead(Output):
    """A lead and its history in the campaign."""

    id: uuid.UUID
    external_id: str
    number: str
    timezone: str
    fields: dict[str, str]
    state: LeadState
    attempts: int
    outcomes: dict[str, int]
    due_at: dt.datetime | None
    callback_at: dt.datetime | None
    last_dial_at: dt.datetime | None
    disposition: str | None
    created_at: dt.datetime


class AttemptRead(Output):
    """One dial attempt of a campaign, as recorded."""

    id: uuid.UUID
    campaign_id: uuid.UUID
    campaign_name: str
    lead_id: uuid.UUID
    number: str
    call_id: str
    sip_call_id: str
    started_at: dt.datetime
    answered_at: dt.datetime | None
    bridged_at: dt.datetime | None
    ended_at: dt.datetime | None
    sip_status: int | None
    result: str | None
    outcome: str | None
    amd_result: str | None
    amd_confidence: float | None
    amd_seconds: float | None
    agent_id: uuid.UUID | None
    wait_seconds: float | None
    talk_seconds: float | None
    disposition: str | None
    consent: bool | None
    callback_at: dt.datetime | None
    dispositioned_at: dt.datetime | None
    recording_path: str | None
    end_reason: str


class AbandonmentRead(Output):
    """Live answers in (since, until] and how many of them were abandoned, against the cap."""

    since: dt.datetime
    until: dt.datetime
    live_answered: int
    abandoned: int
    rate: float
    cap: float


class CampaignSummaryRead(Output):
    """A campaign's figures: leads by state, attempts by outcome, AMD, abandonment, talk."""

    campaign_id: uuid.UUID
    campaign_name: str
    leads: dict[str, int]
    leads_total: int
    attempts: dict[str, int]  # by outcome; "open" for attempts with none yet
    attempts_total: int
    amd: dict[str, int]  # by verdict
    amd_mean_seconds: float | None
    abandonment: AbandonmentRead
    connects: int
    mean_talk_seconds: float | None
    mean_wait_seconds: float | None
    dispositions: dict[str, int]


class LeadCard(Output):
    """What the agent's screen shows of the lead on the line."""

    id: uuid.UUID
    external_id: str
    number: str
    fields: dict[str, str]
    attempts: int


class CampaignCard(Output):
    """What the agent's screen shows of the campaign of the call."""

    id: uuid.UUID
    name: str
    require_consent: bool


class CurrentCallRead(Output):
    """The agent's current campaign call: the attempt, its lead and its campaign."""

    attempt: AttemptRead
    lead: LeadCard
    campaign: CampaignCard


class DispositionBody(Input):
    """How the call ended for the lead; `consent` is required when the campaign asks for it."""

    code: Code
    consent: bool | None = None
    callback_at: dt.datetime | None = None


class DncBody(Input):
    """A number nobody may call (from this tenant, or from the platform)."""

    number: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]
    reason: Annotated[Label, AfterValidator(_plain_text)] = ""


class DncRead(Output):
    """An entry of a do-not-call list."""

    number: str
    reason: str
    added_at: dt.datetime


class PreviewRead(Output):
    """What was announced to the dialer for a previewed lead."""

    campaign_id: uuid.UUID
    lead_id: uuid.UUID
    agent_id: uuid.UUID
    action: str
