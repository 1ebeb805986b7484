"""The campaign summary on both backends: every figure of a small hand-made campaign."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from typing import Any

import pytest

from seatline.dialer import AttemptOutcome
from seatline.store.campaign_report import CampaignSummary, campaign_summary
from seatline.store.campaigns import update_lead
from seatline.store.db import Database
from seatline.store.errors import NotFound
from seatline.store.models import Campaign, Lead, Tenant

from .helpers import NOW, bridged_attempt, import_text, leads_by_id, make_campaign, make_tenant

HOUR = dt.timedelta(hours=1)
MINUTE = dt.timedelta(minutes=1)
LEADS = "id,number\nl1,5550001\nl2,5550002\nl3,5550003\nl4,5550004\nl5,5550005\n"


async def summary(
    database: Database, campaign: Campaign, window: dt.timedelta = HOUR
) -> CampaignSummary:
    """The campaign's summary at NOW."""
    async with database.sessions() as session:
        return await campaign_summary(session, campaign.tenant_id, campaign.id, NOW, window)


async def attempt(
    database: Database, campaign: Campaign, lead: Lead, outcome: str | None, **values: Any
) -> None:
    """Record an attempt with this outcome: only a connected one reached an agent."""
    reached = outcome == AttemptOutcome.CONNECTED
    extra: dict[str, Any] = {"outcome": outcome} | ({} if reached else {"bridged_at": None})
    if outcome not in (AttemptOutcome.CONNECTED, AttemptOutcome.ABANDONED):
        extra["answered_at"] = None  # no person answered
    agent_id = uuid.uuid4() if reached else None
    await bridged_attempt(database, campaign, lead, agent_id, **(extra | values))


async def seeded_campaign(database: Database, tenant: Tenant) -> Campaign:
    """A campaign with five leads in four states and ten attempts of every kind."""
    campaign = await make_campaign(database, tenant, abandon_cap=0.02)
    await import_text(database, campaign, LEADS)
    leads = await leads_by_id(database, campaign)
    async with database.transaction() as session:
        for external_id, state in [("l2", "dialing"), ("l3", "done"), ("l4", "done")]:
            await update_lead(session, leads[external_id].id, {"state": state})
        await update_lead(session, leads["l5"].id, {"state": "blocked"})
    lead = leads["l1"]
    connected, abandoned = AttemptOutcome.CONNECTED, AttemptOutcome.ABANDONED
    # Connected: in the hour, exactly an hour old (out: the window is open at its start),
    # and answered at NOW itself (in: closed at its end).
    for answered, talk, wait, verdict, seconds, code in [
        (NOW - 10 * MINUTE, 60.0, 1.0, "human", 2.0, "completed"),
        (NOW - HOUR, 120.0, 3.0, "human", 3.0, "completed"),
        (NOW, 30.0, 2.0, "not_sure", 4.0, "not_interested"),
    ]:
        await attempt(
            database,
            campaign,
            lead,
            connected,
            answered_at=answered,
            talk_seconds=talk,
            wait_seconds=wait,
            amd_result=verdict,
            amd_seconds=seconds,
            disposition=code,
        )
    # Abandoned: in the hour, and a second after NOW (not yet in any window ending at NOW).
    for answered, seconds in [(NOW - 59 * MINUTE, 1.0), (NOW + dt.timedelta(seconds=1), 6.0)]:
        await attempt(
            database,
            campaign,
            lead,
            abandoned,
            answered_at=answered,
            wait_seconds=2.0,  # an abandoned wait never counts toward the connected mean
            amd_result="human",
            amd_seconds=seconds,
        )
    machine = {"answered_at": NOW - 5 * MINUTE, "amd_result": "machine", "amd_seconds": 5.0}
    await attempt(database, campaign, lead, AttemptOutcome.MACHINE, **machine)
    for outcome in (AttemptOutcome.BUSY, AttemptOutcome.NO_ANSWER, AttemptOutcome.FAILED, None):
        await attempt(database, campaign, lead, outcome)
    return campaign


async def test_every_figure_of_a_hand_made_campaign(database: Database) -> None:
    tenant = await make_tenant(database)
    campaign = await seeded_campaign(database, tenant)
    # Noise that must not count: another campaign of the tenant, another tenant's campaign.
    for other in (await make_campaign(database, tenant, name="autumn"), None):
        if other is None:
            other = await make_campaign(database, await make_tenant(database))
        await import_text(database, other, LEADS)
        lead = (await leads_by_id(database, other))["l1"]
        await attempt(database, other, lead, "abandoned", answered_at=NOW - MINUTE)
        await attempt(database, other, lead, "connected", answered_at=NOW, disposition="sale")

    found = await summary(database, campaign)

    assert (found.campaign_id, found.campaign_name) == (campaign.id, "spring")
    assert found.leads == {
        "pending": 1,
        "previewing": 0,
        "dialing": 1,
        "connected": 0,
        "done": 2,
        "blocked": 1,
    }
    assert found.leads_total == 5
    assert found.attempts == {
        "busy": 1,
        "no_answer": 1,
        "failed": 1,
        "machine": 1,
        "abandoned": 2,
        "connected": 3,
        "open": 1,
    }
    assert found.attempts_total == 10
    assert found.amd == {"human": 4, "machine": 1, "not_sure": 1}
    assert found.amd_mean_seconds == pytest.approx((2 + 3 + 4 + 1 + 6 + 5) / 6)
    window = found.abandonment
    assert (window.since, window.until) == (NOW - HOUR, NOW)
    assert (window.live_answered, window.abandoned) == (3, 1)
    assert window.rate == pytest.approx(1 / 3)
    assert window.cap == pytest.approx(0.02)
    assert found.connects == 3
    assert found.mean_talk_seconds == pytest.approx(70.0)
    assert found.mean_wait_seconds == pytest.approx(2.0)
    assert found.dispositions == {"completed": 2, "not_interested": 1}


async def test_the_window_moves_the_abandonment_only(database: Database) -> None:
    campaign = await seeded_campaign(database, await make_tenant(database))
    hour = await summary(database, campaign)
    month = await summary(database, campaign, dt.timedelta(days=30))
    # The hour-old connect joins; the abandon answered after NOW stays out of any window.
    assert (month.abandonment.live_answered, month.abandonment.abandoned) == (4, 1)
    assert month.abandonment.rate == pytest.approx(0.25)
    assert month.abandonment.since == NOW - dt.timedelta(days=30)
    unmoved = {field.name for field in dataclasses.fields(CampaignSummary)} - {"abandonment"}
    assert all(getattr(hour, name) == getattr(month, name) for name in unmoved)
    minute = await summary(database, campaign, MINUTE)
    # Only the connect answered at NOW itself is younger than a minute.
    assert (minute.abandonment.live_answered, minute.abandonment.abandoned) == (1, 0)


async def test_an_empty_campaign_has_zeros_and_no_means(database: Database) -> None:
    campaign = await make_campaign(database, await make_tenant(database))
    found = await summary(database, campaign)
    assert set(found.leads.values()) == {0} and len(found.leads) == 6
    assert found.leads_total == 0
    assert set(found.attempts.values()) == {0} and len(found.attempts) == 7
    assert found.attempts_total == 0
    assert found.amd == {"human": 0, "machine": 0, "not_sure": 0}
    assert found.amd_mean_seconds is None
    assert (found.abandonment.live_answered, found.abandonment.abandoned) == (0, 0)
    assert found.abandonment.rate == 0.0
    assert found.abandonment.cap == pytest.approx(0.03)
    assert found.connects == 0
    assert found.mean_talk_seconds is None and found.mean_wait_seconds is None
    assert found.dispositions == {}


async def test_another_tenants_campaign_is_not_found(database: Database) -> None:
    campaign = await make_campaign(database, await make_tenant(database))
    other = await make_tenant(database)
    async with database.sessions() as session:
        for tenant_id, campaign_id in [(other.id, campaign.id), (campaign.tenant_id, uuid.uuid4())]:
            with pytest.raises(NotFound):
                await campaign_summary(session, tenant_id, campaign_id, NOW)
