"""Pydantic shapes of every API body: inputs forbid unknown fields, outputs never carry secrets.

Patch bodies are derived from create bodies by `patch_of`, so a rule written once holds for both.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
import zoneinfo
from enum import StrEnum
from typing import Annotated, Any, Optional

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    create_model,
    field_validator,
    model_validator,
)

from seatline.routing.expr import compile_requirement
from seatline.store.enums import QueueStrategy, Role, TrunkDirection
from seatline.store.numbering import normalize_number

__all__ = [
    "AgentCreate",
    "AgentRead",
    "BusinessHoursCreate",
    "BusinessHoursRead",
    "CodeCreate",
    "CodeRead",
    "FlowCreate",
    "FlowRead",
    "HolidayCreate",
    "HolidayRead",
    "Input",
    "LoginBody",
    "NotReadyBody",
    "NumberCreate",
    "NumberPatch",
    "NumberRead",
    "Output",
    "QueueCreate",
    "QueueRead",
    "SeatsRead",
    "SkillCreate",
    "SkillRead",
    "TenantCreate",
    "TenantRead",
    "TrunkCreate",
    "TrunkRead",
    "UserCreate",
    "UserRead",
    "patch_of",
]


class Input(BaseModel):
    """Base of request bodies: unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


class Output(BaseModel):
    """Base of response bodies, read from ORM rows."""

    model_config = ConfigDict(from_attributes=True)


def patch_of(create: type[Input]) -> type[Input]:
    """Return a body class with the fields and constraints of `create`, each optional."""
    fields: dict[str, Any] = {}
    for name, info in create.model_fields.items():
        kind: Any = info.annotation
        if info.metadata:
            kind = Annotated[(kind, *info.metadata)]
        fields[name] = (Optional[kind], None)  # noqa: UP045 - built at runtime
    return create_model(create.__name__.replace("Create", "Patch"), __base__=Input, **fields)


def _time_zone(value: str) -> str:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {value!r}") from None
    return value


def _skill_expression(value: str) -> str:
    # The routing engine's own parser, so a queue never stores a requirement it can't run.
    value = value.strip()
    if value:
        compile_requirement(value)  # raises RequirementSyntaxError, a ValueError
    return value


_DIAL_PREFIX = re.compile(r"\+?[0-9]{1,15}")


def _dial_prefix(value: str) -> str:
    if not _DIAL_PREFIX.fullmatch(value):
        raise ValueError(
            f"a dial prefix is 1 to 15 digits with an optional leading '+' (like '+49' or '00'),"
            f" not {value!r}"
        )
    return value


def _dial_pattern(value: str) -> str:
    if not re.fullmatch(r"\+?[0-9]{1,15}\*?", value):
        raise ValueError(
            f"a dial pattern is a number or a prefix ending in '*' (like '+4930*'), not {value!r}"
        )
    return value


_HOST = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,253}[A-Za-z0-9])?|\[[0-9A-Fa-f:.]{2,45}\]")


def _unique_prefixes(values: list[str]) -> list[str]:
    # A repeated prefix is harmless but surely a typo; keep the first of each, in order.
    return list(dict.fromkeys(values))


Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Label = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")]
Domain = Annotated[
    str,
    StringConstraints(to_lower=True, max_length=253, pattern=r"^[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?$"),
]
TimeZone = Annotated[str, AfterValidator(_time_zone)]
Password = Annotated[str, StringConstraints(min_length=8, max_length=128)]
Extension = Annotated[str, StringConstraints(pattern=r"^[0-9]{2,10}$")]
Seconds = Annotated[int, Field(ge=0, le=86400)]
Capacity = Annotated[int, Field(ge=0, le=100)]
DisplayName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Code = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]
DialledNumber = Annotated[str, AfterValidator(normalize_number)]
DialPrefix = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_dial_prefix)]
DialPrefixes = Annotated[list[DialPrefix], Field(max_length=100), AfterValidator(_unique_prefixes)]
DialPattern = Annotated[
    str, StringConstraints(strip_whitespace=True), AfterValidator(_dial_pattern)
]
DialPatterns = Annotated[list[DialPattern], Field(max_length=200), AfterValidator(_unique_prefixes)]
SkillExpression = Annotated[
    str, StringConstraints(max_length=500), AfterValidator(_skill_expression)
]
ClockTime = Annotated[str, StringConstraints(pattern=r"^(?:[01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$")]
Username = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z0-9._-]{1,100}@[a-z0-9-]{1,63}$", max_length=200)
]


class TenantCreate(Input):
    """A new tenant."""

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    slug: Slug
    time_zone: TimeZone = "UTC"
    seat_count: Annotated[int, Field(ge=0, le=100_000)] = 0
    sip_domain: Domain
    dial_allowed: DialPatterns = Field(default_factory=list)  # transfers out: empty = none
    dial_denied: DialPatterns = Field(default_factory=list)


class TenantRead(Output):
    """A tenant as the API shows it."""

    id: uuid.UUID
    name: str
    slug: str
    time_zone: str
    seat_count: int
    sip_domain: str
    dial_allowed: list[str]
    dial_denied: list[str]


class SeatsRead(Output):
    """Seat usage of the caller's tenant."""

    seat_count: int
    logged_in: int
    available: int


class UserCreate(Input):
    """A new user; the username ends with @ and the tenant's slug."""

    username: Username
    password: Password
    role: Role
    display_name: Label = ""
    agent_id: uuid.UUID | None = None
    active: bool = True


class UserRead(Output):
    """A user without its password hash."""

    id: uuid.UUID
    tenant_id: uuid.UUID
    username: str
    role: Role
    display_name: str
    agent_id: uuid.UUID | None
    active: bool


class SkillLevel(Input):
    """An agent's level in one skill."""

    skill_id: uuid.UUID
    level: Annotated[int, Field(ge=1, le=10)]


class SkillLevelRead(Output):
    """An agent's level in one skill."""

    skill_id: uuid.UUID
    level: int


class AgentCreate(Input):
    """A new agent; the SIP password is turned into HA1 values and not kept."""

    extension: Extension
    display_name: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)
    ]
    sip_password: Password
    skills: list[SkillLevel] = Field(default_factory=list, max_length=100)
    max_voice: Capacity = 1
    max_chat: Capacity = 3
    max_email: Capacity = 5
    max_sms: Capacity = 5


class AgentRead(Output):
    """An agent without its digest secrets."""

    id: uuid.UUID
    tenant_id: uuid.UUID
    extension: str
    display_name: str
    skills: list[SkillLevelRead]
    max_voice: int
    max_chat: int
    max_email: int
    max_sms: int
    logged_in: bool
    logged_in_at: dt.datetime | None
    ready: bool
    not_ready_reason: str | None
    state_changed_at: dt.datetime | None


class NotReadyBody(Input):
    """Why the agent pauses: one of the tenant's reason codes."""

    # Any short text, not the Code pattern: an unknown code gets the store's answer naming it.
    reason: Name


class SkillCreate(Input):
    """A new skill."""

    name: Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")]
    description: Annotated[str, StringConstraints(max_length=500)] = ""


class SkillRead(Output):
    """A skill."""

    id: uuid.UUID
    name: str
    description: str


class OverflowAction(StrEnum):
    """What a queue does with a contact that waited too long."""

    QUEUE = "queue"
    FLOW = "flow"
    VOICEMAIL = "voicemail"
    CALLBACK = "callback"
    NUMBER = "number"
    HANGUP = "hangup"


class OverflowStep(Input):
    """After `after_seconds` of waiting, do `action` towards `target`."""

    after_seconds: Seconds
    action: OverflowAction
    target: Annotated[str, StringConstraints(max_length=200)] | None = None


def _steps_in_order(steps: list[OverflowStep]) -> list[OverflowStep]:
    times = [step.after_seconds for step in steps]
    if times != sorted(times):
        raise ValueError("overflow steps must be ordered by after_seconds")
    return steps


class QueueCreate(Input):
    """A new queue."""

    name: Name
    strategy: QueueStrategy = QueueStrategy.LONGEST_IDLE
    skill_expression: SkillExpression = ""
    service_level_seconds: Seconds = 20
    max_wait_seconds: Seconds | None = None
    max_length: Annotated[int, Field(ge=1, le=100_000)] | None = None
    wrapup_seconds: Seconds = 0
    offer_timeout_seconds: Annotated[int, Field(ge=1, le=600)] = 20
    overflow: Annotated[list[OverflowStep], AfterValidator(_steps_in_order)] = Field(
        default_factory=list, max_length=20
    )


class QueueRead(Output):
    """A queue."""

    id: uuid.UUID
    name: str
    strategy: QueueStrategy
    skill_expression: str
    service_level_seconds: int
    max_wait_seconds: int | None
    max_length: int | None
    wrapup_seconds: int
    offer_timeout_seconds: int
    overflow: list[dict[str, Any]]


class FlowCreate(Input):
    """A new contact flow; the definition is checked by api.flows.validate_definition."""

    name: Name
    definition: dict[str, Any] = Field(default_factory=dict)


class FlowRead(Output):
    """A contact flow and the number of its current version."""

    id: uuid.UUID
    name: str
    definition: dict[str, Any]
    version: int


class NumberCreate(Input):
    """A number assigned to the tenant, starting a flow."""

    number: DialledNumber
    flow_id: uuid.UUID
    description: Label = ""


class NumberPatch(Input):
    """What a tenant may change on its number (the digits are the operator's to assign)."""

    flow_id: uuid.UUID | None = None
    description: Label | None = None


class NumberRead(Output):
    """A number."""

    id: uuid.UUID
    tenant_id: uuid.UUID
    number: str
    flow_id: uuid.UUID
    description: str


class WeeklyRange(Input):
    """Open from `start` to `end` (HH:MM, tenant time zone) on `weekday` (0 = Monday)."""

    weekday: Annotated[int, Field(ge=0, le=6)]
    start: ClockTime
    end: ClockTime

    @model_validator(mode="after")
    def _start_before_end(self) -> WeeklyRange:
        if self.start >= self.end:
            raise ValueError("start must be before end")
        return self


class BusinessHoursCreate(Input):
    """A weekly opening schedule."""

    name: Name
    ranges: list[WeeklyRange] = Field(default_factory=list, max_length=100)


class BusinessHoursRead(Output):
    """A weekly opening schedule."""

    id: uuid.UUID
    name: str
    ranges: list[dict[str, Any]]


class HolidayCreate(Input):
    """A closed day."""

    date: dt.date
    name: Label = ""


class HolidayRead(Output):
    """A closed day."""

    id: uuid.UUID
    date: dt.date
    name: str


class CodeCreate(Input):
    """A reason code or disposition code."""

    code: Code
    label: Label = ""


class CodeRead(Output):
    """A reason code or disposition code."""

    id: uuid.UUID
    code: str
    label: str


class TrunkCreate(Input):
    """A carrier trunk; the password is write-only."""

    name: Name
    direction: TrunkDirection
    match_source: Annotated[str, StringConstraints(max_length=255)] | None = None
    match_username: Annotated[str, StringConstraints(max_length=128)] | None = None
    outbound_host: Annotated[str, StringConstraints(max_length=255)] | None = None
    outbound_port: Annotated[int, Field(ge=1, le=65535)] = 5060
    username: Annotated[str, StringConstraints(max_length=128)] | None = None
    password: Annotated[str, StringConstraints(max_length=256)] | None = None
    # Dialled numbers starting with one of these leave through this trunk (outbound only).
    outbound_prefixes: DialPrefixes = Field(default_factory=list)
    # Operator only: other tenants that may dial out through this trunk.
    shared_with: list[uuid.UUID] = Field(default_factory=list, max_length=1000)

    @field_validator("outbound_host")
    @classmethod
    def _host_name(cls, value: str | None) -> str | None:
        # The host lands in Request-URIs: a name or an IP literal, never URI syntax.
        if value is not None and not _HOST.fullmatch(value):
            raise ValueError(f"{value!r} is not a host name or IP address")
        return value

    @model_validator(mode="after")
    def _usable(self) -> TrunkCreate:
        inbound = self.direction in (TrunkDirection.INBOUND, TrunkDirection.BOTH)
        outbound = self.direction in (TrunkDirection.OUTBOUND, TrunkDirection.BOTH)
        if inbound and not (self.match_source or self.match_username):
            raise ValueError("an inbound trunk needs match_source or match_username")
        if outbound and not self.outbound_host:
            raise ValueError("an outbound trunk needs outbound_host")
        return self


class TrunkRead(Output):
    """A trunk without its password."""

    id: uuid.UUID
    name: str
    direction: TrunkDirection
    match_source: str | None
    match_username: str | None
    outbound_host: str | None
    outbound_port: int
    username: str | None
    outbound_prefixes: list[str]
    shared_with: list[str]


class LoginBody(Input):
    """Username and password."""

    username: Annotated[str, StringConstraints(max_length=200)]
    password: Annotated[str, StringConstraints(max_length=128)]
