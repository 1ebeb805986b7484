"""Outbound campaigns over HTTP: settings checked like the dialer, agents, leads, summary."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from seatline.api import campaigns
from seatline.dialer import AttemptOutcome, LeadState
from seatline.store.db import Database
from seatline.store.enums import Role

from .campaign_helpers import (
    CSV,
    SeedCall,
    World,
    add_attempt,
    assert_error,
    make_campaign,
)


async def test_campaign_create_read_change_delete(
    client: httpx.AsyncClient, tenant_a: World
) -> None:
    headers = tenant_a.headers(Role.SUPERVISOR)
    own = await client.get(f"/api/numbers/{tenant_a.rows['numbers']}", headers=headers)
    body = {
        "name": "spring",
        "mode": "progressive",
        "caller_id": own.json()["number"],
        "caller_name": "Acme",
        "abandon_cap": 0.02,
        "ring_timeout": 20,
        "max_wait_for_agent": 1.5,
        "max_attempts": 4,
        "retries": {"busy": {"max_attempts": 2, "spacing": 300}},
        "window_start": 480,
        "window_end": 1200,
        "window_days": [5, 1, 2, 2],
        "wrap_up_seconds": 15,
        "require_consent": True,
        "lead_fields": ["plan"],
        "amd": {"max_words": 4, "initial_silence": 3.0},
    }
    created = await client.post("/api/campaigns", json=body, headers=headers)
    assert created.status_code == 201, created.text
    campaign = created.json()
    assert campaign["active"] is False
    assert campaign["window_days"] == [1, 2, 5]
    assert campaign["retries"] == {"busy": {"max_attempts": 2, "spacing": 300.0}}
    assert campaign["amd"] == {"max_words": 4, "initial_silence": 3.0}
    url = f"/api/campaigns/{campaign['id']}"
    assert (await client.get(url, headers=headers)).json() == campaign
    listed = (await client.get("/api/campaigns", headers=headers)).json()
    assert [item["id"] for item in listed] == [campaign["id"]]

    changed = await client.patch(url, json={"ring_timeout": 30, "mode": "preview"}, headers=headers)
    assert changed.status_code == 200, changed.text
    assert (changed.json()["ring_timeout"], changed.json()["mode"]) == (30.0, "preview")
    assert changed.json()["revision"] != campaign["revision"]
    assert changed.json()["caller_name"] == "Acme"

    duplicate = await client.post("/api/campaigns", json={"name": "spring"}, headers=headers)
    assert duplicate.status_code == 409, duplicate.text

    assert (await client.delete(url, headers=headers)).status_code == 204
    assert_error(await client.get(url, headers=headers), 404, "not-found")


async def test_a_campaign_presents_only_its_tenants_own_number(
    client: httpx.AsyncClient, tenant_a: World, tenant_b: World
) -> None:
    headers = tenant_a.headers(Role.SUPERVISOR)
    theirs = await client.get(
        f"/api/numbers/{tenant_b.rows['numbers']}", headers=tenant_b.headers(Role.SUPERVISOR)
    )
    for caller_id in (theirs.json()["number"], "+4930999999", "x>;evil=1"):
        body = {"name": "spoof", "caller_id": caller_id}
        answer = await client.post("/api/campaigns", json=body, headers=headers)
        assert "caller_id" in assert_error(answer, 422, "invalid-input"), caller_id
    campaign = await make_campaign(client, tenant_a)
    url = f"/api/campaigns/{campaign['id']}"
    answer = await client.patch(url, json={"caller_id": theirs.json()["number"]}, headers=headers)
    assert_error(answer, 422, "invalid-input")


async def test_defaults_are_the_dialers(client: httpx.AsyncClient, tenant_a: World) -> None:
    campaign = await make_campaign(client, tenant_a)
    assert campaign["mode"] == "predictive"
    assert (campaign["abandon_cap"], campaign["ring_timeout"]) == (0.03, 25.0)
    assert (campaign["window_start"], campaign["window_end"]) == (540, 1260)
    assert campaign["window_days"] == [1, 2, 3, 4, 5, 6]


@pytest.mark.parametrize(
    ("settings", "words"),
    [
        ({"ring_timeout": 10}, "ring_timeout"),
        ({"abandon_cap": 1.5}, "abandon_cap"),
        ({"abandon_cap": 0}, "abandon_cap"),
        ({"mode": "blaster"}, "mode"),
        ({"max_wait_for_agent": 2.5}, "max_wait_for_agent"),
        ({"max_attempts": 0}, "max_attempts"),
        ({"window_start": 1200, "window_end": 600}, "window_start must be before window_end"),
        ({"window_start": 600, "window_end": 600}, "window_start must be before window_end"),
        ({"window_end": 1500}, "window_end"),
        ({"window_days": []}, "window_days"),
        ({"window_days": [0, 3]}, "window_days"),
        ({"window_days": [8]}, "window_days"),
        ({"retries": {"connected": {"max_attempts": 1, "spacing": 60}}}, "retries"),
        ({"retries": {"voicemail": {"max_attempts": 1, "spacing": 60}}}, "retries"),
        ({"retries": {"busy": {"max_attempts": -1, "spacing": 60}}}, "max_attempts"),
        ({"retries": {"busy": {"max_attempts": 1, "spacing": -5}}}, "spacing"),
        ({"wrap_up_seconds": 3601}, "wrap_up_seconds"),
        ({"wrap_up_seconds": -1}, "wrap_up_seconds"),
        ({"amd": {"bogus": 1}}, "unknown AMD setting 'bogus'"),
        ({"amd": {"max_words": 0}}, "AMD max_words"),
        ({"amd": {"initial_silence": "long"}}, "AMD initial_silence"),
        ({"name": ""}, "name"),
        ({"colour": "red"}, "colour"),
    ],
)
async def test_a_campaign_the_dialer_would_refuse_is_422(
    client: httpx.AsyncClient, tenant_a: World, settings: dict[str, Any], words: str
) -> None:
    body = {"name": "spring", **settings}
    headers = tenant_a.headers(Role.SUPERVISOR)
    answer = await client.post("/api/campaigns", json=body, headers=headers)
    assert words in assert_error(answer, 422, "invalid-input")
    assert (await client.get("/api/campaigns", headers=headers)).json() == []


@pytest.mark.parametrize(
    ("patch", "words"),
    [
        ({"window_start": 1300}, "window_start must be before window_end"),
        ({"ring_timeout": 14.9}, "ring_timeout"),
        ({"amd": {"nope": 1}}, "unknown AMD setting 'nope'"),
        ({"mode": None}, "mode"),
        ({"active": True}, "active"),
    ],
)
async def test_a_change_is_checked_against_the_whole_campaign(
    client: httpx.AsyncClient, tenant_a: World, patch: dict[str, Any], words: str
) -> None:
    campaign = await make_campaign(client, tenant_a)
    url = f"/api/campaigns/{campaign['id']}"
    headers = tenant_a.headers(Role.SUPERVISOR)
    answer = await client.patch(url, json=patch, headers=headers)
    assert words in assert_error(answer, 422, "invalid-input")
    assert (await client.get(url, headers=headers)).json() == campaign


async def test_start_stop_and_no_delete_while_running(
    client: httpx.AsyncClient, tenant_a: World
) -> None:
    campaign = await make_campaign(client, tenant_a)
    url = f"/api/campaigns/{campaign['id']}"
    headers = tenant_a.headers(Role.TENANT_ADMIN)
    started = await client.post(f"{url}/start", headers=headers)
    assert started.status_code == 200 and started.json()["active"] is True, started.text
    assert "stop the campaign" in assert_error(
        await client.delete(url, headers=headers), 409, "conflict"
    )
    stopped = await client.post(f"{url}/stop", headers=headers)
    assert stopped.status_code == 200 and stopped.json()["active"] is False, stopped.text
    assert (await client.delete(url, headers=headers)).status_code == 204


async def test_campaign_agents(client: httpx.AsyncClient, tenant_a: World, tenant_b: World) -> None:
    campaign = await make_campaign(client, tenant_a)
    url = f"/api/campaigns/{campaign['id']}/agents"
    headers = tenant_a.headers(Role.SUPERVISOR)
    assert (await client.get(url, headers=headers)).json() == {"agent_ids": []}
    agent = str(tenant_a.rows["agents"])
    put = await client.put(url, json={"agent_ids": [agent, agent]}, headers=headers)
    assert put.status_code == 200, put.text
    assert put.json() == {"agent_ids": [agent]}
    assert (await client.get(url, headers=headers)).json() == {"agent_ids": [agent]}
    # Another tenant's agent is refused exactly like one that does not exist.
    foreign, missing = tenant_b.rows["agents"], uuid.uuid4()
    refused = await client.put(url, json={"agent_ids": [str(foreign)]}, headers=headers)
    unknown = await client.put(url, json={"agent_ids": [str(missing)]}, headers=headers)
    assert refused.status_code == unknown.status_code == 422, refused.text
    assert refused.text.replace(str(foreign), "<id>") == unknown.text.replace(str(missing), "<id>")
    assert (await client.get(url, headers=headers)).json() == {"agent_ids": [agent]}
    emptied = await client.put(url, json={"agent_ids": []}, headers=headers)
    assert emptied.json() == {"agent_ids": []}


async def test_lead_import_keeps_good_rows_and_reports_bad_ones_by_line(
    client: httpx.AsyncClient, tenant_a: World
) -> None:
    campaign = await make_campaign(client, tenant_a)
    url = f"/api/campaigns/{campaign['id']}/leads"
    headers = tenant_a.headers(Role.SUPERVISOR)
    data = (
        b"id,number,timezone,plan\n"  # 1
        b"a1,+49 30 1111111,Europe/Berlin,gold\n"  # 2
        b"a2,12,UTC,silver\n"  # 3: too few digits
        b"a3,+4930222222,Mars/Olympus,gold\n"  # 4: unknown zone
        b"a1,+4930333333,UTC,gold\n"  # 5: duplicate id
        b"a4,+4930444444,UTC\n"  # 6: too few columns
        b"a5,+4930555555,UTC,bronze\n"  # 7
        b"a6,+4930666666,UTC,caf\xe9\n"  # 8: not UTF-8
    )
    answer = await client.post(url, content=data, headers=headers | CSV)
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert (result["added"], result["updated"]) == (2, 0)
    assert [error["line"] for error in result["errors"]] == [3, 4, 5, 6, 8]
    assert all(error["reason"] for error in result["errors"])

    leads = (await client.get(url, headers=headers)).json()
    assert [lead["external_id"] for lead in leads] == ["a1", "a5"]
    assert leads[0]["fields"] == {"plan": "gold"}
    assert leads[0]["timezone"] == "Europe/Berlin"
    assert leads[0]["state"] == "pending"
    paged = (await client.get(f"{url}?limit=1&offset=1", headers=headers)).json()
    assert [lead["external_id"] for lead in paged] == ["a5"]
    assert (await client.get(f"{url}?state=done", headers=headers)).json() == []
    assert len((await client.get(f"{url}?state=pending", headers=headers)).json()) == 2
    assert_error(await client.get(f"{url}?state=sleeping", headers=headers), 422, "invalid-input")
    shown = await client.get(f"/api/campaigns/{campaign['id']}", headers=headers)
    assert "plan" in shown.json()["lead_fields"]

    again = "id,number,plan\na1,+4930999999,platinum\n"
    answer = await client.post(url, content=again.encode(), headers=headers | CSV)
    assert answer.json() == {"added": 0, "updated": 1, "skipped": 0, "errors": []}
    leads = (await client.get(url, headers=headers)).json()
    assert (leads[0]["number"], leads[0]["fields"]["plan"]) == ("+4930999999", "platinum")


async def test_lead_import_limits_and_refusals(
    client: httpx.AsyncClient,
    tenant_a: World,
    monkeypatch: pytest.MonkeyPatch,
    tune: Callable[..., None],
) -> None:
    campaign = await make_campaign(client, tenant_a)
    url = f"/api/campaigns/{campaign['id']}/leads"
    headers = tenant_a.headers(Role.SUPERVISOR)
    good = b"number\n+4930111111\n"
    as_json = await client.post(url, json={"number": "1"}, headers=headers)
    assert_error(as_json, 415, "unsupported-media-type")
    latin = await client.post(
        url, content=good, headers=headers | {"Content-Type": "text/csv; charset=latin-1"}
    )
    assert_error(latin, 415, "unsupported-media-type")
    broken = await client.post(url, content=b"id,name\n1,x\n", headers=headers | CSV)
    assert "number" in assert_error(broken, 422, "invalid-input")
    tune(csv_body_max_bytes=10)
    big = await client.post(url, content=good, headers=headers | CSV)
    assert "larger than 10 bytes" in assert_error(big, 413, "too-large")

    async def chunks() -> Any:  # no Content-Length: the limit holds while streaming
        for _ in range(5):
            yield b"1234567890"

    streamed = await client.post(url, content=chunks(), headers=headers | CSV)
    assert_error(streamed, 413, "too-large")
    tune(csv_body_max_bytes=1000)
    monkeypatch.setattr(campaigns, "MAX_IMPORT_ROWS", 2)
    many = await client.post(url, content=b"number\n1111\n2222\n3333\n", headers=headers | CSV)
    assert "more than 2 rows" in assert_error(many, 413, "too-large")
    assert (await client.get(url, headers=headers)).json() == []
    missing = f"/api/campaigns/{uuid.uuid4()}/leads"
    assert_error(await client.post(missing, content=good, headers=headers | CSV), 404, "not-found")


async def test_attempts_newest_first(
    client: httpx.AsyncClient, tenant_a: World, database: Database, seed_call: SeedCall
) -> None:
    seeded = await seed_call(tenant_a)
    busy = {"result": "busy", "outcome": "busy", "sip_status": 486}
    await add_attempt(database, tenant_a, seeded, dt.datetime.now(dt.UTC), **busy)
    url = f"/api/campaigns/{seeded['campaign']}/attempts"
    headers = tenant_a.headers(Role.SUPERVISOR)
    attempts = (await client.get(url, headers=headers)).json()
    assert [a["call_id"] for a in attempts] == ["campaign:2", "campaign:1"]
    assert attempts[0]["sip_status"] == 486 and attempts[1]["outcome"] == "connected"
    page = (await client.get(f"{url}?limit=1&offset=1", headers=headers)).json()
    assert [a["call_id"] for a in page] == ["campaign:1"]


async def test_the_summary_of_a_campaign(
    client: httpx.AsyncClient,
    tenant_a: World,
    tenant_b: World,
    database: Database,
    seed_call: SeedCall,
) -> None:
    seeded = await seed_call(tenant_a, abandon_cap=0.02)
    answered = dt.datetime.now(dt.UTC) - dt.timedelta(days=10)
    abandoned = {"result": "person", "answered_at": answered, "outcome": "abandoned"}
    amd = {"amd_result": "human", "amd_seconds": 1.5}
    await add_attempt(database, tenant_a, seeded, answered, **abandoned, **amd)
    url = f"/api/campaigns/{seeded['campaign']}/summary"
    answer = await client.get(url, headers=tenant_a.headers(Role.SUPERVISOR))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    window = body.pop("abandonment")
    since, until = (dt.datetime.fromisoformat(window.pop(key)) for key in ("since", "until"))
    assert until - since == dt.timedelta(days=30)
    assert window == {"live_answered": 2, "abandoned": 1, "rate": 0.5, "cap": 0.02}
    assert body == {
        "campaign_id": str(seeded["campaign"]),
        "campaign_name": "seeded",
        "leads": dict.fromkeys(LeadState, 0) | {"pending": 1},
        "leads_total": 1,
        "attempts": dict.fromkeys([*AttemptOutcome, "open"], 0) | {"connected": 1, "abandoned": 1},
        "attempts_total": 2,
        "amd": {"human": 1, "machine": 0, "not_sure": 0},
        "amd_mean_seconds": 1.5,
        "connects": 1,
        "mean_talk_seconds": None,
        "mean_wait_seconds": None,
        "dispositions": {},
    }
    week = await client.get(f"{url}?days=7", headers=tenant_a.headers(Role.TENANT_ADMIN))
    assert week.status_code == 200, week.text
    assert week.json()["abandonment"]["live_answered"] == 1
    assert week.json()["abandonment"]["rate"] == 0.0
    for days in (0, 91):
        refused = await client.get(f"{url}?days={days}", headers=tenant_a.headers(Role.SUPERVISOR))
        assert refused.status_code == 422, refused.text
    assert (await client.get(url, headers=tenant_a.headers(Role.AGENT))).status_code == 403
    foreign = await client.get(url, headers=tenant_b.headers(Role.SUPERVISOR))
    assert_error(foreign, 404, "not-found")
