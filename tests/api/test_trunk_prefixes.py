"""Outbound dial prefixes on stored trunks: validated by the API, mapped into the switch."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from seatline.store.db import Database
from seatline.store.enums import Role
from seatline.store.trunks import list_trunks
from seatline.switch_node import trunk_config

World = Any  # the conftest's World


async def test_prefixes_are_stored_shown_and_reach_the_switch_config(
    client: httpx.AsyncClient, tenant_a: World, database: Database
) -> None:
    headers = tenant_a.headers(Role.PLATFORM_ADMIN)  # inbound matching is the operator's
    body = {
        "name": "de-out",
        "direction": "both",
        "match_source": "192.0.2.10",
        "outbound_host": "sip.carrier.test",
        "outbound_prefixes": ["+49", " 0049 ", "+49"],
    }
    created = await client.post("/api/trunks", json=body, headers=headers)
    assert created.status_code == 201, created.text
    assert created.json()["outbound_prefixes"] == ["+49", "0049"]  # trimmed, repeats dropped
    trunk_id = created.json()["id"]
    patched = await client.patch(
        f"/api/trunks/{trunk_id}", json={"outbound_prefixes": ["00", "+1"]}, headers=headers
    )
    assert patched.status_code == 200, patched.text
    shown = await client.get(f"/api/trunks/{trunk_id}", headers=headers)
    assert shown.json()["outbound_prefixes"] == ["00", "+1"]

    async with database.sessions() as session:
        stored = {trunk.name: trunk for trunk in await list_trunks(session, tenant_a.tenant.id)}
    config = trunk_config(stored["de-out"])
    assert config.outbound_prefixes == ("00", "+1")
    assert config.routes_number("+15551234") and config.routes_number("0049301234")
    assert not config.routes_number("+4930123")
    # The conftest's inbound-only trunk has none, and routes nothing out.
    assert trunk_config(stored["carrier"]).outbound_prefixes == ()


async def test_an_inbound_trunk_never_routes_out_even_with_prefixes(
    client: httpx.AsyncClient, tenant_a: World, database: Database
) -> None:
    body = {
        "name": "in-only",
        "direction": "inbound",
        "match_source": "192.0.2.11",
        "outbound_prefixes": ["+33"],
    }
    headers = tenant_a.headers(Role.PLATFORM_ADMIN)
    assert (await client.post("/api/trunks", json=body, headers=headers)).status_code == 201
    async with database.sessions() as session:
        stored = {trunk.name: trunk for trunk in await list_trunks(session, tenant_a.tenant.id)}
    assert stored["in-only"].outbound_prefixes == ("+33",)
    assert trunk_config(stored["in-only"]).outbound_prefixes == ()


@pytest.mark.parametrize("prefix", ["49x", "+", "++49", "+49 30", "", "1234567890123456", "٤٩"])
async def test_a_bad_prefix_is_a_422_naming_it(
    client: httpx.AsyncClient, tenant_a: World, prefix: str
) -> None:
    headers = tenant_a.headers(Role.TENANT_ADMIN)
    body = {
        "name": "bad",
        "direction": "outbound",
        "outbound_host": "sip.carrier.test",
        "outbound_prefixes": ["+49", prefix],
    }
    answer = await client.post("/api/trunks", json=body, headers=headers)
    assert answer.status_code == 422, answer.text
    error = answer.json()
    assert error["error_id"] == "invalid-input"
    assert error["message"].startswith("outbound_prefixes.1: ")
    assert "dial prefix is 1 to 15 digits with an optional leading '+'" in error["message"]
    listed = await client.get("/api/trunks", headers=headers)
    assert "bad" not in [trunk["name"] for trunk in listed.json()]


async def test_a_bad_prefix_in_a_patch_is_a_422_and_changes_nothing(
    client: httpx.AsyncClient, tenant_a: World
) -> None:
    headers = tenant_a.headers(Role.TENANT_ADMIN)
    url = f"/api/trunks/{tenant_a.rows['trunks']}"
    for bad in (["0x1"], "+49", [49], None):
        answer = await client.patch(url, json={"outbound_prefixes": bad}, headers=headers)
        assert answer.status_code == 422, (bad, answer.text)
    assert (await client.get(url, headers=headers)).json()["outbound_prefixes"] == []
