"""Trunks: stored rows become switch config, matched by host, port or network, replaced live."""

from __future__ import annotations

import uuid

from seatline.store.enums import TrunkDirection
from seatline.store.trunks import TrunkInfo
from seatline.switch import StaticCredentials, SwitchConfig, TrunkConfig
from seatline.switch.core import SipCore
from seatline.switch.credentials import TrunkAwareCredentials, make_ha1
from seatline.switch_node import trunk_config


def stored(direction: TrunkDirection, **fields: object) -> TrunkInfo:
    """A stored trunk with defaults for what the test does not care about."""
    values: dict[str, object] = {
        "match_source": None,
        "match_username": None,
        "outbound_host": None,
        "outbound_port": 5060,
        "username": None,
        "password": None,
    } | fields
    return TrunkInfo(uuid.uuid4(), uuid.uuid4(), "carrier", direction, **values)  # type: ignore[arg-type]


def test_inbound_trunk_matches_a_network_a_host_and_a_host_with_port() -> None:
    trunk = TrunkConfig("t", inbound_addresses=("10.1.0.0/16", "192.0.2.7", "198.51.100.1:5070"))
    assert trunk.matches_source("10.1.200.3", 5060)
    assert trunk.matches_source("192.0.2.7", 5999)
    assert trunk.matches_source("198.51.100.1", 5070)
    assert not trunk.matches_source("198.51.100.1", 5060)
    assert not trunk.matches_source("10.2.0.1", 5060)
    assert not trunk.matches_source("not-an-address", 5060)


def test_stored_inbound_trunk_becomes_trusted_sources_only() -> None:
    config = trunk_config(
        stored(TrunkDirection.INBOUND, match_source="127.0.0.0/8", outbound_host="x")
    )
    assert config.inbound_addresses == ("127.0.0.0/8",)
    assert config.outbound_host is None
    assert config.matches_source("127.0.0.1", 5060)


def test_stored_outbound_trunk_keeps_its_credentials_and_trusts_nobody() -> None:
    config = trunk_config(
        stored(
            TrunkDirection.OUTBOUND,
            match_source="127.0.0.1",
            outbound_host="sip.carrier.test",
            outbound_port=5080,
            username="acct",
            password="secret",
        )
    )
    assert config.inbound_addresses == ()
    assert (config.outbound_host, config.outbound_port) == ("sip.carrier.test", 5080)
    assert (config.outbound_username, config.outbound_password) == ("acct", "secret")


def test_stored_inbound_trunk_maps_match_username_and_password_to_digest() -> None:
    config = trunk_config(stored(TrunkDirection.BOTH, match_username="carrier", password="pw"))
    assert (config.inbound_username, config.inbound_password) == ("carrier", "pw")
    assert config.outbound_password == "pw"  # one stored password serves both ways
    outbound_only = trunk_config(
        stored(TrunkDirection.OUTBOUND, match_username="carrier", password="pw")
    )
    assert outbound_only.inbound_username is None
    assert outbound_only.inbound_password is None


async def test_an_agent_with_the_same_username_wins_over_a_trunk_account() -> None:
    agents = StaticCredentials()
    agents.add("example.test", "alice", "agent-pass", agent_id="agent-alice")
    trunks = (
        TrunkConfig("a", inbound_username="alice", inbound_password="trunk-pass"),
        TrunkConfig("b", inbound_username="carrier", inbound_password="pw", tenant_id="t"),
    )
    source = TrunkAwareCredentials(agents, trunks)
    alice = await source.lookup("example.test", "alice")
    assert alice is not None and (alice.agent_id, alice.trunk_name) == ("agent-alice", None)
    carrier = await source.lookup("example.test", "carrier")
    assert carrier is not None and (carrier.trunk_name, carrier.tenant_id) == ("b", "t")
    assert carrier.ha1_md5 == make_ha1("carrier", "example.test", "pw")
    assert await source.lookup("example.test", "nobody") is None


async def test_replace_trunks_swaps_sources_digest_accounts_and_routes_at_once() -> None:
    agents = StaticCredentials()
    core = SipCore(SwitchConfig(trunks=(TrunkConfig("old", inbound_addresses=("192.0.2.1",)),)))
    core.guard.credentials = agents
    new = TrunkConfig(
        "new",
        inbound_addresses=("198.51.100.0/24",),
        inbound_username="carrier",
        inbound_password="pw",
        outbound_host="sip.carrier.test",
        outbound_prefixes=("+49",),
        tenant_id="t",
    )
    core.replace_trunks((new,))
    assert core.config.trunks == (new,)
    assert core.trunk_for_source("192.0.2.1", 5060) is None
    assert core.trunk_for_source("198.51.100.7", 5060) is new
    found = await core.invite_guard.credentials.lookup("example.test", "carrier")
    assert found is not None and (found.trunk_name, found.tenant_id) == ("new", "t")
    # The agents' source is kept behind the trunks' accounts.
    agents.add("example.test", "alice", "pw", agent_id="agent-alice")
    alice = await core.invite_guard.credentials.lookup("example.test", "alice")
    assert alice is not None and alice.agent_id == "agent-alice"
    core.replace_trunks(())
    assert await core.invite_guard.credentials.lookup("example.test", "carrier") is None


def test_stored_outbound_prefixes_map_only_for_outbound_directions() -> None:
    both = trunk_config(
        stored(TrunkDirection.BOTH, match_source="x", outbound_host="h", outbound_prefixes=("00",))
    )
    assert both.outbound_prefixes == ("00",) and both.routes_number("0049301234")
    inbound = trunk_config(
        stored(TrunkDirection.INBOUND, match_source="x", outbound_prefixes=("00",))
    )
    assert inbound.outbound_prefixes == ()
