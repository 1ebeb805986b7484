"""A lead list without ids keys each lead by its number, never by its line (issue 11).

Keyed by line, a second import with the rows in another order gave one person's lead (its
attempts, its place, its callbacks) another person's number. Run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import sqlalchemy as sa

from seatline.dialer import LeadState
from seatline.store.campaigns import update_lead
from seatline.store.db import Database
from seatline.store.models import Lead

from .helpers import import_text, leads_by_id, make_campaign, make_tenant


async def people(database: Database, campaign: object) -> dict[str, tuple[object, str]]:
    """Each lead's name → (lead id, number)."""
    leads = await leads_by_id(database, campaign)  # type: ignore[arg-type]
    return {lead.fields["name"]: (lead.id, lead.number) for lead in leads.values()}


async def test_a_reimport_in_another_order_updates_each_persons_own_lead(
    database: Database,
) -> None:
    tenant = await make_tenant(database)
    campaign = await make_campaign(database, tenant)
    first = await import_text(database, campaign, "number,name\n+49 30 1111,Ada\n+49 30 2222,Bob\n")
    assert (first.added, first.updated) == (2, 0)
    before = await people(database, campaign)

    # The same people, other order, numbers written differently, new notes.
    again = "number,name,note\n+4930-2222,Bob,moved\n+49 (30) 1111,Ada,vip\n"
    second = await import_text(database, campaign, again)
    assert (second.added, second.updated, second.errors) == (0, 2, [])
    after = await people(database, campaign)
    assert after["Ada"][0] == before["Ada"][0] and after["Bob"][0] == before["Bob"][0]
    assert after["Ada"][1] == "+49 (30) 1111" and after["Bob"][1] == "+4930-2222"
    leads = await leads_by_id(database, campaign)
    assert leads["tel:+49301111"].fields == {"name": "Ada", "note": "vip"}


async def test_another_list_adds_its_people_and_leaves_the_others_alone(
    database: Database,
) -> None:
    tenant = await make_tenant(database)
    campaign = await make_campaign(database, tenant)
    await import_text(database, campaign, "number,name\n+49301111,Ada\n")
    (ada,) = (await leads_by_id(database, campaign)).values()
    async with database.transaction() as session:
        await update_lead(session, ada.id, {"attempts": 1})  # Ada was tried once already
    other = await import_text(database, campaign, "number,name\n+49303333,Cy\n")
    assert (other.added, other.updated) == (1, 0)
    found = await people(database, campaign)
    assert found["Ada"] == (ada.id, "+49301111")
    assert found["Cy"][1] == "+49303333"
    refreshed = await leads_by_id(database, campaign)
    assert refreshed["tel:+49301111"].attempts == 1


async def test_a_number_twice_in_one_list_is_reported_not_dialled_twice(
    database: Database,
) -> None:
    tenant = await make_tenant(database)
    campaign = await make_campaign(database, tenant)
    text = "id,number,name\n,+49301111,Ada\n,+49 30 1111,Ada again\nx9,+49301111,Ada's office\n"
    result = await import_text(database, campaign, text)
    assert result.added == 2  # an explicit id is its own lead, whatever its number
    assert [(e.line, e.reason) for e in result.errors] == [
        (3, "duplicate number '+49 30 1111' (first on line 2)")
    ]


async def test_leads_an_older_version_keyed_by_line_are_found_by_number(
    database: Database,
) -> None:
    tenant = await make_tenant(database)
    campaign = await make_campaign(database, tenant)
    await import_text(database, campaign, "number,name\n+49301111,Ada\n+49302222,Bob\n")
    async with database.transaction() as session:  # as the older version named them
        for lead in await session.scalars(sa.select(Lead).where(Lead.campaign_id == campaign.id)):
            lead.external_id = "line-2" if lead.fields["name"] == "Ada" else "line-3"
    leads = await leads_by_id(database, campaign)
    async with database.transaction() as session:
        await update_lead(session, leads["line-3"].id, {"state": LeadState.DONE})
    result = await import_text(database, campaign, "number,name\n+49302222,Bob\n+49301111,Ada\n")
    assert (result.added, result.updated, result.skipped) == (0, 1, 1)  # Bob is done: kept
    after = await leads_by_id(database, campaign)
    assert set(after) == {"tel:+49301111", "tel:+49302222"}
    assert after["tel:+49301111"].id == leads["line-2"].id
    assert after["tel:+49302222"].state == LeadState.DONE.value
