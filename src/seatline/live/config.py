"""A tenant's live configuration read from the store: queues and agents for the routing engine,
validated flows by number, business-hours calendars.

Plain values only, so the contact center can compare what it runs with what the store says
and apply the difference live (nobody waiting is lost when a queue or a flow changes).
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from seatline.flows import Calendar, DialRules, Flow, FlowError, validate_flow
from seatline.flows.calendar import calendar_from_ranges
from seatline.routing import (
    AgentConfig,
    Channel,
    OverflowAction,
    OverflowStep,
    QueueConfig,
    RoutingError,
    Strategy,
)
from seatline.store.models import Agent, BusinessHours, Holiday, Number, Queue, Skill, Tenant
from seatline.store.models import Flow as StoredFlow

__all__ = ["NumberEntry", "TenantConfig", "agent_config", "load_tenants", "queue_config"]

log = logging.getLogger(__name__)

# Store overflow actions the engine carries out itself; "flow" and "number" need a driver that
# leaves the queue, which the queue's own voicemail/reject branch of the flow covers today.
_OVERFLOW = {
    "queue": OverflowAction.WIDEN,
    "voicemail": OverflowAction.VOICEMAIL,
    "callback": OverflowAction.CALLBACK,
    "hangup": OverflowAction.REJECT,
}


@dataclass(frozen=True)
class NumberEntry:
    """A dialled number: its tenant and the flow it starts (None when the flow is broken)."""

    number: str
    tenant_id: uuid.UUID
    flow_id: uuid.UUID
    flow_name: str
    flow_version: int
    flow: Flow | None
    problem: str = ""


@dataclass
class TenantConfig:
    """Everything the live service runs for one tenant."""

    tenant_id: uuid.UUID
    slug: str
    time_zone: str
    queues: dict[str, QueueConfig] = field(default_factory=dict)
    agents: dict[str, AgentConfig] = field(default_factory=dict)
    logged_in: set[str] = field(default_factory=set)
    readiness: dict[str, tuple[bool, str | None]] = field(default_factory=dict)  # stored wish
    calendars: dict[str, Calendar] = field(default_factory=dict)
    numbers: dict[str, NumberEntry] = field(default_factory=dict)
    dial_rules: DialRules = field(default_factory=DialRules)


def queue_config(row: Queue) -> QueueConfig:
    """The routing engine's view of a stored queue."""
    steps = []
    for raw in row.overflow or []:
        action = _OVERFLOW.get(str(raw.get("action")))
        if action is None:
            log.warning("queue %s: overflow action %r is not supported live", row.name, raw)
            continue
        target = raw.get("target")
        if action is OverflowAction.WIDEN and not target:
            continue
        queues = (str(target),) if action is OverflowAction.WIDEN else ()
        steps.append(OverflowStep(float(raw.get("after_seconds", 0)), action, None, queues))
    return QueueConfig(
        row.name,
        strategy=Strategy(row.strategy.value),
        requirement=row.skill_expression or None,
        service_level_target=float(row.service_level_seconds),
        max_wait=float(row.max_wait_seconds) if row.max_wait_seconds else None,
        max_length=row.max_length,
        wrap_up=float(row.wrapup_seconds),
        offer_timeout=float(row.offer_timeout_seconds),
        overflow=tuple(steps),
    )


def agent_config(row: Agent, skill_names: Mapping[uuid.UUID, str]) -> AgentConfig:
    """The routing engine's view of a stored agent (voice capacity and skills by name)."""
    skills = {skill_names[s.skill_id]: s.level for s in row.skills if s.skill_id in skill_names}
    capacity = {Channel.VOICE: row.max_voice}
    return AgentConfig(str(row.id), skills, capacity)


async def load_tenants(session: AsyncSession) -> dict[uuid.UUID, TenantConfig]:
    """Read every tenant's live configuration (a broken queue or flow is logged and skipped)."""
    tenants = {
        t.id: TenantConfig(
            t.id,
            t.slug,
            t.time_zone,
            dial_rules=DialRules(tuple(t.dial_allowed or ()), tuple(t.dial_denied or ())),
        )
        for t in await session.scalars(sa.select(Tenant))
    }
    skill_names = {s.id: s.name for s in await session.scalars(sa.select(Skill))}
    for queue in await session.scalars(sa.select(Queue)):
        try:
            tenants[queue.tenant_id].queues[queue.name] = queue_config(queue)
        except (RoutingError, ValueError) as error:
            log.error("queue %s of tenant %s is not usable: %s", queue.name, queue.tenant_id, error)
    for agent in await session.scalars(sa.select(Agent)):
        tenant = tenants[agent.tenant_id]
        tenant.agents[str(agent.id)] = agent_config(agent, skill_names)
        if agent.logged_in:
            tenant.logged_in.add(str(agent.id))
            tenant.readiness[str(agent.id)] = (agent.ready, agent.not_ready_reason)
    holidays: dict[uuid.UUID, list[Holiday]] = {}
    for holiday in await session.scalars(sa.select(Holiday)):
        holidays.setdefault(holiday.tenant_id, []).append(holiday)
    for hours in await session.scalars(sa.select(BusinessHours)):
        tenant = tenants[hours.tenant_id]
        days = [h.date for h in holidays.get(hours.tenant_id, [])]
        try:
            tenant.calendars[hours.name] = calendar_from_ranges(
                hours.name, tenant.time_zone, hours.ranges, days
            )
        except FlowError as error:
            log.error("business hours %s are not usable: %s", hours.name, error)
    flows = {f.id: f for f in await session.scalars(sa.select(StoredFlow))}
    for number in await session.scalars(sa.select(Number)):
        tenant = tenants[number.tenant_id]
        stored = flows[number.flow_id]
        tenant.numbers[number.number] = _number_entry(number, stored, tenant)
    return tenants


# Validated flows by (definition, calendar names): the store is re-read every few seconds,
# and a flow that did not change need not be validated again (nor its error logged again).
_checked: dict[tuple[str, frozenset[str]], Flow | str] = {}


def _checked_flow(stored: StoredFlow, tenant: TenantConfig) -> Flow | str:
    """The validated flow, or the reason it is not valid (cached per definition)."""
    key = (json.dumps(stored.definition, sort_keys=True), frozenset(tenant.calendars))
    found = _checked.get(key)
    if found is None:
        try:
            found = validate_flow(stored.definition, calendars=set(tenant.calendars)).flow
        except FlowError as error:
            log.error("flow %s of tenant %s is not valid: %s", stored.name, tenant.slug, error)
            found = str(error)
        if len(_checked) > 1000:
            _checked.clear()  # edited flows leave old keys behind; start afresh now and then
        _checked[key] = found
    return found


def _number_entry(number: Number, stored: StoredFlow, tenant: TenantConfig) -> NumberEntry:
    version = stored.version
    flow = _checked_flow(stored, tenant)
    if isinstance(flow, str):
        return NumberEntry(
            number.number, number.tenant_id, stored.id, stored.name, version, None, flow
        )
    return NumberEntry(number.number, number.tenant_id, stored.id, stored.name, version, flow)
