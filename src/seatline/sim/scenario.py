"""Scenario files: validated with Pydantic at the edge, handed to the simulator as dataclasses.

This module owns the YAML format (documented in docs/simulation.md) and every check that can
be made before a run. Queues become the routing engine's own `QueueConfig`, so a scenario can
use exactly the rule options of the live configuration. It does not know how runs happen.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from seatline.routing import (
    Channel,
    OverflowAction,
    OverflowStep,
    QueueConfig,
    RoutingError,
    Strategy,
    compile_requirement,
)

from .distributions import Distribution, Kind
from .durations import parse_duration
from .errors import ScenarioError

__all__ = [
    "AgentGroup",
    "ArrivalStream",
    "Interval",
    "Scenario",
    "TraceRow",
    "load_scenario",
    "scenario_from_dict",
]

# ---------------------------------------------------------------------------------------
# The plain objects the simulator works with.


@dataclass(frozen=True, slots=True)
class Interval:
    """A stretch of time [start, end) with a constant Poisson arrival rate."""

    start: float
    end: float
    rate_per_hour: float


@dataclass(frozen=True, slots=True)
class TraceRow:
    """One recorded arrival: when, where, and optionally its real handle time and patience."""

    time: float
    queue: str
    handle_time: float | None = None
    patience: float | None = None


@dataclass(frozen=True, slots=True)
class ArrivalStream:
    """Contacts arriving at one queue: Poisson over `intervals`, or replayed from `trace`."""

    queue: str
    intervals: tuple[Interval, ...] = ()
    trace: tuple[TraceRow, ...] = ()
    channel: Channel = Channel.VOICE
    priority: int = 0
    vip: bool = False
    attributes: Mapping[str, str | int | float | bool] = field(default_factory=dict)
    handle_time: Distribution | None = None  # None: the scenario's
    patience: Distribution | None = None  # None: the scenario's


@dataclass(frozen=True, slots=True)
class AgentGroup:
    """`count` identical agents working one shift."""

    name: str
    count: int
    skills: Mapping[str, int]
    capacity: Mapping[Channel, int]
    shift_start: float = 0.0
    shift_end: float | None = None  # None: until the run ends
    weight: float = 1.0


@dataclass(frozen=True, slots=True)
class Scenario:
    """Everything one simulation run needs."""

    duration: float
    queues: tuple[QueueConfig, ...]
    arrivals: tuple[ArrivalStream, ...]
    handle_time: Distribution
    agents: tuple[AgentGroup, ...]
    patience: Distribution | None = None  # None: callers never hang up
    wrap_up: Mapping[str, Distribution] = field(default_factory=dict)  # queue → wrap-up time
    seed: int | None = None
    warmup: float = 0.0  # contacts arriving before this are not reported
    answer_delay: float = 0.0  # seconds an agent's phone rings before it is answered

    @property
    def total_agents(self) -> int:
        """The number of agents over all groups."""
        return sum(group.count for group in self.agents)


# ---------------------------------------------------------------------------------------
# The edge: what a YAML file may contain.

Duration = Annotated[float, BeforeValidator(parse_duration)]
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_KEYWORDS = {"and", "or", "not", "true", "false", "contact"}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _DistributionIn(_Model):
    distribution: Kind
    mean: Duration
    sd: Duration | None = None

    @model_validator(mode="after")
    def _sd_for_lognormal(self) -> _DistributionIn:
        if self.distribution is Kind.LOGNORMAL and self.sd is None:
            raise ValueError("a lognormal distribution needs 'sd'")
        if self.distribution is Kind.LOGNORMAL and self.mean <= 0:
            raise ValueError("a lognormal distribution needs 'mean' > 0")
        return self

    def build(self) -> Distribution:
        return Distribution(self.distribution, self.mean, self.sd or 0.0)


def _number_is_fixed(value: Any) -> Any:
    if isinstance(value, int | float | str) and not isinstance(value, bool):
        return {"distribution": "fixed", "mean": value}
    return value


_Dist = Annotated[_DistributionIn, BeforeValidator(_number_is_fixed)]


class _IntervalIn(_Model):
    start: Duration
    end: Duration
    rate_per_hour: float = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> _IntervalIn:
        if self.end <= self.start:
            raise ValueError(f"'end' ({self.end} s) must be after 'start' ({self.start} s)")
        return self


class _ArrivalIn(_Model):
    queue: str | None = None
    rate_per_hour: float | list[_IntervalIn] | None = None
    trace: str | None = None
    channel: Channel = Channel.VOICE
    priority: int = 0
    vip: bool = False
    attributes: dict[str, str | int | float | bool] = Field(default_factory=dict)
    handle_time: _Dist | None = None
    patience: _Dist | None = None

    @model_validator(mode="after")
    def _one_source(self) -> _ArrivalIn:
        if (self.rate_per_hour is None) == (self.trace is None):
            raise ValueError("give exactly one of 'rate_per_hour' or 'trace'")
        if self.trace is None and self.queue is None:
            raise ValueError("'queue' is required with 'rate_per_hour'")
        if isinstance(self.rate_per_hour, float) and self.rate_per_hour < 0:
            raise ValueError("'rate_per_hour' must be >= 0")
        return self


class _OverflowIn(_Model):
    after: Duration
    action: OverflowAction
    requirement: str | None = None
    queues: list[str] = Field(default_factory=list)


class _QueueIn(_Model):
    name: str = Field(min_length=1)
    strategy: Strategy = Strategy.LONGEST_IDLE
    requirement: str | None = None
    service_level_target: Duration = 20.0
    max_wait: Duration | None = None
    max_wait_action: OverflowAction = OverflowAction.VOICEMAIL
    max_length: int | None = Field(default=None, ge=0)
    wrap_up: _Dist | None = None
    offer_timeout: Duration = 15.0
    overflow: list[_OverflowIn] = Field(default_factory=list)
    priority_aging_per_second: float = Field(default=0.0, ge=0)
    sticky_timeout: Duration = 0.0
    best_skill: str | None = None
    linear_order: list[str] = Field(default_factory=list)
    no_answer_not_ready: bool = True


class _ShiftIn(_Model):
    start: Duration = 0.0
    end: Duration | None = None


class _AgentsIn(_Model):
    name: str | None = None
    count: int = Field(default=1, ge=0)
    skills: dict[str, int] = Field(default_factory=dict)
    capacity: dict[Channel, int] = Field(default_factory=lambda: {Channel.VOICE: 1})
    shift: _ShiftIn | None = None
    weight: float = Field(default=1.0, gt=0)


class _ScenarioIn(_Model):
    seed: int | None = None
    duration: Duration = Field(gt=0)
    warmup: Duration = 0.0
    answer_delay: Duration = 0.0
    queues: list[_QueueIn] = Field(min_length=1)
    arrivals: list[_ArrivalIn] = Field(min_length=1)
    handle_time: _Dist
    wrap_up: _Dist | None = None
    patience: _Dist | None = None
    agents: list[_AgentsIn] = Field(min_length=1)


# ---------------------------------------------------------------------------------------
# Building the plain objects, with the checks that need the whole scenario.


def _default_requirement(name: str, agents: list[_AgentsIn]) -> str | None:
    """`name > 0` when agents have a skill named after the queue; else everyone may serve it."""
    named = _IDENTIFIER.fullmatch(name) and name not in _KEYWORDS
    if named and any(name in group.skills for group in agents):
        return f"{name} > 0"
    return None


def _check_requirement(text: str | None, where: str) -> None:
    if text is None:
        return
    try:
        compile_requirement(text)
    except RoutingError as exc:
        raise ScenarioError(str(exc), where) from None


def _build_queue(index: int, raw: _QueueIn, agents: list[_AgentsIn]) -> QueueConfig:
    where = f"queues.{index}"
    requirement = raw.requirement or _default_requirement(raw.name, agents)
    _check_requirement(requirement, f"{where}.requirement")
    for k, step in enumerate(raw.overflow):
        _check_requirement(step.requirement, f"{where}.overflow.{k}.requirement")
    try:
        steps = tuple(
            OverflowStep(s.after, s.action, s.requirement, tuple(s.queues)) for s in raw.overflow
        )
        return QueueConfig(
            name=raw.name,
            strategy=raw.strategy,
            requirement=requirement,
            service_level_target=raw.service_level_target,
            max_wait=raw.max_wait,
            max_wait_action=raw.max_wait_action,
            max_length=raw.max_length,
            wrap_up=0.0,  # set per run from the wrap-up distribution
            offer_timeout=raw.offer_timeout,
            overflow=steps,
            priority_aging_per_second=raw.priority_aging_per_second,
            sticky_timeout=raw.sticky_timeout,
            best_skill=raw.best_skill,
            linear_order=tuple(raw.linear_order),
            no_answer_not_ready=raw.no_answer_not_ready,
        )
    except RoutingError as exc:
        raise ScenarioError(str(exc), where) from None


def _read_trace(path: Path, default_queue: str | None, where: str) -> tuple[TraceRow, ...]:
    """Rows of a CSV trace: `time` (seconds or duration) and optional queue/handle/patience."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        message = f"cannot read trace file {str(path)!r}: {exc.strerror}"
        raise ScenarioError(message, where) from None
    reader = csv.DictReader(io.StringIO(text))
    columns = set(reader.fieldnames or ())
    if "time" not in columns:
        raise ScenarioError(f"trace {path.name!r} needs a 'time' column", where)
    if default_queue is None and "queue" not in columns:
        raise ScenarioError(f"trace {path.name!r} needs a 'queue' column (or set 'queue')", where)
    rows = []
    for line, record in enumerate(reader, start=2):
        try:
            rows.append(
                TraceRow(
                    time=parse_duration(record["time"]),
                    queue=(record.get("queue") or default_queue or ""),
                    handle_time=_optional_seconds(record.get("handle_time")),
                    patience=_optional_seconds(record.get("patience")),
                )
            )
        except ValueError as exc:
            raise ScenarioError(f"{path.name} line {line}: {exc}", where) from None
    rows.sort(key=lambda row: row.time)
    return tuple(rows)


def _optional_seconds(text: str | None) -> float | None:
    return None if text is None or text.strip() == "" else parse_duration(text)


def _build_arrival(index: int, raw: _ArrivalIn, base: Path) -> ArrivalStream:
    where = f"arrivals.{index}"
    handle = raw.handle_time.build() if raw.handle_time else None
    patience = raw.patience.build() if raw.patience else None
    common: dict[str, Any] = {
        "channel": raw.channel,
        "priority": raw.priority,
        "vip": raw.vip,
        "attributes": dict(raw.attributes),
        "handle_time": handle,
        "patience": patience,
    }
    if raw.trace is not None:
        trace = _read_trace(base / raw.trace, raw.queue, f"{where}.trace")
        return ArrivalStream(queue=raw.queue or "", trace=trace, **common)
    assert raw.queue is not None and raw.rate_per_hour is not None  # checked by the model
    if isinstance(raw.rate_per_hour, float):
        intervals: tuple[Interval, ...] = (Interval(0.0, float("inf"), raw.rate_per_hour),)
    else:
        intervals = tuple(Interval(i.start, i.end, i.rate_per_hour) for i in raw.rate_per_hour)
        ordered = sorted(intervals, key=lambda i: i.start)
        for before, after in pairwise(ordered):
            if after.start < before.end:
                raise ScenarioError("intervals overlap", f"{where}.rate_per_hour")
    return ArrivalStream(queue=raw.queue, intervals=intervals, **common)


_UNION_LABELS = {"float", "int", "str", "bool", "dict", "list"}


def _path(loc: tuple[int | str, ...]) -> str:
    """A Pydantic location as the YAML path (`arrivals.0.rate_per_hour`), without union labels."""
    parts = [
        str(p)
        for p in loc
        if not (isinstance(p, str) and ("[" in p or "-" in p or p in _UNION_LABELS))
    ]
    return ".".join(parts)


def _validation_error(error: ValidationError) -> ScenarioError:
    """One ScenarioError naming the first bad field; further problems follow in the message."""
    items = error.errors()
    first = _path(items[0]["loc"]) or None
    texts = []
    for k, item in enumerate(items):
        message = item["msg"].removeprefix("Value error, ")
        texts.append(message if k == 0 else f"{_path(item['loc']) or 'scenario'}: {message}")
    return ScenarioError("; ".join(texts), first)


def scenario_from_dict(data: Any, base: Path | None = None) -> Scenario:
    """Validate a parsed scenario mapping; trace paths are relative to `base` (default cwd)."""
    if not isinstance(data, dict):
        raise ScenarioError("a scenario must be a mapping (key: value lines)")
    try:
        raw = _ScenarioIn.model_validate(data)
    except ValidationError as exc:
        raise _validation_error(exc) from None
    base = base or Path.cwd()
    names = [q.name for q in raw.queues]
    for i, name in enumerate(names):
        if name in names[:i]:
            raise ScenarioError(f"duplicate queue name {name!r}", f"queues.{i}.name")
    queues = tuple(_build_queue(i, q, raw.agents) for i, q in enumerate(raw.queues))
    for i, q in enumerate(queues):
        for k, step in enumerate(q.overflow):
            for target in step.queues:
                if target not in names:
                    raise ScenarioError(
                        f"unknown queue {target!r}", f"queues.{i}.overflow.{k}.queues"
                    )
    arrivals = tuple(_build_arrival(i, a, base) for i, a in enumerate(raw.arrivals))
    for i, stream in enumerate(arrivals):
        for queue in {stream.queue} if not stream.trace else {r.queue for r in stream.trace}:
            if queue not in names:
                raise ScenarioError(f"unknown queue {queue!r} (known: {names})", f"arrivals.{i}")
    if raw.warmup >= raw.duration:
        raise ScenarioError("must be shorter than 'duration'", "warmup")
    for q in queues:
        # Simulated agents always pick up; an offer that times out first would leave them
        # not ready for good, since nobody in the simulation sets them ready again.
        if raw.answer_delay >= q.offer_timeout:
            raise ScenarioError(
                f"must be shorter than queue {q.name!r}'s offer_timeout ({q.offer_timeout:g} s)",
                "answer_delay",
            )
    default_wrap = raw.wrap_up.build() if raw.wrap_up else None
    wrap_up = {
        q.name: (q.wrap_up.build() if q.wrap_up else default_wrap)
        for q in raw.queues
        if q.wrap_up or default_wrap
    }
    groups = []
    for i, a in enumerate(raw.agents):
        shift = a.shift or _ShiftIn()
        if shift.end is not None and shift.end <= shift.start:
            raise ScenarioError("'end' must be after 'start'", f"agents.{i}.shift")
        groups.append(
            AgentGroup(
                name=a.name or f"g{i + 1}",
                count=a.count,
                skills=dict(a.skills),
                capacity=dict(a.capacity),
                shift_start=shift.start,
                shift_end=shift.end,
                weight=a.weight,
            )
        )
    names_seen: set[str] = set()
    for i, group in enumerate(groups):
        if group.name in names_seen:
            raise ScenarioError(f"duplicate agent group name {group.name!r}", f"agents.{i}.name")
        names_seen.add(group.name)
    return Scenario(
        duration=raw.duration,
        queues=queues,
        arrivals=arrivals,
        handle_time=raw.handle_time.build(),
        agents=tuple(groups),
        patience=raw.patience.build() if raw.patience else None,
        wrap_up={k: v for k, v in wrap_up.items() if v is not None},
        seed=raw.seed,
        warmup=raw.warmup,
        answer_delay=raw.answer_delay,
    )


def load_scenario(source: str | Path) -> Scenario:
    """Load a scenario from a YAML file path or from YAML text."""
    base: Path | None = None
    if isinstance(source, Path) or ("\n" not in source and source.endswith((".yaml", ".yml"))):
        path = Path(source)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ScenarioError(f"cannot read scenario {str(path)!r}: {exc.strerror}") from None
        base = path.parent
    else:
        text = source
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ScenarioError(f"invalid YAML: {exc}") from None
    return scenario_from_dict(data, base)
