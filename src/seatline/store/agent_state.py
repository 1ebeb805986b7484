"""Agents' wanted availability: ready, or not ready with a reason, and since when.

The API writes what an agent (or its supervisor) asks for; the live service writes the pauses
the routing engine makes by itself. The routing engine applies both; this table is what a
restart, another node and the wallboard see.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from seatline.store.errors import InvalidInput, InvalidReference, NotFound, NotLoggedIn
from seatline.store.models import Agent, ReasonCode
from seatline.store.seats import LOGIN_REASON

__all__ = [
    "AGENT_STATE_REQUESTED",
    "NO_ANSWER_REASON",
    "NO_PHONE_REASON",
    "SYSTEM_REASONS",
    "AgentState",
    "request_not_ready",
    "request_ready",
    "set_agent_not_ready",
]

# The live event kind (topic "agent") announcing a changed wanted state.
AGENT_STATE_REQUESTED = "AgentStateRequested"
NO_ANSWER_REASON = "no-answer"  # an offer rang out unanswered
NO_PHONE_REASON = "no-phone"  # no phone of the agent is registered
SYSTEM_REASONS = frozenset({LOGIN_REASON, NO_ANSWER_REASON, NO_PHONE_REASON})


@dataclass(frozen=True, slots=True)
class AgentState:
    """A snapshot of one agent's login and wanted availability."""

    tenant_id: uuid.UUID
    agent_id: uuid.UUID
    logged_in: bool
    ready: bool
    not_ready_reason: str | None
    state_changed_at: dt.datetime | None

    @classmethod
    def of(cls, agent: Agent) -> AgentState:
        """Take the snapshot of a loaded agent row."""
        return cls(
            agent.tenant_id,
            agent.id,
            agent.logged_in,
            agent.ready,
            agent.not_ready_reason,
            agent.state_changed_at,
        )

    def as_data(self) -> dict[str, Any]:
        """Return the JSON-ready payload of an `AgentStateRequested` live event."""
        changed = self.state_changed_at
        return {
            "agent_id": str(self.agent_id),
            "logged_in": self.logged_in,
            "ready": self.ready,
            "not_ready_reason": self.not_ready_reason,
            "state_changed_at": changed.isoformat() if changed else None,
        }


async def _tenant_agent(session: AsyncSession, tenant_id: uuid.UUID, agent_id: uuid.UUID) -> Agent:
    agent = await session.scalar(
        sa.select(Agent).where(Agent.id == agent_id, Agent.tenant_id == tenant_id)
    )
    if agent is None:
        raise NotFound("agent not found", {"id": str(agent_id)})
    return agent


def _require_logged_in(agent: Agent) -> None:
    if not agent.logged_in:
        raise NotLoggedIn(
            f"agent {agent.extension} is not logged in; log in first "
            f"(POST /api/agents/{agent.id}/login)",
            {"id": str(agent.id)},
        )


def _write(agent: Agent, ready: bool, reason: str | None, now: dt.datetime) -> None:
    # Asking again for the state one is in keeps its start: time in state stays truthful.
    if (agent.ready, agent.not_ready_reason) != (ready, reason):
        agent.ready = ready
        agent.not_ready_reason = reason
        agent.state_changed_at = now


async def request_ready(
    session: AsyncSession, tenant_id: uuid.UUID, agent_id: uuid.UUID, now: dt.datetime
) -> Agent:
    """Mark a logged-in agent ready for contacts; NotLoggedIn otherwise."""
    agent = await _tenant_agent(session, tenant_id, agent_id)
    _require_logged_in(agent)
    _write(agent, True, None, now)
    await session.flush()
    return agent


async def request_not_ready(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    agent_id: uuid.UUID,
    reason: str,
    now: dt.datetime,
) -> Agent:
    """Pause a logged-in agent with one of the tenant's reason codes."""
    agent = await _tenant_agent(session, tenant_id, agent_id)
    known = await session.scalar(
        sa.select(ReasonCode.id).where(ReasonCode.tenant_id == tenant_id, ReasonCode.code == reason)
    )
    if known is None:
        raise InvalidReference(
            f"reason {reason!r} is not one of this tenant's reason codes (see /api/reason-codes)",
            {"field": "reason", "code": reason},
        )
    _require_logged_in(agent)
    _write(agent, False, reason, now)
    await session.flush()
    return agent


async def set_agent_not_ready(
    session: AsyncSession, agent_id: uuid.UUID | str, reason: str, now: dt.datetime
) -> AgentState:
    """Record a pause the routing engine made by itself (a system reason) and commit."""
    if reason not in SYSTEM_REASONS:
        raise InvalidInput(
            f"{reason!r} is not a system reason ({', '.join(sorted(SYSTEM_REASONS))})",
            {"field": "reason", "code": reason},
        )
    try:
        key = agent_id if isinstance(agent_id, uuid.UUID) else uuid.UUID(agent_id)
    except ValueError:
        raise NotFound("agent not found", {"id": str(agent_id)}) from None
    # One conditional UPDATE, not read-then-write: a logout committed meanwhile must win
    # (a logged-out agent has no availability to pause), and an unchanged state keeps its start.
    await session.execute(
        sa.update(Agent)
        .where(
            Agent.id == key,
            Agent.logged_in.is_(True),
            sa.or_(Agent.ready.is_(True), Agent.not_ready_reason.is_distinct_from(reason)),
        )
        .values(ready=False, not_ready_reason=reason, state_changed_at=now)
        .execution_options(synchronize_session=False)
    )
    agent = await session.get(Agent, key, populate_existing=True)
    if agent is None:
        raise NotFound("agent not found", {"id": str(agent_id)})
    state = AgentState.of(agent)
    await session.commit()
    return state
