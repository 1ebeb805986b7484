"""The audit log in the store, on SQLite and PostgreSQL: recorded, clipped, filtered."""

from __future__ import annotations

import datetime as dt
import uuid

from seatline.store.audit import (
    MAX_DETAIL_BYTES,
    AuditFilter,
    list_audit,
    prune_audit,
    record_audit,
)
from seatline.store.db import Database


async def test_events_are_recorded_and_listed_newest_first(database: Database) -> None:
    tenant = uuid.uuid4()  # a plain id: the log outlives its tenant
    async with database.transaction() as session:
        await record_audit(session, tenant, "ann", "auth.login", "u1", "192.0.2.1")
        await record_audit(session, tenant, "ann", "trunks.update", "t1", "192.0.2.1", {"a": 1})
        await record_audit(session, None, "switch", "sip.ban", "203.0.113.9", "203.0.113.9")
    async with database.sessions() as session:
        mine = await list_audit(session, AuditFilter(tenant_id=tenant))
        assert [e.action for e in mine] == ["trunks.update", "auth.login"]
        assert mine[0].detail == {"a": 1} and mine[0].at.tzinfo is not None
        family = await list_audit(session, AuditFilter(tenant_id=tenant, action="auth."))
        assert [e.action for e in family] == ["auth.login"]
        platform = await list_audit(session, AuditFilter(tenant_id=None))
        assert any(e.action == "sip.ban" for e in platform)
        assert all(e.tenant_id is None for e in platform)
        everyone = await list_audit(session, AuditFilter(every_tenant=True), limit=500)
        assert {tenant, None} <= {e.tenant_id for e in everyone}
        later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)
        assert await list_audit(session, AuditFilter(tenant_id=tenant, since=later)) == []


async def test_values_are_clipped_and_large_details_summarised(database: Database) -> None:
    tenant = uuid.uuid4()
    async with database.transaction() as session:
        event = await record_audit(
            session,
            tenant,
            "x" * 500,
            "auth.login-failed",
            "y" * 5000,
            "z" * 100,
            {"blob": "b" * (MAX_DETAIL_BYTES * 2), "when": dt.date(2026, 1, 1)},
        )
    async with database.sessions() as session:
        (stored,) = await list_audit(session, AuditFilter(tenant_id=tenant))
    assert stored.id == event.id
    assert len(stored.actor) == 200 and len(stored.subject) == 200 and len(stored.source) == 64
    assert stored.detail == {"truncated": True, "keys": ["blob", "when"]}
    async with database.transaction() as session:
        small = await record_audit(session, tenant, "a", "b", detail={"when": dt.date(2026, 1, 1)})
    assert small.detail == {"when": "2026-01-01"}  # anything JSON can't hold becomes text


async def test_events_past_retention_are_pruned(database: Database) -> None:
    tenant = uuid.uuid4()
    async with database.transaction() as session:
        old = await record_audit(session, tenant, "ann", "auth.login")
        old.at = dt.datetime.now(dt.UTC) - dt.timedelta(days=400)
        await record_audit(session, tenant, "ann", "auth.logout")
    async with database.transaction() as session:
        cutoff = dt.datetime.now(dt.UTC) - dt.timedelta(days=365)
        assert await prune_audit(session, cutoff) >= 1
    async with database.sessions() as session:
        left = await list_audit(session, AuditFilter(tenant_id=tenant))
    assert [e.action for e in left] == ["auth.logout"]
