"""The hand-written migrations build exactly the schema the models declare, on both backends."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from seatline.store.db import Database
from seatline.store.flows import list_flow_versions
from seatline.store.migrate import MIGRATIONS_DIR, current_revision, downgrade, upgrade
from seatline.store.models import Agent, Base, Flow, Trunk


async def _assert_upgrade_matches_models(url: str) -> None:
    database = Database(url)
    try:
        assert await current_revision(database) is None
        await upgrade(database)
        head = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
        assert await current_revision(database) == head
        async with database.engine.connect() as connection:
            differences = await connection.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata)
            )
        assert differences == []
        await upgrade(database)  # running again is a no-op
        assert await current_revision(database) == head
    finally:
        await database.dispose()


async def test_sqlite_upgrade_from_empty_matches_models(tmp_path: Path) -> None:
    await _assert_upgrade_matches_models(f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")


@pytest.fixture
def empty_pg_url(new_pg_database: Callable[[], str]) -> str:
    return new_pg_database()


@pytest.mark.postgres
async def test_postgres_upgrade_from_empty_matches_models(empty_pg_url: str) -> None:
    await _assert_upgrade_matches_models(empty_pg_url)


def test_migrations_ship_inside_the_package() -> None:
    assert (MIGRATIONS_DIR / "env.py").is_file()
    assert list((MIGRATIONS_DIR / "versions").glob("0001_*.py"))
    assert MIGRATIONS_DIR.parent.name == "store"


async def _assert_trunks_survive_0002(url: str) -> None:
    database = Database(url)
    try:
        await upgrade(database, "0001")
        tenant_id, trunk_id = uuid.uuid4(), uuid.uuid4()
        # The 0001 tables as plain Core tables: the models already carry 0002's columns.
        tenants = sa.table(
            "tenants",
            *(sa.column(name) for name in ("name", "slug", "time_zone", "seat_count")),
            sa.column("id", sa.Uuid),
            sa.column("sip_domain"),
            sa.column("created_at", sa.DateTime(timezone=True)),
        )
        trunks = sa.table(
            "trunks",
            *(sa.column(name) for name in ("name", "direction", "outbound_host", "outbound_port")),
            sa.column("id", sa.Uuid),
            sa.column("tenant_id", sa.Uuid),
        )
        async with database.engine.begin() as connection:
            await connection.execute(
                tenants.insert().values(
                    id=tenant_id,
                    name="old",
                    slug=f"old-{tenant_id.hex[:8]}",
                    time_zone="UTC",
                    seat_count=0,
                    sip_domain=f"{tenant_id.hex[:8]}.example",
                    created_at=dt.datetime.now(dt.UTC),
                )
            )
            await connection.execute(
                trunks.insert().values(
                    id=trunk_id,
                    tenant_id=tenant_id,
                    name="carrier",
                    direction="outbound",
                    outbound_host="h",
                    outbound_port=5060,
                )
            )
        await upgrade(database)
        async with database.sessions() as session:
            trunk = await session.get(Trunk, trunk_id)
            assert trunk is not None
            assert (trunk.outbound_prefixes, trunk.revision) == ([], 0)
            trunk.outbound_prefixes = ["+49", "00"]
            await session.commit()
        async with database.sessions() as session:
            trunk = await session.get(Trunk, trunk_id)
            assert trunk is not None and trunk.outbound_prefixes == ["+49", "00"]
        await downgrade(database, "0001")
        assert await current_revision(database) == "0001"
        async with database.engine.connect() as connection:
            names = await connection.run_sync(
                lambda sync: [c["name"] for c in sa.inspect(sync).get_columns("trunks")]
            )
        assert "outbound_prefixes" not in names and "revision" not in names
        await upgrade(database)  # and up again
    finally:
        await database.dispose()


async def test_sqlite_0002_keeps_existing_trunks_and_downgrades(tmp_path: Path) -> None:
    await _assert_trunks_survive_0002(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")


@pytest.mark.postgres
async def test_postgres_0002_keeps_existing_trunks_and_downgrades(empty_pg_url: str) -> None:
    await _assert_trunks_survive_0002(empty_pg_url)


async def _assert_flows_get_history_in_0003(url: str) -> None:
    database = Database(url)
    try:
        await upgrade(database, "0002")
        tenant_id, flow_id = uuid.uuid4(), uuid.uuid4()
        tenants = sa.table(
            "tenants",
            *(sa.column(name) for name in ("name", "slug", "time_zone", "seat_count")),
            sa.column("id", sa.Uuid),
            sa.column("sip_domain"),
            sa.column("created_at", sa.DateTime(timezone=True)),
        )
        flows = sa.table(
            "flows",
            sa.column("id", sa.Uuid),
            sa.column("tenant_id", sa.Uuid),
            sa.column("name"),
            sa.column("definition", sa.JSON),
        )
        async with database.engine.begin() as connection:
            await connection.execute(
                tenants.insert().values(
                    id=tenant_id,
                    name="old",
                    slug=f"old-{tenant_id.hex[:8]}",
                    time_zone="UTC",
                    seat_count=0,
                    sip_domain=f"{tenant_id.hex[:8]}.example",
                    created_at=dt.datetime.now(dt.UTC),
                )
            )
            await connection.execute(
                flows.insert().values(
                    id=flow_id, tenant_id=tenant_id, name="main", definition={"start": "x"}
                )
            )
        await upgrade(database)
        async with database.sessions() as session:
            flow = await session.get(Flow, flow_id)
            assert flow is not None and flow.version == 1
            versions = await list_flow_versions(session, tenant_id, flow_id)
            assert [(v.version, v.definition) for v in versions] == [(1, {"start": "x"})]
            assert versions[0].created_at.tzinfo is not None
        await downgrade(database, "0002")
        async with database.engine.connect() as connection:
            tables, flow_columns = await connection.run_sync(
                lambda sync: (
                    sa.inspect(sync).get_table_names(),
                    [c["name"] for c in sa.inspect(sync).get_columns("flows")],
                )
            )
        assert not {"contacts", "lookup_tables", "flow_versions"} & set(tables)
        assert "version" not in flow_columns
        await upgrade(database)  # and up again
    finally:
        await database.dispose()


async def test_sqlite_0003_gives_existing_flows_a_history_and_downgrades(tmp_path: Path) -> None:
    await _assert_flows_get_history_in_0003(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")


@pytest.mark.postgres
async def test_postgres_0003_gives_existing_flows_a_history_and_downgrades(
    empty_pg_url: str,
) -> None:
    await _assert_flows_get_history_in_0003(empty_pg_url)


async def _assert_agents_get_readiness_in_0004(url: str) -> None:
    database = Database(url)
    try:
        await upgrade(database, "0003")
        tenant_id, in_id, out_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        since = dt.datetime(2026, 11, 29, 7, 30, tzinfo=dt.UTC)
        tenants = sa.table(
            "tenants",
            *(sa.column(name) for name in ("name", "slug", "time_zone", "seat_count")),
            sa.column("id", sa.Uuid),
            sa.column("sip_domain"),
            sa.column("created_at", sa.DateTime(timezone=True)),
        )
        # The 0003 agents table as a plain Core table: the model already has 0004's columns.
        agents = sa.table(
            "agents",
            *(sa.column(name) for name in ("extension", "display_name", "ha1_md5", "ha1_sha256")),
            *(sa.column(name) for name in ("max_voice", "max_chat", "max_email", "max_sms")),
            sa.column("id", sa.Uuid),
            sa.column("tenant_id", sa.Uuid),
            sa.column("logged_in", sa.Boolean),
            sa.column("logged_in_at", sa.DateTime(timezone=True)),
        )
        async with database.engine.begin() as connection:
            await connection.execute(
                tenants.insert().values(
                    id=tenant_id,
                    name="old",
                    slug=f"old-{tenant_id.hex[:8]}",
                    time_zone="UTC",
                    seat_count=2,
                    sip_domain=f"{tenant_id.hex[:8]}.example",
                    created_at=dt.datetime.now(dt.UTC),
                )
            )
            for agent_id, extension, logged_in in ((in_id, "11", True), (out_id, "12", False)):
                await connection.execute(
                    agents.insert().values(
                        id=agent_id,
                        tenant_id=tenant_id,
                        extension=extension,
                        display_name=extension,
                        ha1_md5="0" * 32,
                        ha1_sha256="0" * 64,
                        max_voice=1,
                        max_chat=3,
                        max_email=5,
                        max_sms=5,
                        logged_in=logged_in,
                        logged_in_at=since if logged_in else None,
                    )
                )
        await upgrade(database)
        async with database.sessions() as session:
            logged_in, logged_out = (
                await session.get(Agent, in_id),
                await session.get(Agent, out_id),
            )
            assert logged_in is not None and logged_out is not None
            # Logged in before 0004: in the state a login gives now, since the login.
            assert (logged_in.ready, logged_in.not_ready_reason) == (False, "login")
            assert logged_in.state_changed_at == since
            assert (logged_out.ready, logged_out.not_ready_reason) == (False, None)
            assert logged_out.state_changed_at is None
        await downgrade(database, "0003")
        async with database.engine.connect() as connection:
            names = await connection.run_sync(
                lambda sync: [c["name"] for c in sa.inspect(sync).get_columns("agents")]
            )
        assert not {"ready", "not_ready_reason", "state_changed_at"} & set(names)
        assert "logged_in" in names
        await upgrade(database)  # and up again
    finally:
        await database.dispose()


async def test_sqlite_0004_gives_agents_readiness_and_downgrades(tmp_path: Path) -> None:
    await _assert_agents_get_readiness_in_0004(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")


@pytest.mark.postgres
async def test_postgres_0004_gives_agents_readiness_and_downgrades(empty_pg_url: str) -> None:
    await _assert_agents_get_readiness_in_0004(empty_pg_url)


async def test_sqlite_migrations_down_and_up_keep_every_row(tmp_path: Path) -> None:
    # Batch migrations copy tables on SQLite; with foreign keys on, dropping the old copy
    # once cascaded into every tenant's agents, users and trunks.
    from seatline.demo import seed_demo

    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}")
    tables = ("tenants", "agents", "agent_skills", "users", "trunks", "numbers", "flows")

    async def counts() -> dict[str, int]:
        async with database.engine.connect() as connection:
            return {
                table: int(
                    (await connection.exec_driver_sql(f"select count(*) from {table}")).scalar_one()
                )
                for table in tables
            }

    try:
        await upgrade(database)
        await seed_demo(database)
        before = await counts()
        assert all(before.values()), before
        await downgrade(database, "0001")
        assert await counts() == before
        await upgrade(database)
        assert await counts() == before
        async with database.engine.connect() as connection:
            enforced = (await connection.exec_driver_sql("PRAGMA foreign_keys")).scalar_one()
        assert enforced == 1  # switched back on for the application
    finally:
        await database.dispose()
