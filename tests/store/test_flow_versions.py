"""Flow versions: every writer keeps the history, and equal writes add no version."""

from __future__ import annotations

import pytest

from seatline.store.db import Database
from seatline.store.errors import NotFound
from seatline.store.flows import act_as, list_flow_versions
from seatline.store.models import Flow
from seatline.store.repo import create_owned, get_owned, update_owned

from .helpers import make_tenant


async def test_each_changed_definition_is_a_new_version(database: Database) -> None:
    tenant, other = await make_tenant(database), await make_tenant(database)
    async with database.transaction() as session:
        act_as(session, "admin@x")
        flow = await create_owned(
            session, Flow, tenant.id, {"name": "main", "definition": {"a": 1}}
        )
    async with database.transaction() as session:
        row = await get_owned(session, Flow, tenant.id, flow.id)
        await update_owned(session, row, {"definition": {"a": 2}})
        await update_owned(session, row, {"name": "renamed"})  # no definition change
    async with database.transaction() as session:
        row = await get_owned(session, Flow, tenant.id, flow.id)
        await update_owned(session, row, {"definition": {"a": 2}})  # the same again
    async with database.transaction() as session:
        # A writer that bypasses the services (like the demo seed) is covered too.
        session.add(Flow(tenant_id=tenant.id, name="seeded", definition={"b": 1}))
    async with database.sessions() as session:
        row = await get_owned(session, Flow, tenant.id, flow.id)
        assert (row.version, row.name) == (2, "renamed")
        versions = await list_flow_versions(session, tenant.id, flow.id)
        assert [(v.version, v.definition) for v in versions] == [(2, {"a": 2}), (1, {"a": 1})]
        assert [v.created_by for v in versions] == [None, "admin@x"]
        assert all(v.created_at.tzinfo is not None for v in versions)
        with pytest.raises(NotFound):
            await list_flow_versions(session, other.id, flow.id)
