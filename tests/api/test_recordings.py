"""Recordings through the API: no server paths in records, a download for those who may see.

Finding 15 of issue 11: contact records showed `recording_path` as an absolute server path,
and there was no way to fetch a recording through the API at all.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from fastapi import FastAPI

from seatline.rtp.wav import write_wav
from seatline.store.contacts import ContactRecord, save_contact_record
from seatline.store.db import Database
from seatline.store.enums import Channel, ContactDirection, ContactOutcome, Role
from seatline.store.models import CallAttempt

World = Any  # the conftest's World
SeedCall = Callable[..., Awaitable[dict[str, uuid.UUID]]]


def _data_dir(app: FastAPI) -> Path:
    data: Path = app.state.settings.data_dir
    return data


def _wav(path: Path, seconds: float = 0.1) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_wav(path, (np.arange(int(8000 * seconds)) % 100).astype(np.int16))
    return path.read_bytes()


async def _contact(
    database: Database,
    world: World,
    *,
    recording: Path | None,
    voicemail: Path | None = None,
    agent_id: uuid.UUID | None = None,
) -> uuid.UUID:
    contact_id = uuid.uuid4()
    record = ContactRecord(
        tenant_id=world.tenant.id,
        contact_id=contact_id,
        channel=Channel.VOICE,
        direction=ContactDirection.INBOUND,
        arrived_at=dt.datetime.now(dt.UTC),
        outcome=ContactOutcome.ANSWERED,
        agent_id=agent_id,
        recording_path=str(recording) if recording else None,
        voicemail_path=str(voicemail) if voicemail else None,
    )
    async with database.sessions() as session:
        await save_contact_record(session, record)
    return contact_id


async def test_records_show_no_server_paths_and_link_the_download(
    app: FastAPI, client: httpx.AsyncClient, database: Database, tenant_a: World
) -> None:
    data = _data_dir(app)
    slug = tenant_a.tenant.slug
    recording = data / "recordings" / slug / "2026-12-06" / "call.wav"
    voicemail = recording.with_name("call-voicemail.wav")
    _wav(recording), _wav(voicemail)
    contact_id = await _contact(database, tenant_a, recording=recording, voicemail=voicemail)
    headers = tenant_a.headers(Role.SUPERVISOR)
    one = await client.get(f"/api/contacts/{contact_id}", headers=headers)
    many = await client.get("/api/contacts", headers=headers)
    for text in (one.text, many.text):
        assert str(data) not in text  # no absolute server path anywhere
    body = one.json()
    assert body["recording_path"] == f"recordings/{slug}/2026-12-06/call.wav"
    assert body["recording_url"] == f"/api/contacts/{contact_id}/recording"
    assert body["voicemail_path"] == f"recordings/{slug}/2026-12-06/call-voicemail.wav"
    assert body["voicemail_url"] == f"/api/contacts/{contact_id}/voicemail"
    listed = next(item for item in many.json() if item["id"] == str(contact_id))
    assert listed["recording_url"] == body["recording_url"]


async def test_the_recording_downloads_for_those_who_may_see_the_contact_and_is_audited(
    app: FastAPI, client: httpx.AsyncClient, database: Database, tenant_a: World
) -> None:
    data = _data_dir(app)
    slug = tenant_a.tenant.slug
    recording = data / "recordings" / slug / "2026-12-06" / "taken.wav"
    wav = _wav(recording, seconds=1.0)
    agent = tenant_a.rows["agents"]
    taken = await _contact(database, tenant_a, recording=recording, agent_id=agent)
    other = await _contact(database, tenant_a, recording=recording, agent_id=uuid.uuid4())
    supervisor = tenant_a.headers(Role.SUPERVISOR)
    answer = await client.get(f"/api/contacts/{taken}/recording", headers=supervisor)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "audio/wav"
    assert answer.content == wav
    assert f'filename="{taken}.wav"' in answer.headers["content-disposition"]
    agent_headers = tenant_a.headers(Role.AGENT)
    mine = await client.get(f"/api/contacts/{taken}/recording", headers=agent_headers)
    assert mine.status_code == 200
    theirs = await client.get(f"/api/contacts/{other}/recording", headers=agent_headers)
    assert theirs.status_code == 404  # an agent hears only the contacts it took
    assert (await client.get(f"/api/contacts/{taken}/recording")).status_code == 401
    log = await client.get(
        "/api/audit",
        params={"action": "contacts.recording-download"},
        headers=tenant_a.headers(Role.TENANT_ADMIN),
    )
    who = [(e["actor"], e["subject"]) for e in reversed(log.json())]
    assert who == [
        (tenant_a.usernames[Role.SUPERVISOR], str(taken)),
        (tenant_a.usernames[Role.AGENT], str(taken)),
    ]


async def test_nothing_outside_the_tenants_recordings_is_served(
    app: FastAPI, client: httpx.AsyncClient, database: Database, tenant_a: World
) -> None:
    data = _data_dir(app)
    (data / "secret_key").write_text("k" * 48)
    other_tenant = data / "recordings" / "someone-else" / "2026-12-06" / "x.wav"
    _wav(other_tenant)
    escape = data / "recordings" / tenant_a.tenant.slug / ".." / "someone-else" / "2026-12-06"
    link = data / "recordings" / tenant_a.tenant.slug / "2026-12-06" / "link.wav"
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(other_tenant)
    headers = tenant_a.headers(Role.SUPERVISOR)
    for path in (
        data / "secret_key",
        other_tenant,
        escape / "x.wav",
        link,
        Path("/etc/passwd"),
        data / "recordings" / tenant_a.tenant.slug / "missing.wav",
    ):
        contact_id = await _contact(database, tenant_a, recording=path)
        answer = await client.get(f"/api/contacts/{contact_id}/recording", headers=headers)
        assert answer.status_code == 404, (path, answer.text)
        assert answer.json()["error_id"] == "not-found"
        record = (await client.get(f"/api/contacts/{contact_id}", headers=headers)).json()
        assert str(data) not in str(record) and "/etc" not in str(record)
    none = await _contact(database, tenant_a, recording=None)
    answer = await client.get(f"/api/contacts/{none}/recording", headers=headers)
    assert answer.status_code == 404 and "no recording" in answer.json()["message"]
    record = (await client.get(f"/api/contacts/{none}", headers=headers)).json()
    assert record["recording_path"] is None and record["recording_url"] is None


async def test_campaign_attempts_show_no_server_paths(
    app: FastAPI,
    client: httpx.AsyncClient,
    database: Database,
    tenant_a: World,
    seed_call: SeedCall,
) -> None:
    seeded = await seed_call(tenant_a)
    slug = tenant_a.tenant.slug
    path = _data_dir(app) / "recordings" / slug / "2026-12-06" / f"{seeded['attempt']}.wav"
    async with database.transaction() as session:
        attempt = await session.get(CallAttempt, seeded["attempt"])
        assert attempt is not None
        attempt.recording_path = str(path)
    url = f"/api/campaigns/{seeded['campaign']}/attempts"
    answer = await client.get(url, headers=tenant_a.headers(Role.SUPERVISOR))
    assert answer.status_code == 200, answer.text
    assert str(_data_dir(app)) not in answer.text
    expected = f"recordings/{slug}/2026-12-06/{seeded['attempt']}.wav"
    assert answer.json()[0]["recording_path"] == expected
