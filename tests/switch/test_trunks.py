"""Trunks: stored rows become switch configuration; inbound matching by host, port or network."""

from __future__ import annotations

import uuid

from seatline.store.enums import TrunkDirection
from seatline.store.trunks import TrunkInfo
from seatline.switch import TrunkConfig
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
