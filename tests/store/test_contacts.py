"""Contact records: saved with legs and offers, committed before return, idempotent, filtered."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from seatline.store.contacts import (
    ContactFilter,
    ContactRecord,
    LegRecord,
    OfferRecord,
    get_contact,
    list_contacts,
    save_contact_record,
    set_disposition,
)
from seatline.store.db import Database
from seatline.store.enums import (
    Channel,
    ContactDirection,
    ContactOutcome,
    LegRole,
    OfferOutcome,
)
from seatline.store.errors import InvalidReference, NotFound
from seatline.store.models import Contact, ContactLeg, Disposition, Tenant

from . import helpers

T0 = dt.datetime(2026, 11, 29, 9, 0, tzinfo=dt.UTC)


async def make_tenant(database: Database) -> Tenant:
    """Create a tenant with one disposition, 'sale'."""
    tenant = await helpers.make_tenant(database)
    async with database.transaction() as session:
        session.add(Disposition(tenant_id=tenant.id, code="sale"))
    return tenant


def answered_call(tenant_id: uuid.UUID, **changes: object) -> ContactRecord:
    """A complete answered inbound call with two legs and two offers."""
    agent, other = uuid.uuid4(), uuid.uuid4()
    record = ContactRecord(
        tenant_id=tenant_id,
        contact_id=uuid.uuid4(),
        channel=Channel.VOICE,
        direction=ContactDirection.INBOUND,
        arrived_at=T0,
        outcome=ContactOutcome.ANSWERED,
        dialled_number="+493012345678",
        caller_number="+491701234567",
        caller_name="Ada",
        flow_ended_at=T0 + dt.timedelta(seconds=10),
        enqueued_at=T0 + dt.timedelta(seconds=10),
        answered_at=T0 + dt.timedelta(seconds=25),
        ended_at=T0 + dt.timedelta(seconds=85),
        queue_id=uuid.uuid4(),
        queue_name="sales",
        agent_id=agent,
        flow_name="main",
        flow_version=3,
        flow_path=("start", "menu", "order", "to-sales"),
        inputs={"menu": ("1",), "order": ("4711", "4712")},
        wait_seconds=15.0,
        talk_seconds=60.0,
        recording_path="/rec/a.wav",
        end_reason="caller hung up",
        legs=(
            LegRecord(
                "call-1@carrier",
                LegRole.CALLER,
                T0,
                "sip:carrier",
                T0,
                T0 + dt.timedelta(seconds=85),
                "BYE",
            ),
            LegRecord("leg-2@seatline", LegRole.AGENT, T0 + dt.timedelta(seconds=20), "sip:1001@t"),
        ),
        offers=(
            OfferRecord(
                other,
                T0 + dt.timedelta(seconds=10),
                OfferOutcome.NO_ANSWER,
                T0 + dt.timedelta(seconds=20),
            ),
            OfferRecord(
                agent,
                T0 + dt.timedelta(seconds=20),
                OfferOutcome.ANSWERED,
                T0 + dt.timedelta(seconds=25),
            ),
        ),
    )
    return record if not changes else _replace(record, **changes)


def _replace(record: ContactRecord, **changes: object) -> ContactRecord:
    import dataclasses

    return dataclasses.replace(record, **changes)  # type: ignore[arg-type]


async def test_a_record_is_saved_whole_and_read_back_in_utc(database: Database) -> None:
    tenant = await make_tenant(database)
    record = answered_call(tenant.id)
    async with database.sessions() as session:
        await save_contact_record(session, record)
    async with database.sessions() as session:
        contact = await get_contact(session, tenant.id, record.contact_id)
        assert contact.arrived_at == T0 and contact.arrived_at.tzinfo is not None
        assert contact.ended_at == T0 + dt.timedelta(seconds=85)
        assert (contact.outcome, contact.channel) == (ContactOutcome.ANSWERED, Channel.VOICE)
        assert contact.flow_path == ["start", "menu", "order", "to-sales"]
        assert contact.inputs == {"menu": ["1"], "order": ["4711", "4712"]}
        assert [leg.role for leg in contact.legs] == [LegRole.CALLER, LegRole.AGENT]
        assert contact.legs[0].ended_at == T0 + dt.timedelta(seconds=85)
        assert [offer.outcome for offer in contact.offers] == [
            OfferOutcome.NO_ANSWER,
            OfferOutcome.ANSWERED,
        ]
        assert (contact.wait_seconds, contact.talk_seconds) == (15.0, 60.0)


async def test_non_utc_times_are_stored_as_the_same_instant(database: Database) -> None:
    tenant = await make_tenant(database)
    berlin = dt.timezone(dt.timedelta(hours=1))
    record = answered_call(tenant.id, arrived_at=T0.astimezone(berlin))
    async with database.sessions() as session:
        await save_contact_record(session, record)
    async with database.sessions() as session:
        contact = await get_contact(session, tenant.id, record.contact_id)
        assert contact.arrived_at == T0 and contact.arrived_at.utcoffset() == dt.timedelta(0)
        found = await list_contacts(
            session, tenant.id, ContactFilter(arrived_from=T0, arrived_to=T0 + dt.timedelta(1))
        )
        assert [c.id for c in found] == [record.contact_id]


async def test_saving_again_updates_instead_of_duplicating(database: Database) -> None:
    tenant = await make_tenant(database)
    record = answered_call(tenant.id)
    async with database.sessions() as session:
        await save_contact_record(session, record)
    async with database.sessions() as session:
        await set_disposition(session, tenant.id, record.contact_id, "sale")
        await session.commit()
    shorter = _replace(record, legs=record.legs[:1], talk_seconds=61.5)
    async with database.sessions() as session:
        await save_contact_record(session, shorter)
        await save_contact_record(session, shorter)  # and once more on the same session
    async with database.sessions() as session:
        count = await session.scalar(
            sa.select(sa.func.count()).select_from(Contact).where(Contact.tenant_id == tenant.id)
        )
        legs = await session.scalar(
            sa.select(sa.func.count())
            .select_from(ContactLeg)
            .where(ContactLeg.contact_id == record.contact_id)
        )
        contact = await get_contact(session, tenant.id, record.contact_id)
        assert (count, legs, contact.talk_seconds) == (1, 1, 61.5)
        assert contact.disposition == "sale", "a save without disposition keeps the agent's"
    async with database.sessions() as session:
        await save_contact_record(session, _replace(record, disposition="other"))
    async with database.sessions() as session:
        assert (await get_contact(session, tenant.id, record.contact_id)).disposition == "other"


async def test_overlong_header_values_are_clipped_not_refused(database: Database) -> None:
    tenant = await make_tenant(database)
    record = answered_call(tenant.id, caller_name="x" * 5000, caller_number="9" * 300)
    async with database.sessions() as session:
        await save_contact_record(session, record)
    async with database.sessions() as session:
        contact = await get_contact(session, tenant.id, record.contact_id)
        assert (len(contact.caller_name), len(contact.caller_number)) == (200, 64)


async def test_disposition_must_exist_and_agents_reach_only_their_contacts(
    database: Database,
) -> None:
    tenant, other = await make_tenant(database), await make_tenant(database)
    record = answered_call(tenant.id)
    async with database.sessions() as session:
        await save_contact_record(session, record)
    async with database.sessions() as session:
        with pytest.raises(InvalidReference):
            await set_disposition(session, tenant.id, record.contact_id, "no-such-code")
        with pytest.raises(NotFound):
            await set_disposition(session, other.id, record.contact_id, "sale")
        with pytest.raises(NotFound):
            await set_disposition(
                session, tenant.id, record.contact_id, "sale", agent_id=uuid.uuid4()
            )
        done = await set_disposition(
            session, tenant.id, record.contact_id, "sale", agent_id=record.agent_id
        )
        assert done.disposition == "sale"


async def test_list_filters_and_orders_newest_first(database: Database) -> None:
    tenant = await make_tenant(database)
    records = [answered_call(tenant.id, arrived_at=T0 + dt.timedelta(minutes=n)) for n in range(4)]
    abandoned = answered_call(
        tenant.id,
        arrived_at=T0 + dt.timedelta(minutes=10),
        outcome=ContactOutcome.ABANDONED,
        agent_id=None,
        caller_number="+4940111",
        queue_name="support",
    )
    async with database.sessions() as session:
        for record in [*records, abandoned]:
            await save_contact_record(session, record)
    async with database.sessions() as session:
        every = await list_contacts(session, tenant.id, ContactFilter())
        assert [c.id for c in every] == [abandoned.contact_id] + [
            r.contact_id for r in reversed(records)
        ]
        window = ContactFilter(
            arrived_from=T0 + dt.timedelta(minutes=1), arrived_to=T0 + dt.timedelta(minutes=3)
        )
        assert [c.id for c in await list_contacts(session, tenant.id, window)] == [
            records[2].contact_id,
            records[1].contact_id,
        ]
        by_outcome = ContactFilter(outcome=ContactOutcome.ABANDONED)
        assert [c.id for c in await list_contacts(session, tenant.id, by_outcome)] == [
            abandoned.contact_id
        ]
        assert len(await list_contacts(session, tenant.id, ContactFilter(number="+4940111"))) == 1
        assert (
            len(await list_contacts(session, tenant.id, ContactFilter(number="+493012345678"))) == 5
        )
        assert (
            len(await list_contacts(session, tenant.id, ContactFilter(queue_name="support"))) == 1
        )
        agent_only = ContactFilter(agent_id=records[0].agent_id)
        assert [c.id for c in await list_contacts(session, tenant.id, agent_only)] == [
            records[0].contact_id
        ]
        page = await list_contacts(session, tenant.id, ContactFilter(), limit=2, offset=1)
        assert [c.id for c in page] == [records[3].contact_id, records[2].contact_id]


KILLED_WRITER = textwrap.dedent(
    """
    import asyncio, datetime as dt, os, signal, sys, uuid
    from seatline.store.contacts import ContactRecord, save_contact_record
    from seatline.store.db import Database
    from seatline.store.enums import Channel, ContactDirection, ContactOutcome

    async def main() -> None:
        database = Database(sys.argv[1])
        record = ContactRecord(
            tenant_id=uuid.UUID(sys.argv[2]),
            contact_id=uuid.UUID(sys.argv[3]),
            channel=Channel.VOICE,
            direction=ContactDirection.INBOUND,
            arrived_at=dt.datetime.now(dt.UTC),
            outcome=ContactOutcome.ABANDONED,
        )
        async with database.sessions() as session:
            await save_contact_record(session, record)
            # Killed the moment the call's record is saved: no close, no dispose, no exit.
            os.kill(os.getpid(), signal.SIGKILL)

    asyncio.run(main())
    """
)


async def test_a_saved_record_survives_the_process_being_killed(
    tmp_path: Path, sqlite_template: Path
) -> None:
    path = tmp_path / "kill.db"
    shutil.copyfile(sqlite_template, path)
    url = f"sqlite+aiosqlite:///{path}"
    database = Database(url)
    tenant = await make_tenant(database)
    await database.dispose()
    contact_id = uuid.uuid4()
    done = subprocess.run(
        [sys.executable, "-c", KILLED_WRITER, url, str(tenant.id), str(contact_id)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    fresh = Database(url)  # a new engine on the same file, as after a restart
    try:
        async with fresh.sessions() as session:
            contact = await get_contact(session, tenant.id, contact_id)
            assert contact.outcome is ContactOutcome.ABANDONED
    finally:
        await fresh.dispose()


async def test_a_saved_record_is_visible_to_a_new_engine(database: Database) -> None:
    tenant = await make_tenant(database)
    record = answered_call(tenant.id)
    async with database.sessions() as session:
        await save_contact_record(session, record)
    fresh = Database(database.url)
    try:
        async with fresh.sessions() as session:
            contact = await get_contact(session, tenant.id, record.contact_id)
            assert len(contact.legs) == 2
    finally:
        await fresh.dispose()


async def test_two_racing_saves_of_a_new_contact_leave_one_row(database: Database) -> None:
    import asyncio

    tenant = await make_tenant(database)
    record = answered_call(tenant.id)

    async def save_once(talk: float) -> None:
        async with database.sessions() as session:
            await save_contact_record(session, _replace(record, talk_seconds=talk))

    await asyncio.gather(*(save_once(float(n)) for n in range(6)))
    async with database.sessions() as session:
        count = await session.scalar(
            sa.select(sa.func.count()).select_from(Contact).where(Contact.tenant_id == tenant.id)
        )
        legs = await session.scalar(
            sa.select(sa.func.count())
            .select_from(ContactLeg)
            .where(ContactLeg.contact_id == record.contact_id)
        )
        assert (count, legs) == (1, 2)
