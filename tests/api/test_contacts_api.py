"""Contact records through the API: search, detail, disposition, and who sees what."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import httpx

from seatline.store.contacts import ContactRecord, LegRecord, OfferRecord, save_contact_record
from seatline.store.db import Database
from seatline.store.enums import (
    Channel,
    ContactDirection,
    ContactOutcome,
    LegRole,
    OfferOutcome,
    Role,
)

World = Any  # the conftest's World


def assert_error(answer: httpx.Response, status: int, error_id: str) -> dict[str, Any]:
    """Check the shared error body and return it."""
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert body["status"] == status and body["error_id"] == error_id and body["message"]
    return dict(body)


T0 = dt.datetime(2026, 11, 2, 8, 0, tzinfo=dt.UTC)


async def save(database: Database, world: World, minute: int, **values: Any) -> uuid.UUID:
    """Save a contact of the world's tenant that arrived `minute` minutes after T0."""
    contact_id = uuid.uuid4()
    record = ContactRecord(
        tenant_id=world.tenant.id,
        contact_id=contact_id,
        channel=Channel.VOICE,
        direction=ContactDirection.INBOUND,
        arrived_at=T0 + dt.timedelta(minutes=minute),
        outcome=values.pop("outcome", ContactOutcome.ANSWERED),
        dialled_number="+493000001",
        legs=(LegRecord("call-1", LegRole.CALLER, T0, "sip:carrier"),),
        offers=(OfferRecord(uuid.uuid4(), T0, OfferOutcome.NO_ANSWER),),
        **values,
    )
    async with database.sessions() as session:
        await save_contact_record(session, record)
    return contact_id


async def test_search_filters_and_pages_newest_first(
    client: httpx.AsyncClient, database: Database, tenant_a: World
) -> None:
    agent = tenant_a.rows["agents"]
    queue = tenant_a.rows["queues"]
    first = await save(database, tenant_a, 0, agent_id=agent, queue_id=queue, queue_name="q")
    second = await save(
        database, tenant_a, 5, outcome=ContactOutcome.ABANDONED, caller_number="+4917011"
    )
    third = await save(database, tenant_a, 10, agent_id=agent, queue_name="other")
    headers = tenant_a.headers(Role.SUPERVISOR)

    async def ids(**params: str) -> list[str]:
        answer = await client.get("/api/contacts", params=params, headers=headers)
        assert answer.status_code == 200, answer.text
        return [row["id"] for row in answer.json()]

    window = {"from": "2026-11-02T08:00:00Z", "to": "2026-11-02T09:00:00Z"}
    assert await ids(**window) == [str(third), str(second), str(first)]
    assert await ids(**window, limit="1", offset="1") == [str(second)]
    assert await ids(**window, outcome="abandoned") == [str(second)]
    assert await ids(**window, queue=str(queue)) == [str(first)]
    assert await ids(**window, queue="other") == [str(third)]
    assert await ids(**window, agent=str(agent)) == [str(third), str(first)]
    assert await ids(**window, number="+49 170-11") == [str(second)]
    # A time without an offset is UTC; +01:00 names the same instants an hour on.
    assert await ids(**{"from": "2026-11-02T08:04:00", "to": "2026-11-02T09:06:00+01:00"}) == [
        str(second)
    ]
    detail = (await client.get(f"/api/contacts/{first}", headers=headers)).json()
    assert detail["arrived_at"] == "2026-11-02T08:00:00Z"
    assert [leg["role"] for leg in detail["legs"]] == ["caller"]
    assert [offer["outcome"] for offer in detail["offers"]] == ["no_answer"]


async def test_bad_filters_are_422(client: httpx.AsyncClient, tenant_a: World) -> None:
    headers = tenant_a.headers(Role.SUPERVISOR)
    for params in (
        {"outcome": "lost"},
        {"from": "yesterday"},
        {"from": "2026-11-02T10:00:00Z", "to": "2026-11-02T09:00:00Z"},
        {"agent": "not-a-uuid"},
        {"limit": "0"},
    ):
        answer = await client.get("/api/contacts", params=params, headers=headers)
        assert_error(answer, 422, "invalid-input")


async def test_agents_see_and_disposition_only_their_own_contacts(
    client: httpx.AsyncClient, database: Database, tenant_a: World
) -> None:
    agent = tenant_a.rows["agents"]
    own = await save(database, tenant_a, 0, agent_id=agent)
    others = await save(database, tenant_a, 1, agent_id=uuid.uuid4())
    headers = tenant_a.headers(Role.AGENT)
    listed = await client.get("/api/contacts", headers=headers)
    listed_ids = {row["id"] for row in listed.json()}
    assert str(own) in listed_ids and str(others) not in listed_ids
    assert {row["agent_id"] for row in listed.json()} == {str(agent)}
    other_agent = await client.get(f"/api/contacts?agent={uuid.uuid4()}", headers=headers)
    assert other_agent.json() == []
    assert_error(await client.get(f"/api/contacts/{others}", headers=headers), 404, "not-found")
    body = {"code": "sale"}
    url = f"/api/contacts/{others}/disposition"
    assert_error(await client.put(url, json=body, headers=headers), 404, "not-found")
    done = await client.put(f"/api/contacts/{own}/disposition", json=body, headers=headers)
    assert done.status_code == 200, done.text
    assert done.json()["disposition"] == "sale"
    # A supervisor may set it on anyone's contact, and clear it.
    supervisor = tenant_a.headers(Role.SUPERVISOR)
    done = await client.put(url, json=body, headers=supervisor)
    assert done.json()["disposition"] == "sale"
    cleared = await client.put(url, json={"code": None}, headers=supervisor)
    assert cleared.json()["disposition"] is None


async def test_disposition_code_must_be_the_tenants(
    client: httpx.AsyncClient, database: Database, tenant_a: World
) -> None:
    contact = await save(database, tenant_a, 0, agent_id=tenant_a.rows["agents"])
    url = f"/api/contacts/{contact}/disposition"
    headers = tenant_a.headers(Role.AGENT)
    unknown = await client.put(url, json={"code": "no-such"}, headers=headers)
    body = assert_error(unknown, 422, "invalid-reference")
    assert "no-such" in body["message"]
    assert_error(
        await client.put(url, json={"code": "Bad Code"}, headers=headers), 422, "invalid-input"
    )
    assert_error(await client.put(url, json={}, headers=headers), 422, "invalid-input")


async def test_a_later_save_keeps_the_agents_disposition(
    client: httpx.AsyncClient, database: Database, tenant_a: World
) -> None:
    agent = tenant_a.rows["agents"]
    contact = await save(database, tenant_a, 0, agent_id=agent)
    headers = tenant_a.headers(Role.AGENT)
    url = f"/api/contacts/{contact}/disposition"
    assert (await client.put(url, json={"code": "sale"}, headers=headers)).status_code == 200
    record = ContactRecord(
        tenant_id=tenant_a.tenant.id,
        contact_id=contact,
        channel=Channel.VOICE,
        direction=ContactDirection.INBOUND,
        arrived_at=T0,
        outcome=ContactOutcome.ANSWERED,
        agent_id=agent,
        talk_seconds=42.0,
    )
    async with database.sessions() as session:
        await save_contact_record(session, record)
    detail = (await client.get(f"/api/contacts/{contact}", headers=headers)).json()
    assert (detail["disposition"], detail["talk_seconds"], detail["legs"]) == ("sale", 42.0, [])
