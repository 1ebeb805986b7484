"""The contact center in process on the demo tenant: store-driven agent states reach routing,
routing's own pauses reach the store, and a caller nobody can serve leaves a voicemail."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from seatline.routing import AgentState
from seatline.store.agent_state import request_not_ready, request_ready
from seatline.store.contacts import ContactFilter, get_contact, list_contacts
from seatline.store.models import Agent, AgentSkill, Queue, Tenant, User
from switch.conftest import needs_sipp
from switch.harness import free_port, run_sipp
from switch.test_agents import until

from .callers import keys_scenario
from .demo_center import Demo, running_demo

pytestmark = [needs_sipp]


@pytest.fixture
async def demo(tmp_path: Path) -> AsyncIterator[Demo]:
    async with running_demo(tmp_path) as demo:
        yield demo


async def test_api_state_changes_reach_routing(demo: Demo) -> None:
    assert demo.state("1003") == (AgentState.AVAILABLE, None)
    (desk,) = demo.center.desks.values()
    now = dt.datetime.now(dt.UTC)
    async with demo.database.transaction() as session:
        await request_not_ready(
            session, desk.config.tenant_id, uuid.UUID(demo.agents["1003"]), "break", now
        )
    await until(lambda: demo.state("1003") == (AgentState.NOT_READY, "break"))
    async with demo.database.transaction() as session:
        await request_ready(session, desk.config.tenant_id, uuid.UUID(demo.agents["1003"]), now)
    await until(lambda: demo.state("1003") == (AgentState.AVAILABLE, None))


async def test_no_phone_pauses_agents_in_the_store_and_the_caller_leaves_a_message(
    demo: Demo, tmp_path: Path
) -> None:
    scenario = keys_scenario(tmp_path / "c.xml", [(800, "2")], then_ms=9000, speak=True)
    result = await run_sipp(scenario, demo.node.port, free_port(), "-m", "1", service="9100")
    assert result.returncode == 0, result.errors[:2000]
    await until(lambda: demo.center.saved)
    (desk,) = demo.center.desks.values()
    async with demo.database.sessions() as session:
        (summary,) = await list_contacts(session, desk.config.tenant_id, ContactFilter())
        record = await get_contact(session, desk.config.tenant_id, summary.id)
    assert record.outcome.value == "voicemail"
    assert record.voicemail_path is not None and Path(record.voicemail_path).exists()
    assert record.flow_path[-2:] == ["support", "leave-message"]
    # Both support agents were offered the call, had no phone, and were paused for it.
    assert sorted(o.outcome.value for o in record.offers) == ["rejected", "rejected"]
    for extension in ("1003", "1004"):
        assert demo.state(extension) == (AgentState.NOT_READY, "no-phone")
        assert await demo.stored(extension) == (False, "no-phone")


async def test_tenant_dial_rules_reach_the_flows(demo: Demo) -> None:
    (desk,) = demo.center.desks.values()
    assert not desk.config.dial_rules.allows("+4930555")  # none: no transfers out
    async with demo.database.transaction() as session:
        tenant = await session.get(Tenant, desk.config.tenant_id)
        assert tenant is not None
        tenant.dial_allowed, tenant.dial_denied = ["+4930*"], ["+49309*"]
    await demo.center.refresh()
    (desk,) = demo.center.desks.values()
    assert desk.config.dial_rules.allows("+4930555")
    assert not desk.config.dial_rules.allows("+4930900")


async def test_queues_and_agents_deleted_in_the_store_leave_routing(demo: Demo) -> None:
    (desk,) = demo.center.desks.values()
    names = {q.name for q in desk.engine.snapshot(desk.acd.now()).queues}
    assert "sales" in names
    async with demo.database.transaction() as session:
        await session.execute(sa.delete(Queue).where(Queue.name == "sales"))
        await session.execute(sa.delete(AgentSkill))
        await session.execute(
            sa.delete(User).where(User.agent_id == uuid.UUID(demo.agents["1001"]))
        )
        await session.execute(sa.delete(Agent).where(Agent.extension == "1001"))
    await demo.center.refresh()
    snapshot = desk.engine.snapshot(desk.acd.now())
    assert "sales" not in {q.name for q in snapshot.queues}
    assert demo.agents["1001"] not in {a.agent_id for a in snapshot.agents}
    assert demo.agents["1003"] in {a.agent_id for a in snapshot.agents}
