"""Agents' wanted availability on both backends: login, ready, not ready, system pauses."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid

import pytest

from seatline.store.agent_state import (
    AgentState,
    request_not_ready,
    request_ready,
    set_agent_not_ready,
)
from seatline.store.agents import create_agent
from seatline.store.db import Database
from seatline.store.errors import InvalidInput, InvalidReference, NotFound, NotLoggedIn
from seatline.store.models import Agent, ReasonCode, Tenant
from seatline.store.repo import create_owned
from seatline.store.seats import login_agent, logout_agent

T0 = dt.datetime(2026, 11, 29, 9, 0, tzinfo=dt.UTC)


def at(minutes: int) -> dt.datetime:
    """T0 plus some minutes."""
    return T0 + dt.timedelta(minutes=minutes)


async def make_agent(database: Database, reason_codes: tuple[str, ...] = ("break",)) -> Agent:
    """Create a tenant (one seat, the given reason codes) and one agent of it."""
    slug = f"t{secrets.token_hex(4)}"
    async with database.transaction() as session:
        tenant = Tenant(name=slug, slug=slug, seat_count=1, sip_domain=f"{slug}.example")
        session.add(tenant)
        await session.flush()
        for code in reason_codes:
            await create_owned(session, ReasonCode, tenant.id, {"code": code})
        values = {"extension": "1001", "display_name": "A", "sip_password": "pw-1001"}
        return await create_agent(session, tenant.id, values)


async def state_of(database: Database, agent: Agent) -> AgentState:
    """Read the agent's stored state afresh."""
    async with database.sessions() as session:
        row = await session.get(Agent, agent.id)
        assert row is not None
        return AgentState.of(row)


async def test_a_new_agent_is_not_ready_with_no_reason(database: Database) -> None:
    agent = await make_agent(database)
    state = await state_of(database, agent)
    assert (state.logged_in, state.ready, state.not_ready_reason) == (False, False, None)
    assert state.state_changed_at is None


async def test_login_is_not_ready_for_login_then_ready_then_a_reason_then_logout(
    database: Database,
) -> None:
    agent = await make_agent(database)
    tid = agent.tenant_id
    async with database.transaction() as session:
        await login_agent(session, tid, agent.id, at(0))
    state = await state_of(database, agent)
    assert (state.logged_in, state.ready, state.not_ready_reason) == (True, False, "login")
    assert state.state_changed_at == at(0)
    async with database.transaction() as session:
        await request_ready(session, tid, agent.id, at(1))
    state = await state_of(database, agent)
    assert (state.ready, state.not_ready_reason, state.state_changed_at) == (True, None, at(1))
    async with database.transaction() as session:
        await request_ready(session, tid, agent.id, at(2))  # asking again keeps the start
    assert (await state_of(database, agent)).state_changed_at == at(1)
    async with database.transaction() as session:
        await request_not_ready(session, tid, agent.id, "break", at(3))
    state = await state_of(database, agent)
    assert (state.ready, state.not_ready_reason, state.state_changed_at) == (False, "break", at(3))
    async with database.transaction() as session:
        await login_agent(session, tid, agent.id, at(4))  # already in: the pause stays
    assert (await state_of(database, agent)).not_ready_reason == "break"
    async with database.transaction() as session:
        await logout_agent(session, tid, agent.id, at(5))
    state = await state_of(database, agent)
    assert (state.logged_in, state.ready, state.not_ready_reason) == (False, False, None)
    assert state.state_changed_at == at(5)
    assert state.state_changed_at.tzinfo is not None


async def test_ready_and_not_ready_need_a_login(database: Database) -> None:
    agent = await make_agent(database)
    async with database.transaction() as session:
        with pytest.raises(NotLoggedIn, match="1001 is not logged in"):
            await request_ready(session, agent.tenant_id, agent.id, at(0))
    async with database.transaction() as session:
        with pytest.raises(NotLoggedIn):
            await request_not_ready(session, agent.tenant_id, agent.id, "break", at(0))
    assert NotLoggedIn.status == 409


async def test_not_ready_takes_only_the_tenants_own_reason_codes(database: Database) -> None:
    agent = await make_agent(database, ("break", "training"))
    other = await make_agent(database, ("lunch",))
    async with database.transaction() as session:
        await login_agent(session, agent.tenant_id, agent.id, at(0))
    for wrong in ("lunch", "no-answer", "login"):  # another tenant's code, system reasons
        async with database.transaction() as session:
            with pytest.raises(InvalidReference, match=f"'{wrong}'") as caught:
                await request_not_ready(session, agent.tenant_id, agent.id, wrong, at(1))
        assert caught.value.details == {"field": "reason", "code": wrong}
    async with database.transaction() as session:
        await request_not_ready(session, agent.tenant_id, agent.id, "training", at(1))
    assert (await state_of(database, agent)).not_ready_reason == "training"
    async with database.transaction() as session:
        with pytest.raises(NotFound):  # another tenant's agent is not found, like no agent
            await request_ready(session, agent.tenant_id, other.id, at(2))


async def test_system_pause_commits_and_leaves_logged_out_agents_alone(
    database: Database,
) -> None:
    agent = await make_agent(database)
    async with database.sessions() as session:
        state = await set_agent_not_ready(session, agent.id, "no-answer", at(0))
    assert (state.logged_in, state.not_ready_reason, state.state_changed_at) == (
        False,
        None,
        None,
    )
    async with database.transaction() as session:
        await login_agent(session, agent.tenant_id, agent.id, at(1))
        await request_ready(session, agent.tenant_id, agent.id, at(2))
    async with database.sessions() as session:
        # A string id, as the live routing engine keeps agents.
        state = await set_agent_not_ready(session, str(agent.id), "no-answer", at(3))
        assert not session.in_transaction()  # committed before it returned
    assert state == await state_of(database, agent)
    assert (state.ready, state.not_ready_reason, state.state_changed_at) == (
        False,
        "no-answer",
        at(3),
    )
    assert state.as_data() == {
        "agent_id": str(agent.id),
        "logged_in": True,
        "ready": False,
        "not_ready_reason": "no-answer",
        "state_changed_at": at(3).isoformat(),
    }
    async with database.sessions() as session:
        again = await set_agent_not_ready(session, agent.id, "no-answer", at(4))
    assert again.state_changed_at == at(3)  # the same pause keeps its start
    async with database.sessions() as session:
        moved = await set_agent_not_ready(session, agent.id, "no-phone", at(5))
    assert (moved.not_ready_reason, moved.state_changed_at) == ("no-phone", at(5))


async def test_system_pause_refuses_unknown_reasons_and_agents(database: Database) -> None:
    agent = await make_agent(database)
    async with database.sessions() as session:
        with pytest.raises(InvalidInput, match="'break' is not a system reason"):
            await set_agent_not_ready(session, agent.id, "break", at(0))
        with pytest.raises(NotFound):
            await set_agent_not_ready(session, uuid.uuid4(), "no-answer", at(0))
        with pytest.raises(NotFound):
            await set_agent_not_ready(session, "not-a-uuid", "no-answer", at(0))
