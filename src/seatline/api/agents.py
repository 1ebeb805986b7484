"""Agents: CRUD with HA1 and skills, login/logout against the seat cap, ready / not ready.

An agent-role caller sees and changes only its own agent; any other id answers 404, exactly
like an id that does not exist. Every login, logout, ready and not ready is published on the
live bus (`AgentStateRequested`) once committed, so the routing engine applies it at once.
"""

import datetime as dt
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response
from sqlalchemy.ext.asyncio import AsyncSession

from seatline.api.auditor import AuditDep
from seatline.api.crud import PageDep
from seatline.api.deps import ADMINS, ALL_ROLES, Principal, SessionDep, bus_of, commit, require
from seatline.api.schemas import AgentCreate, AgentRead, NotReadyBody, patch_of
from seatline.live.bus import EventBus, LiveEvent
from seatline.store.agent_state import (
    AGENT_STATE_REQUESTED,
    AgentState,
    request_not_ready,
    request_ready,
)
from seatline.store.agents import create_agent, update_agent
from seatline.store.enums import Role
from seatline.store.errors import NotFound
from seatline.store.models import Agent
from seatline.store.repo import delete_owned, get_owned, list_owned
from seatline.store.seats import login_agent, logout_agent

__all__ = ["router"]

router = APIRouter(prefix="/api/agents", tags=["agents"])
AgentPatch = patch_of(AgentCreate)
Anyone = Annotated[Principal, Depends(require(ALL_ROLES))]
Admin = Annotated[Principal, Depends(require(ADMINS))]
Bus = Annotated[EventBus, Depends(bus_of)]


def _visible(who: Principal, agent_id: uuid.UUID) -> None:
    if who.role is Role.AGENT and who.agent_id != agent_id:
        raise NotFound("agent not found", {"id": str(agent_id)})


async def _committed(session: AsyncSession, bus: EventBus, agent: Agent) -> Agent:
    """Commit a state change, then announce it (never before: a listener reads the store)."""
    await commit(session)
    state = AgentState.of(agent)
    bus.publish(LiveEvent("agent", str(state.tenant_id), AGENT_STATE_REQUESTED, state.as_data()))
    return agent


@router.get("", response_model=list[AgentRead], summary="List agents")
async def list_agents(session: SessionDep, who: Anyone, paging: PageDep) -> Any:
    """List the tenant's agents (an agent sees only itself)."""
    where = [Agent.id == who.agent_id] if who.role is Role.AGENT else []
    return await list_owned(
        session, Agent, who.tenant_id, limit=paging.limit, offset=paging.offset, where=where
    )


@router.get("/{item_id}", response_model=AgentRead, summary="Get one agent")
async def get_agent(item_id: uuid.UUID, session: SessionDep, who: Anyone) -> Any:
    """Return one agent."""
    _visible(who, item_id)
    return await get_owned(session, Agent, who.tenant_id, item_id)


@router.post("", response_model=AgentRead, status_code=201, summary="Create an agent")
async def post_agent(body: AgentCreate, session: SessionDep, who: Admin, audit: AuditDep) -> Any:
    """Create an agent; its SIP password is stored only as HA1."""
    agent = await create_agent(session, who.tenant_id, body.model_dump())
    await audit("agents.create", agent.id, {"extension": agent.extension})
    await commit(session)
    return agent


@router.patch("/{item_id}", response_model=AgentRead, summary="Change one agent")
async def patch_agent(
    item_id: uuid.UUID,
    body: AgentPatch,  # type: ignore[valid-type]
    session: SessionDep,
    who: Admin,
    audit: AuditDep,
) -> Any:
    """Change an agent (a new SIP password is audited by name, never by value)."""
    agent = await get_owned(session, Agent, who.tenant_id, item_id)
    values = body.model_dump(exclude_unset=True)  # type: ignore[attr-defined]
    agent = await update_agent(session, agent, values)
    await audit("agents.update", agent.id, {"fields": sorted(values)})
    await commit(session)
    return agent


@router.delete("/{item_id}", status_code=204, summary="Delete one agent")
async def delete_agent(
    item_id: uuid.UUID, session: SessionDep, who: Admin, audit: AuditDep
) -> Response:
    """Delete an agent."""
    await delete_owned(session, Agent, who.tenant_id, item_id)
    await audit("agents.delete", item_id)
    await commit(session)
    return Response(status_code=204)


@router.post("/{item_id}/login", response_model=AgentRead, summary="Log an agent in")
async def post_login(item_id: uuid.UUID, session: SessionDep, who: Anyone, bus: Bus) -> Any:
    """Log the agent in (not ready, reason "login"); 409 seat-cap-reached when none is free."""
    _visible(who, item_id)
    agent = await login_agent(session, who.tenant_id, item_id, dt.datetime.now(dt.UTC))
    return await _committed(session, bus, agent)


@router.post("/{item_id}/logout", response_model=AgentRead, summary="Log an agent out")
async def post_logout(item_id: uuid.UUID, session: SessionDep, who: Anyone, bus: Bus) -> Any:
    """Log the agent out, freeing its seat and clearing its readiness."""
    _visible(who, item_id)
    agent = await logout_agent(session, who.tenant_id, item_id, dt.datetime.now(dt.UTC))
    return await _committed(session, bus, agent)


@router.post("/{item_id}/ready", response_model=AgentRead, summary="Make an agent ready")
async def post_ready(item_id: uuid.UUID, session: SessionDep, who: Anyone, bus: Bus) -> Any:
    """Make a logged-in agent ready for contacts; 409 not-logged-in otherwise."""
    _visible(who, item_id)
    agent = await request_ready(session, who.tenant_id, item_id, dt.datetime.now(dt.UTC))
    return await _committed(session, bus, agent)


@router.post("/{item_id}/not-ready", response_model=AgentRead, summary="Pause an agent")
async def post_not_ready(
    item_id: uuid.UUID, body: NotReadyBody, session: SessionDep, who: Anyone, bus: Bus
) -> Any:
    """Pause a logged-in agent with a reason code of the tenant (422 when it has none such)."""
    _visible(who, item_id)
    now = dt.datetime.now(dt.UTC)
    agent = await request_not_ready(session, who.tenant_id, item_id, body.reason, now)
    return await _committed(session, bus, agent)
