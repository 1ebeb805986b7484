"""Trunk passwords through the API: written sealed, never read back, kept by other edits."""

from __future__ import annotations

import uuid

import httpx
import sqlalchemy as sa

from seatline.store.db import Database
from seatline.store.enums import Role
from seatline.store.models import Trunk
from seatline.store.trunks import list_trunks

from .conftest import World

LONGEST = "p" * 256  # the most the API takes: its sealed form is longer than the old column


async def test_a_password_is_stored_sealed_and_never_returned(
    client: httpx.AsyncClient, tenant_a: World, database: Database
) -> None:
    headers = tenant_a.headers(Role.TENANT_ADMIN)
    body = {
        "name": "sealed",
        "direction": "outbound",
        "outbound_host": "sip.carrier.example",
        "username": "acct",
        "password": LONGEST,
    }
    created = await client.post("/api/trunks", json=body, headers=headers)
    assert created.status_code == 201, created.text
    assert "password" not in created.json()
    trunk_id = created.json()["id"]
    async with database.engine.connect() as connection:
        query = sa.select(Trunk.password).where(Trunk.id == uuid.UUID(trunk_id))
        stored = (await connection.execute(query)).scalar_one()
    assert stored.startswith("enc:v1:") and LONGEST not in stored

    # Another field changes: the create rules are checked again on the row, password included.
    moved = await client.patch(
        f"/api/trunks/{trunk_id}", json={"outbound_port": 5080}, headers=headers
    )
    assert moved.status_code == 200, moved.text
    assert "password" not in moved.json()
    assert "password" not in (await client.get(f"/api/trunks/{trunk_id}", headers=headers)).json()
    changed = await client.patch(
        f"/api/trunks/{trunk_id}", json={"password": "new-pass"}, headers=headers
    )
    assert changed.status_code == 200, changed.text
    async with database.sessions() as session:
        infos = await list_trunks(session, tenant_a.tenant.id)
    assert [(t.password, t.outbound_port) for t in infos if t.name == "sealed"] == [
        ("new-pass", 5080)
    ]
