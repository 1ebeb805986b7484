"""Campaign store on both backends: settings, agents, leads, do-not-call lists, attempts."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from typing import Any

import pytest
import sqlalchemy as sa

from seatline.dialer import AttemptOutcome, LeadState
from seatline.store.campaigns import (
    active_campaigns,
    add_dnc,
    campaign_agent_ids,
    create_campaign,
    current_attempt,
    delete_campaign,
    dispositioned_among,
    dnc_lists,
    get_campaign,
    import_leads,
    list_attempts,
    list_campaigns,
    list_dnc,
    list_leads,
    live_answers,
    open_leads,
    remove_dnc,
    set_campaign_agents,
    set_disposition,
    update_attempt,
    update_campaign,
    update_lead,
)
from seatline.store.db import Database
from seatline.store.errors import Conflict, InvalidInput, NotFound, TooLarge
from seatline.store.lead_csv import RowError
from seatline.store.models import Lead

from .helpers import (
    NOW,
    bridged_attempt,
    import_text,
    leads_by_id,
    make_agent,
    make_campaign,
    make_tenant,
)

LEADS = (
    "id,number,timezone,company\n"  # 1
    "c1,+49 30 1111111,Europe/Berlin,ACME\n"  # 2
    'c2,+49 30 2222222,UTC,"Initech\nGmbH"\n'  # 3-4
    "c3,12,UTC,Tiny\n"  # 5: too few digits
    "c4,+49 30 4444444,Nowhere/Else,Lost\n"  # 6: unknown zone
    "c5,+49 30 5555555,UTC,Umbrella\n"  # 7
)


# ---- campaigns --------------------------------------------------------------------------------


async def test_a_new_campaign_has_the_dialer_defaults(database: Database) -> None:
    tenant = await make_tenant(database)
    campaign = await make_campaign(database, tenant)
    async with database.sessions() as session:
        found = await get_campaign(session, tenant.id, campaign.id)
    assert (found.mode, found.active, found.caller_id, found.max_attempts) == (
        "predictive",
        False,
        "",
        6,
    )
    assert (found.abandon_cap, found.ring_timeout, found.max_wait_for_agent) == (0.03, 25.0, 2.0)
    assert (found.window_start, found.window_end, found.window_days) == (
        540,
        1260,
        [1, 2, 3, 4, 5, 6],
    )
    assert (found.retries, found.amd, found.lead_fields) == ({}, {}, [])
    assert (found.wrap_up_seconds, found.require_consent) == (30.0, False)
    assert found.created_at.tzinfo is not None


async def test_update_list_and_delete_a_campaign(database: Database) -> None:
    tenant = await make_tenant(database)
    first = await make_campaign(database, tenant, name="b-winter")
    await make_campaign(database, tenant, name="a-autumn")
    retries = {"busy": {"max_attempts": 2, "spacing": 300.0}}
    async with database.transaction() as session:
        updated = await update_campaign(
            session,
            tenant.id,
            first.id,
            {"mode": "preview", "retries": retries, "amd": {"max_words": 4}, "active": True},
        )
        revision = updated.revision
    assert revision != first.revision
    async with database.sessions() as session:
        names = [c.name for c in await list_campaigns(session, tenant.id)]
        found = await get_campaign(session, tenant.id, first.id)
        active = [c.id for c in await active_campaigns(session) if c.tenant_id == tenant.id]
    assert names == ["a-autumn", "b-winter"]
    assert (found.mode, found.retries, found.amd) == ("preview", retries, {"max_words": 4})
    assert active == [first.id]
    async with database.transaction() as session:
        await delete_campaign(session, tenant.id, first.id)
    async with database.sessions() as session:
        with pytest.raises(NotFound):
            await get_campaign(session, tenant.id, first.id)


async def test_a_name_is_unique_within_the_tenant_only(database: Database) -> None:
    tenant, other = await make_tenant(database), await make_tenant(database)
    await make_campaign(database, tenant)
    await make_campaign(database, other)
    with pytest.raises(Conflict):
        await make_campaign(database, tenant)


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"mode": "telepathic"}, "mode"),
        ({"abandon_cap": 0.0}, "abandon_cap"),
        ({"ring_timeout": 10.0}, "ring_timeout"),
        ({"max_wait_for_agent": 2.5}, "max_wait_for_agent"),
        ({"max_attempts": 0}, "max_attempts"),
        ({"window_start": 600, "window_end": 600}, "window_start"),
        ({"window_days": [0, 1]}, "window_days"),
        ({"window_days": [1, 1]}, "window_days"),
        ({"retries": {"connected": {"max_attempts": 1, "spacing": 1.0}}}, "retries"),
        ({"retries": {"busy": {"max_attempts": 1}}}, "retries"),
        ({"amd": {"loudness": 3}}, "amd"),
        ({"amd": {"max_words": 0}}, "amd"),
        ({"name": "x" * 65}, "name"),
        ({"name": "  "}, "name"),
        ({"active": None}, "active"),
        ({"active": "yes"}, "active"),
    ],
)
async def test_settings_the_dialer_would_refuse_are_invalid(
    database: Database, values: dict[str, Any], field: str
) -> None:
    tenant = await make_tenant(database)
    async with database.transaction() as session:
        with pytest.raises(InvalidInput) as caught:
            await create_campaign(session, tenant.id, {"name": "spring", **values})
    assert caught.value.details.get("field") == field


async def test_an_update_is_checked_against_the_stored_window(database: Database) -> None:
    tenant = await make_tenant(database)
    campaign = await make_campaign(database, tenant, window_start=600, window_end=700)
    async with database.transaction() as session:
        with pytest.raises(InvalidInput, match="window"):
            await update_campaign(session, tenant.id, campaign.id, {"window_start": 800})
    async with database.transaction() as session:
        with pytest.raises(InvalidInput, match="unknown campaign fields: colour"):
            await update_campaign(session, tenant.id, campaign.id, {"colour": "red"})


async def test_another_tenants_campaign_is_not_found(database: Database) -> None:
    tenant, other = await make_tenant(database), await make_tenant(database)
    campaign = await make_campaign(database, tenant)
    async with database.transaction() as session:
        with pytest.raises(NotFound):
            await get_campaign(session, other.id, campaign.id)
        with pytest.raises(NotFound):
            await update_campaign(session, other.id, campaign.id, {"active": True})
        with pytest.raises(NotFound):
            await delete_campaign(session, other.id, campaign.id)
        with pytest.raises(NotFound):
            await import_leads(session, other.id, campaign.id, "number\n5550100\n")
        with pytest.raises(NotFound):
            await list_leads(session, other.id, campaign.id)
        with pytest.raises(NotFound):
            await set_campaign_agents(session, other.id, campaign.id, [])
        assert await list_campaigns(session, other.id) == []


async def test_campaign_agents_are_the_tenants_own(database: Database) -> None:
    tenant, other = await make_tenant(database), await make_tenant(database)
    campaign = await make_campaign(database, tenant)
    ada, bob = await make_agent(database, tenant, "11"), await make_agent(database, tenant, "12")
    stranger = await make_agent(database, other, "11")
    async with database.transaction() as session:
        await set_campaign_agents(session, tenant.id, campaign.id, [ada.id, bob.id, ada.id])
    async with database.transaction() as session:
        with pytest.raises(InvalidInput, match=str(stranger.id)) as caught:
            await set_campaign_agents(session, tenant.id, campaign.id, [ada.id, stranger.id])
    assert caught.value.details == {"field": "agent_ids", "ids": [str(stranger.id)]}
    async with database.sessions() as session:
        assert sorted(await campaign_agent_ids(session, campaign.id)) == sorted([ada.id, bob.id])
    async with database.transaction() as session:
        await set_campaign_agents(session, tenant.id, campaign.id, [bob.id])
    async with database.sessions() as session:
        assert await campaign_agent_ids(session, campaign.id) == [bob.id]


# ---- leads ------------------------------------------------------------------------------------


async def test_import_keeps_good_rows_and_reports_bad_ones_by_line(database: Database) -> None:
    tenant = await make_tenant(database)
    campaign = await make_campaign(database, tenant, lead_fields=["owner"])
    result = await import_text(database, campaign, LEADS)
    assert (result.added, result.updated) == (3, 0)
    assert result.errors == [
        RowError(5, "the number '12' has fewer than 3 digits"),
        RowError(6, "unknown time zone 'Nowhere/Else'"),
    ]
    leads = await leads_by_id(database, campaign)
    assert list(leads) == ["c1", "c2", "c5"]  # the file's order
    assert leads["c2"].fields == {"company": "Initech\nGmbH"}
    assert (leads["c1"].timezone, leads["c1"].state, leads["c1"].attempts) == (
        "Europe/Berlin",
        "pending",
        0,
    )
    async with database.sessions() as session:
        found = await get_campaign(session, tenant.id, campaign.id)
    assert found.lead_fields == ["owner", "company"]


async def test_a_broken_header_or_too_many_rows_refuse_the_import(database: Database) -> None:
    tenant = await make_tenant(database)
    campaign = await make_campaign(database, tenant)
    async with database.transaction() as session:
        with pytest.raises(InvalidInput, match="number"):
            await import_leads(session, tenant.id, campaign.id, "phone\n5550100\n")
        with pytest.raises(TooLarge):
            text = "number\n" + "5550100\n" * 3
            await import_leads(session, tenant.id, campaign.id, text, max_rows=2)


async def test_reimport_updates_pending_leads_only(database: Database) -> None:
    tenant = await make_tenant(database)
    campaign = await make_campaign(database, tenant)
    await import_text(database, campaign, LEADS)
    leads = await leads_by_id(database, campaign)
    async with database.transaction() as session:
        await update_lead(session, leads["c5"].id, {"state": LeadState.DONE, "attempts": 2})
    again = (
        "id,number,timezone,region\n"
        "c1,+49 30 1111112,America/New_York,east\n"
        "c5,+49 30 5555556,UTC,west\n"
        "c9,+49 30 9999999,UTC,north\n"
    )
    async with database.sessions() as session:
        before = (await get_campaign(session, tenant.id, campaign.id)).revision
    result = await import_text(database, campaign, again)
    assert (result.added, result.updated, result.skipped, result.errors) == (1, 1, 1, [])
    async with database.sessions() as session:
        # A running dialer re-reads its pending leads when the campaign's revision moves.
        assert (await get_campaign(session, tenant.id, campaign.id)).revision != before
    leads = await leads_by_id(database, campaign)
    assert (leads["c1"].number, leads["c1"].timezone, leads["c1"].fields) == (
        "+49 30 1111112",
        "America/New_York",
        {"region": "east"},
    )
    assert (leads["c5"].number, leads["c5"].state) == ("+49 30 5555555", "done")
    assert leads["c1"].id != leads["c9"].id
    async with database.sessions() as session:
        found = await get_campaign(session, tenant.id, campaign.id)
    assert found.lead_fields == ["company", "region"]


async def test_open_leads_skip_finished_ones_and_honour_created_after(database: Database) -> None:
    tenant = await make_tenant(database)
    campaign = await make_campaign(database, tenant)
    await import_text(database, campaign, "id,number\nl1,5550001\nl2,5550002\nl3,5550003\n")
    leads = await leads_by_id(database, campaign)
    async with database.transaction() as session:
        await update_lead(session, leads["l1"].id, {"state": "done"})
        await update_lead(session, leads["l2"].id, {"state": "blocked"})
    later = NOW + dt.timedelta(minutes=5)
    async with database.transaction() as session:
        await import_leads(session, tenant.id, campaign.id, "id,number\nl4,5550004\n", now=later)
    async with database.sessions() as session:
        every = [lead.external_id for lead in await open_leads(session, campaign.id)]
        newest = await open_leads(session, campaign.id, created_after=leads["l3"].created_at)
        blocked = await list_leads(session, tenant.id, campaign.id, state="blocked")
    assert every == ["l3", "l4"]
    assert [lead.external_id for lead in newest] == ["l4"]
    assert [lead.external_id for lead in blocked] == ["l2"]


async def test_the_dialer_writes_lead_state(database: Database) -> None:
    tenant = await make_tenant(database)
    campaign = await make_campaign(database, tenant)
    await import_text(database, campaign, "id,number\nl1,5550001\n")
    lead = (await leads_by_id(database, campaign))["l1"]
    values = {
        "state": LeadState.PENDING,
        "attempts": 2,
        "outcomes": {AttemptOutcome.BUSY: 1, AttemptOutcome.NO_ANSWER: 1},
        "due_at": NOW + dt.timedelta(hours=2),
        "last_dial_at": NOW,
        "callback_at": None,
    }
    async with database.transaction() as session:
        await update_lead(session, lead.id, values)
        await update_lead(session, uuid.uuid4(), {"attempts": 1})  # gone: no error
        with pytest.raises(InvalidInput):
            await update_lead(session, lead.id, {"number": "5550002"})
        with pytest.raises(InvalidInput):
            await update_lead(session, lead.id, {"state": "lost"})
    lead = (await leads_by_id(database, campaign))["l1"]
    assert (lead.state, lead.attempts, lead.outcomes) == ("pending", 2, {"busy": 1, "no_answer": 1})
    assert (lead.due_at, lead.last_dial_at) == (NOW + dt.timedelta(hours=2), NOW)


async def test_deleting_a_campaign_removes_its_leads_but_keeps_attempts(database: Database) -> None:
    tenant = await make_tenant(database)
    campaign = await make_campaign(database, tenant)
    agent = await make_agent(database, tenant, "11")
    await import_text(database, campaign, LEADS)
    lead = (await leads_by_id(database, campaign))["c1"]
    attempt = await bridged_attempt(database, campaign, lead, agent.id)
    async with database.transaction() as session:
        await set_campaign_agents(session, tenant.id, campaign.id, [agent.id])
        await delete_campaign(session, tenant.id, campaign.id)
    async with database.sessions() as session:
        left = await session.scalar(
            sa.select(sa.func.count()).select_from(Lead).where(Lead.campaign_id == campaign.id)
        )
        attempts = await list_attempts(session, tenant.id, campaign.id)
        assert await campaign_agent_ids(session, campaign.id) == []
        assert await current_attempt(session, tenant.id, agent.id) is None
    assert left == 0
    assert [a.id for a in attempts] == [attempt.id]


# ---- do not call ------------------------------------------------------------------------------


async def test_do_not_call_entries_are_normalised_and_idempotent(database: Database) -> None:
    tenant, other = await make_tenant(database), await make_tenant(database)
    digits = f"{secrets.randbelow(10**9):09d}"
    number = f"+1 ({digits[:3]}) {digits[3:6]}-{digits[6:]}"
    async with database.transaction() as session:
        entry = await add_dnc(session, tenant.id, number, "asked")
        again = await add_dnc(session, tenant.id, f"+1{digits}", "again")
        platform = await add_dnc(session, None, f"+1{digits}")
        with pytest.raises(InvalidInput):
            await add_dnc(session, tenant.id, "+ ( ) -")
    assert entry.id == again.id
    assert (entry.number, again.reason) == (f"+1{digits}", "asked")
    assert platform.id != entry.id
    async with database.sessions() as session:
        platform_numbers, tenants = await dnc_lists(session)
        assert [e.number for e in await list_dnc(session, tenant.id)] == [f"+1{digits}"]
        assert await list_dnc(session, other.id) == []
        assert f"+1{digits}" in [e.number for e in await list_dnc(session, None, limit=10**6)]
    assert f"+1{digits}" in platform_numbers
    assert tenants[tenant.id] == [f"+1{digits}"]
    assert other.id not in tenants
    async with database.transaction() as session:
        with pytest.raises(NotFound):
            await remove_dnc(session, other.id, number)
        await remove_dnc(session, tenant.id, number)
        await remove_dnc(session, None, number)
    async with database.sessions() as session:
        platform_numbers, tenants = await dnc_lists(session)
    assert f"+1{digits}" not in platform_numbers and tenant.id not in tenants


# ---- call attempts ----------------------------------------------------------------------------


async def test_attempts_are_recorded_updated_and_listed_newest_first(database: Database) -> None:
    tenant, other = await make_tenant(database), await make_tenant(database)
    campaign = await make_campaign(database, tenant)
    await import_text(database, campaign, LEADS)
    lead = (await leads_by_id(database, campaign))["c1"]
    first = await bridged_attempt(database, campaign, lead, None, outcome=None, bridged_at=None)
    later = NOW + dt.timedelta(minutes=1)
    second = await bridged_attempt(database, campaign, lead, None, started_at=later)
    async with database.transaction() as session:
        await update_attempt(
            session,
            first.id,
            {"outcome": AttemptOutcome.BUSY, "sip_status": 486, "ended_at": NOW, "result": "busy"},
        )
        with pytest.raises(InvalidInput):
            await update_attempt(session, first.id, {"colour": "red"})
    async with database.sessions() as session:
        attempts = await list_attempts(session, tenant.id, campaign.id)
        assert await list_attempts(session, other.id, campaign.id) == []
    assert [a.id for a in attempts] == [second.id, first.id]
    assert (attempts[1].outcome, attempts[1].sip_status, attempts[1].ended_at) == ("busy", 486, NOW)


async def test_disposition_rules(database: Database) -> None:
    tenant, other = await make_tenant(database), await make_tenant(database)
    campaign = await make_campaign(database, tenant, require_consent=True)
    agent = await make_agent(database, tenant, "11")
    await import_text(database, campaign, LEADS)
    lead = (await leads_by_id(database, campaign))["c1"]
    unbridged = await bridged_attempt(
        database, campaign, lead, None, outcome="abandoned", bridged_at=None
    )
    attempt = await bridged_attempt(database, campaign, lead, agent.id)
    callback = NOW + dt.timedelta(days=1)
    async with database.transaction() as session:
        with pytest.raises(NotFound):
            await set_disposition(session, other.id, attempt.id, "completed", now=NOW)
        with pytest.raises(InvalidInput, match="never reached an agent"):
            await set_disposition(session, tenant.id, unbridged.id, "completed", now=NOW)
        with pytest.raises(InvalidInput, match="consent"):
            await set_disposition(session, tenant.id, attempt.id, "completed", now=NOW)
        with pytest.raises(InvalidInput, match="code"):
            await set_disposition(session, tenant.id, attempt.id, " ", consent=True, now=NOW)
    async with database.sessions() as session:
        assert await dispositioned_among(session, campaign.id, [attempt.id]) == []
        found = await current_attempt(session, tenant.id, agent.id)
    assert found is not None and (found[0].id, found[1].id) == (attempt.id, lead.id)
    async with database.transaction() as session:
        done = await set_disposition(
            session,
            tenant.id,
            attempt.id,
            "callback",
            consent=False,
            callback_at=callback,
            now=NOW,
        )
    assert (done.disposition, done.consent, done.callback_at) == ("callback", False, callback)
    async with database.transaction() as session:
        with pytest.raises(InvalidInput, match="already"):
            await set_disposition(
                session, tenant.id, attempt.id, "completed", consent=True, now=NOW
            )
    async with database.sessions() as session:
        polled = await dispositioned_among(session, campaign.id, [attempt.id, unbridged.id])
        assert await current_attempt(session, tenant.id, agent.id) is None
    assert [(a.id, a.dispositioned_at) for a in polled] == [(attempt.id, NOW)]


async def test_consent_is_optional_unless_the_campaign_requires_it(database: Database) -> None:
    tenant = await make_tenant(database)
    campaign = await make_campaign(database, tenant)
    await import_text(database, campaign, LEADS)
    lead = (await leads_by_id(database, campaign))["c2"]
    attempt = await bridged_attempt(database, campaign, lead, None)
    async with database.transaction() as session:
        done = await set_disposition(session, tenant.id, attempt.id, "do_not_call", now=NOW)
    assert (done.disposition, done.consent) == ("do_not_call", None)
    async with database.sessions() as session:
        numbers = [entry.number for entry in await list_dnc(session, tenant.id)]
    assert numbers == ["+49302222222"]  # the person asked: no campaign of the tenant calls again


async def test_current_attempt_is_the_agents_newest_bridged_call(database: Database) -> None:
    tenant = await make_tenant(database)
    campaign = await make_campaign(database, tenant)
    ada, bob = await make_agent(database, tenant, "11"), await make_agent(database, tenant, "12")
    await import_text(database, campaign, LEADS)
    leads = await leads_by_id(database, campaign)
    await bridged_attempt(database, campaign, leads["c1"], ada.id)
    newer = await bridged_attempt(
        database, campaign, leads["c2"], ada.id, started_at=NOW + dt.timedelta(minutes=3)
    )
    await bridged_attempt(
        database,
        campaign,
        leads["c5"],
        ada.id,
        started_at=NOW + dt.timedelta(minutes=9),
        outcome="abandoned",
        bridged_at=None,
    )
    async with database.sessions() as session:
        found = await current_attempt(session, tenant.id, ada.id)
        assert await current_attempt(session, tenant.id, bob.id) is None
    assert found is not None
    assert (found[0].id, found[1].external_id) == (newer.id, "c2")


async def test_live_answers_are_the_persons_of_the_window_oldest_first(database: Database) -> None:
    tenant = await make_tenant(database)
    campaign = await make_campaign(database, tenant)
    await import_text(database, campaign, LEADS)
    lead = (await leads_by_id(database, campaign))["c1"]
    hour = dt.timedelta(hours=1)
    await bridged_attempt(database, campaign, lead, None, answered_at=NOW + 2 * hour)
    await bridged_attempt(
        database, campaign, lead, None, answered_at=NOW + hour, outcome="abandoned"
    )
    await bridged_attempt(database, campaign, lead, None, answered_at=NOW - hour)  # too old
    await bridged_attempt(database, campaign, lead, None, answered_at=NOW, outcome="machine")
    async with database.sessions() as session:
        answers = await live_answers(session, campaign.id, NOW)
    assert answers == [(NOW + hour, True), (NOW + 2 * hour, False)]
