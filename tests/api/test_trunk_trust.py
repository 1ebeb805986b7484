"""Inbound trust is the operator's (issue 11, finding 2): only the platform admin sets how an
inbound trunk is recognised, the source is narrow, and no two tenants' trunks claim the same
source or digest username; sharing a trunk is the operator's too."""

from __future__ import annotations

import itertools
import uuid
from typing import Any

import httpx
import pytest

from seatline.api.deps import TENANT_HEADER
from seatline.store.enums import Role

from .campaign_helpers import assert_error

World = Any  # the conftest's World


def operator_in(world: World, acting_for: World) -> dict[str, str]:
    """The platform admin's headers, acting inside `acting_for`'s tenant."""
    return {**world.headers(Role.PLATFORM_ADMIN), TENANT_HEADER: str(acting_for.tenant.id)}


_networks = itertools.count(1)


def fresh_net() -> str:
    """A /24's first three octets no other test uses (the PostgreSQL store outlives a test)."""
    n = next(_networks)
    return f"10.{100 + n // 256}.{n % 256}"


def inbound(name: str, **fields: Any) -> dict[str, Any]:
    """An inbound trunk body."""
    return {"name": name, "direction": "inbound", **fields}


@pytest.mark.parametrize(
    "fields",
    [
        {"match_source": "0.0.0.0/0"},
        {"match_username": "carrier-a"},
        {"direction": "outbound", "outbound_host": "carrier.example", "shared_with": []},
    ],
)
async def test_a_tenant_admin_may_not_set_inbound_trust(
    client: httpx.AsyncClient, tenant_a: World, fields: dict[str, Any]
) -> None:
    headers = tenant_a.headers(Role.TENANT_ADMIN)
    answer = await client.post("/api/trunks", json=inbound("mine", **fields), headers=headers)
    if fields.get("shared_with") == []:
        # An empty sharing list changes nothing: a tenant's own outbound trunk is fine.
        assert answer.status_code == 201, answer.text
        return
    message = assert_error(answer, 403, "operator-only")
    assert "operator" in message
    listed = await client.get("/api/trunks", headers=headers)
    assert "mine" not in [t["name"] for t in listed.json()]


async def test_a_tenant_admin_may_not_change_inbound_trust_of_its_trunk(
    client: httpx.AsyncClient, tenant_a: World
) -> None:
    url = f"/api/trunks/{tenant_a.rows['trunks']}"
    headers = tenant_a.headers(Role.TENANT_ADMIN)
    for change in ({"match_source": "0.0.0.0/0"}, {"match_username": "x"}):
        assert_error(await client.patch(url, json=change, headers=headers), 403, "operator-only")
    # Other fields stay the tenant's own.
    fine = await client.patch(url, json={"name": "renamed"}, headers=headers)
    assert fine.status_code == 200, fine.text
    assert fine.json()["match_source"] == "10.0.0.1"


@pytest.mark.parametrize(
    "source",
    ["0.0.0.0/0", "10.0.0.0/8", "192.0.2.0/23", "::/0", "2001:db8::/48", "carrier.example"],
)
async def test_a_source_wider_than_the_setting_or_not_an_address_is_refused(
    client: httpx.AsyncClient, tenant_a: World, source: str
) -> None:
    answer = await client.post(
        "/api/trunks",
        json=inbound("wide", match_source=source),
        headers=operator_in(tenant_a, tenant_a),
    )
    message = assert_error(answer, 422, "invalid-input")
    assert source in message


@pytest.mark.parametrize("source", ["{net}.0/24", "{net}.9:5060", "fd00:{hex}::/64"])
async def test_a_narrow_source_is_accepted(
    client: httpx.AsyncClient, tenant_a: World, source: str
) -> None:
    source = source.format(net=fresh_net(), hex=f"{next(_networks):x}")
    answer = await client.post(
        "/api/trunks",
        json=inbound("narrow", match_source=source),
        headers=operator_in(tenant_a, tenant_a),
    )
    assert answer.status_code == 201, answer.text


async def test_sources_and_usernames_are_unique_across_tenants(
    client: httpx.AsyncClient, tenant_a: World, tenant_b: World
) -> None:
    net, account = fresh_net(), f"acct-{uuid.uuid4().hex[:8]}"
    first = await client.post(
        "/api/trunks",
        json=inbound("a-carrier", match_source=f"{net}.0/28", match_username=account),
        headers=operator_in(tenant_a, tenant_a),
    )
    assert first.status_code == 201, first.text
    as_b = operator_in(tenant_a, tenant_b)
    for clash in (
        {"match_source": f"{net}.5"},  # inside A's network
        {"match_source": f"{net}.0/24"},  # around it
        {"match_username": account},
    ):
        answer = await client.post("/api/trunks", json=inbound("b", **clash), headers=as_b)
        message = assert_error(answer, 409, "conflict")
        assert "a-carrier" in message
    fine = await client.post(
        "/api/trunks", json=inbound("b", match_source=f"{net}.16/28"), headers=as_b
    )
    assert fine.status_code == 201, fine.text


async def test_sharing_names_existing_other_tenants(
    client: httpx.AsyncClient, tenant_a: World, tenant_b: World
) -> None:
    headers = operator_in(tenant_a, tenant_a)
    body = {"name": "shared", "direction": "outbound", "outbound_host": "carrier.example"}
    for bad in ([str(uuid.uuid4())], [str(tenant_a.tenant.id)]):
        answer = await client.post(
            "/api/trunks", json={**body, "shared_with": bad}, headers=headers
        )
        assert_error(answer, 422, "invalid-input")
    good = await client.post(
        "/api/trunks", json={**body, "shared_with": [str(tenant_b.tenant.id)]}, headers=headers
    )
    assert good.status_code == 201, good.text
    assert good.json()["shared_with"] == [str(tenant_b.tenant.id)]


@pytest.mark.parametrize(
    "host", ["evil.example;transport=tcp", "a@b", "x y", "host>", "sip:h", "[::1", "٣.example"]
)
async def test_an_outbound_host_is_a_host_name_or_address(
    client: httpx.AsyncClient, tenant_a: World, host: str
) -> None:
    body = {"name": "out", "direction": "outbound", "outbound_host": host}
    answer = await client.post(
        "/api/trunks", json=body, headers=tenant_a.headers(Role.TENANT_ADMIN)
    )
    assert_error(answer, 422, "invalid-input")


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "2130706433", "0177.0.0.1", "169.254.169.254", "10.1.2.3", "localhost"]
)
async def test_an_outbound_host_may_not_reach_this_node_or_private_networks(
    client: httpx.AsyncClient, tenant_a: World, host: str
) -> None:
    """Finding 8 for trunks: the node would send SIP (with the carrier's password) there."""
    body = {"name": "ssrf", "direction": "outbound", "outbound_host": host}
    answer = await client.post(
        "/api/trunks", json=body, headers=tenant_a.headers(Role.TENANT_ADMIN)
    )
    assert "outbound_host" in assert_error(answer, 422, "invalid-input")
