"""Campaign calls over HTTP: the agent's lead, dispositions, preview choices, do-not-call lists."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import httpx
import pytest

from seatline.store.enums import Role

from .campaign_helpers import (
    CSV,
    STAFF_ROLES,
    Listen,
    SeedCall,
    World,
    assert_error,
    make_campaign,
)


async def test_the_agents_screen_shows_the_lead(
    client: httpx.AsyncClient, tenant_a: World, tenant_b: World, seed_call: SeedCall
) -> None:
    agent = tenant_a.headers(Role.AGENT)
    assert_error(await client.get("/api/campaign-calls/current", headers=agent), 404, "not-found")
    seeded = await seed_call(tenant_a)
    answer = await client.get("/api/campaign-calls/current", headers=agent)
    assert answer.status_code == 200, answer.text
    current = answer.json()
    assert current["attempt"]["id"] == str(seeded["attempt"])
    assert current["lead"] == {
        "id": str(seeded["lead"]),
        "external_id": "L-1",
        "number": "+49 30 1234567",
        "fields": {"plan": "gold"},  # only the campaign's lead_fields: not "notes"
        "attempts": 0,
    }
    assert current["campaign"] == {
        "id": str(seeded["campaign"]),
        "name": "seeded",
        "require_consent": False,
    }
    other = await client.get("/api/campaign-calls/current", headers=tenant_b.headers(Role.AGENT))
    assert_error(other, 404, "not-found")
    # A supervisor without an agent has no campaign call of its own.
    supervisor = tenant_a.headers(Role.SUPERVISOR)
    none = await client.get("/api/campaign-calls/current", headers=supervisor)
    assert_error(none, 404, "not-found")


async def test_disposition_is_stored_and_published(
    client: httpx.AsyncClient, tenant_a: World, listen: Listen, seed_call: SeedCall
) -> None:
    seeded = await seed_call(tenant_a)
    url = f"/api/campaign-calls/{seeded['attempt']}/disposition"
    agent = tenant_a.headers(Role.AGENT)
    callback = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).replace(microsecond=0)
    listener = await listen(str(tenant_a.tenant.id))
    try:
        body = {"code": "callback", "callback_at": callback.isoformat()}
        answer = await client.post(url, json=body, headers=agent)
        assert answer.status_code == 200, answer.text
        assert answer.json()["disposition"] == "callback"
        assert answer.json()["dispositioned_at"] is not None
        event = await listener.next()
    finally:
        await listener.close()
    assert (event.topic, event.kind) == ("campaign", "Dispositioned")
    assert event.data == {
        "attempt_id": str(seeded["attempt"]),
        "campaign_id": str(seeded["campaign"]),
        "call_id": "campaign:1",
        "code": "callback",
        "callback_at": callback.isoformat(),
    }
    # The call is no longer the agent's current one, and it cannot be dispositioned twice.
    current = await client.get("/api/campaign-calls/current", headers=agent)
    assert_error(current, 404, "not-found")
    again = await client.post(url, json={"code": "completed"}, headers=agent)
    assert_error(again, 422, "invalid-input")


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"code": ""},
        {"code": "Not A Code"},
        {"code": "completed", "extra": 1},
        {"code": "callback", "callback_at": "2001-01-01T00:00:00Z"},
    ],
)
async def test_a_bad_disposition_body_is_422(
    client: httpx.AsyncClient, tenant_a: World, body: dict[str, Any], seed_call: SeedCall
) -> None:
    seeded = await seed_call(tenant_a)
    url = f"/api/campaign-calls/{seeded['attempt']}/disposition"
    answer = await client.post(url, json=body, headers=tenant_a.headers(Role.AGENT))
    assert_error(answer, 422, "invalid-input")


async def test_consent_is_required_when_the_campaign_asks(
    client: httpx.AsyncClient, tenant_a: World, seed_call: SeedCall
) -> None:
    seeded = await seed_call(tenant_a, require_consent=True)
    url = f"/api/campaign-calls/{seeded['attempt']}/disposition"
    agent = tenant_a.headers(Role.AGENT)
    current = (await client.get("/api/campaign-calls/current", headers=agent)).json()
    assert current["campaign"]["require_consent"] is True
    refused = await client.post(url, json={"code": "completed"}, headers=agent)
    assert "consent" in assert_error(refused, 422, "invalid-input")
    answer = await client.post(url, json={"code": "completed", "consent": False}, headers=agent)
    assert answer.status_code == 200, answer.text
    assert (answer.json()["disposition"], answer.json()["consent"]) == ("completed", False)


async def test_an_agent_dispositions_only_its_own_call(
    client: httpx.AsyncClient, tenant_a: World, tenant_b: World, seed_call: SeedCall
) -> None:
    seeded = await seed_call(tenant_a, agent_id=uuid.uuid4())
    url = f"/api/campaign-calls/{seeded['attempt']}/disposition"
    missing = f"/api/campaign-calls/{uuid.uuid4()}/disposition"
    body = {"code": "completed"}
    agent = tenant_a.headers(Role.AGENT)
    theirs = await client.post(url, json=body, headers=agent)
    nothing = await client.post(missing, json=body, headers=agent)
    assert_error(theirs, 404, "not-found")
    scrubbed = theirs.text.replace(str(seeded["attempt"]), "<id>")
    assert scrubbed == nothing.text.replace(missing.split("/")[3], "<id>")
    for role in Role:  # another tenant's users, whatever their role
        assert_error(
            await client.post(url, json=body, headers=tenant_b.headers(role)), 404, "not-found"
        )
    answer = await client.post(url, json=body, headers=tenant_a.headers(Role.SUPERVISOR))
    assert answer.status_code == 200, answer.text


async def test_preview_choices_are_published(
    client: httpx.AsyncClient, tenant_a: World, listen: Listen
) -> None:
    supervisor = tenant_a.headers(Role.SUPERVISOR)
    campaign = await make_campaign(client, tenant_a, mode="preview")
    base = f"/api/campaigns/{campaign['id']}"
    leads = await client.post(
        f"{base}/leads", content=b"number\n+4930111111\n", headers=supervisor | CSV
    )
    assert leads.status_code == 200, leads.text
    lead = (await client.get(f"{base}/leads", headers=supervisor)).json()[0]["id"]
    agent = tenant_a.headers(Role.AGENT)
    not_assigned = await client.post(f"{base}/preview/{lead}/dial", headers=agent)
    assert_error(not_assigned, 403, "forbidden")
    agent_id = str(tenant_a.rows["agents"])
    await client.put(f"{base}/agents", json={"agent_ids": [agent_id]}, headers=supervisor)
    listener = await listen(str(tenant_a.tenant.id))
    try:
        dial = await client.post(f"{base}/preview/{lead}/dial", headers=agent)
        assert dial.status_code == 202, dial.text
        skip = await client.post(f"{base}/preview/{lead}/skip", headers=agent)
        assert skip.status_code == 202, skip.text
        events = [await listener.next(), await listener.next()]
    finally:
        await listener.close()
    data = {"campaign_id": campaign["id"], "lead_id": lead, "agent_id": agent_id}
    assert [(e.topic, e.kind, e.data) for e in events] == [
        ("campaign", "PreviewAccepted", data),
        ("campaign", "PreviewSkipped", data),
    ]
    assert dial.json() == {**data, "action": "dial"}
    unknown = await client.post(f"{base}/preview/{uuid.uuid4()}/dial", headers=agent)
    assert_error(unknown, 404, "not-found")
    no_agent = await client.post(f"{base}/preview/{lead}/dial", headers=supervisor)
    assert_error(no_agent, 403, "forbidden")
    await client.patch(base, json={"mode": "predictive"}, headers=supervisor)
    predictive = await client.post(f"{base}/preview/{lead}/skip", headers=agent)
    assert "preview" in assert_error(predictive, 409, "conflict")


async def test_tenant_dnc_list(client: httpx.AsyncClient, tenant_a: World, tenant_b: World) -> None:
    headers = tenant_a.headers(Role.SUPERVISOR)
    added = await client.post(
        "/api/dnc", json={"number": "+1 (555) 010-0000", "reason": "asked"}, headers=headers
    )
    assert added.status_code == 201, added.text
    assert (added.json()["number"], added.json()["reason"]) == ("+15550100000", "asked")
    twice = await client.post("/api/dnc", json={"number": "+15550100000"}, headers=headers)
    assert twice.status_code == 201 and twice.json()["number"] == "+15550100000"
    listed = (await client.get("/api/dnc", headers=headers)).json()
    assert [entry["number"] for entry in listed] == ["+15550100000"]
    assert (await client.get("/api/dnc", headers=tenant_b.headers(Role.SUPERVISOR))).json() == []
    other = await client.delete(
        "/api/dnc/+15550100000", headers=tenant_b.headers(Role.TENANT_ADMIN)
    )
    assert_error(other, 404, "not-found")
    no_digits = await client.post("/api/dnc", json={"number": "call me"}, headers=headers)
    assert_error(no_digits, 422, "invalid-input")
    assert_error(await client.post("/api/dnc", json={}, headers=headers), 422, "invalid-input")
    assert_error(
        await client.get("/api/dnc", headers=tenant_a.headers(Role.AGENT)), 403, "forbidden"
    )
    assert (await client.delete("/api/dnc/+15550100000", headers=headers)).status_code == 204
    assert (await client.get("/api/dnc", headers=headers)).json() == []
    assert_error(await client.delete("/api/dnc/+15550100000", headers=headers), 404, "not-found")


async def test_platform_dnc_list_is_the_operators(
    client: httpx.AsyncClient, tenant_a: World
) -> None:
    operator = tenant_a.headers(Role.PLATFORM_ADMIN)
    for role in (Role.TENANT_ADMIN, Role.SUPERVISOR, Role.AGENT):
        headers = tenant_a.headers(role)
        assert_error(await client.get("/api/platform/dnc", headers=headers), 403, "forbidden")
        body = {"number": "+4930999"}
        answer = await client.post("/api/platform/dnc", json=body, headers=headers)
        assert_error(answer, 403, "forbidden")
    added = await client.post("/api/platform/dnc", json={"number": "+49 30 999"}, headers=operator)
    assert added.status_code == 201, added.text
    assert added.json()["number"] == "+4930999"
    listed = (await client.get("/api/platform/dnc", headers=operator)).json()
    assert [entry["number"] for entry in listed] == ["+4930999"]
    # The platform's list is not the tenant's.
    assert (await client.get("/api/dnc", headers=operator)).json() == []
    gone = await client.delete("/api/platform/dnc/+4930999", headers=operator)
    assert gone.status_code == 204
    assert (await client.get("/api/platform/dnc", headers=operator)).json() == []


async def test_agents_read_only_their_own_call(client: httpx.AsyncClient, tenant_a: World) -> None:
    agent = tenant_a.headers(Role.AGENT)
    campaign = await make_campaign(client, tenant_a)
    base = f"/api/campaigns/{campaign['id']}"
    refused = [
        await client.get("/api/campaigns", headers=agent),
        await client.post("/api/campaigns", json={"name": "mine"}, headers=agent),
        await client.get(base, headers=agent),
        await client.patch(base, json={"ring_timeout": 30}, headers=agent),
        await client.delete(base, headers=agent),
        await client.post(f"{base}/start", headers=agent),
        await client.get(f"{base}/leads", headers=agent),
        await client.get(f"{base}/attempts", headers=agent),
        await client.put(f"{base}/agents", json={"agent_ids": []}, headers=agent),
        await client.post("/api/dnc", json={"number": "+4930111"}, headers=agent),
    ]
    assert [answer.status_code for answer in refused] == [403] * len(refused)
    for role in STAFF_ROLES:
        answer = await client.get(base, headers=tenant_a.headers(role))
        assert answer.status_code == 200, (role, answer.text)


async def test_another_tenants_campaign_is_not_found(
    client: httpx.AsyncClient, tenant_a: World, tenant_b: World
) -> None:
    campaign = await make_campaign(client, tenant_a)
    base = f"/api/campaigns/{campaign['id']}"
    missing = f"/api/campaigns/{uuid.uuid4()}"
    for role in STAFF_ROLES:
        headers = tenant_b.headers(role)
        assert (await client.get("/api/campaigns", headers=headers)).json() == []
        for method, suffix, kwargs in [
            ("GET", "", {}),
            ("PATCH", "", {"json": {"ring_timeout": 30}}),
            ("DELETE", "", {}),
            ("POST", "/start", {}),
            ("POST", "/stop", {}),
            ("GET", "/agents", {}),
            ("PUT", "/agents", {"json": {"agent_ids": []}}),
            ("GET", "/leads", {}),
            ("POST", "/leads", {"content": b"number\n+4930111\n", "headers": CSV}),
            ("GET", "/attempts", {}),
            ("GET", "/summary", {}),
        ]:
            options = dict(kwargs)
            options["headers"] = headers | options.get("headers", {})
            foreign = await client.request(method, base + suffix, **options)
            absent = await client.request(method, missing + suffix, **options)
            assert_error(foreign, 404, "not-found")
            scrubbed = foreign.text.replace(campaign["id"], "<id>")
            assert scrubbed == absent.text.replace(missing.rsplit("/", 1)[1], "<id>"), method
    after = await client.get(base, headers=tenant_a.headers(Role.SUPERVISOR))
    assert after.json() == campaign


async def test_do_not_call_disposition_blocks_the_number(
    client: httpx.AsyncClient, tenant_a: World, seed_call: SeedCall
) -> None:
    seeded = await seed_call(tenant_a)
    url = f"/api/campaign-calls/{seeded['attempt']}/disposition"
    answer = await client.post(
        url, json={"code": "do_not_call"}, headers=tenant_a.headers(Role.AGENT)
    )
    assert answer.status_code == 200, answer.text
    listed = await client.get("/api/dnc", headers=tenant_a.headers(Role.SUPERVISOR))
    assert [entry["number"] for entry in listed.json()] == ["+49301234567"]
