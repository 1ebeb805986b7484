"""The SSRF guard's rules: every spelling of a refused address is refused (issue 11, finding 8)."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv6Address, ip_address

import pytest
from hypothesis import given
from hypothesis import strategies as st

from seatline.guard.addresses import (
    AddressKind,
    check_host,
    check_resolved,
    classify,
    parse_literal,
    refusal_reason,
)

# host as configured → what it reaches; None: refused even when private networks are allowed.
REFUSED = {
    "127.0.0.1": "loopback",
    "127.255.0.9": "loopback",
    "2130706433": "loopback",  # 127.0.0.1 as one decimal number
    "0x7f000001": "loopback",
    "0x7F.1": "loopback",
    "0177.0.0.1": "loopback",  # octal first part
    "017700000001": "loopback",  # all of it in octal
    "127.1": "loopback",
    "[::1]": "loopback",
    "::1": "loopback",
    "[::ffff:127.0.0.1]": "loopback",  # IPv4-mapped
    "::ffff:7f00:1": "loopback",
    "[::127.0.0.1]": "loopback",  # IPv4-compatible (deprecated)
    "[2002:7f00:1::]": "loopback",  # 6to4 around 127.0.0.1
    "localhost": "loopback",
    "LocalHost.": "loopback",
    "db.localhost": "loopback",
    "10.0.0.1": "private network",
    "172.16.5.4": "private network",
    "192.168.1.1": "private network",
    "3232235777": "private network",  # 192.168.1.1
    "100.64.0.1": "private network",  # carrier-grade NAT
    "[fd00::1]": "private network",
    "[64:ff9b::a00:1]": "private network",  # NAT64 around 10.0.0.1
    "0.0.0.0": None,
    "0": None,
    "0.1.2.3": None,
    "[::]": None,
    "169.254.169.254": None,  # the cloud metadata service
    "2852039166": None,  # ... as one number
    "[::ffff:169.254.169.254]": None,
    "[64:ff9b::a9fe:a9fe]": None,
    "[fe80::1]": None,
    "fe80::1%eth0": None,
    "224.0.0.1": None,
    "239.255.255.250": None,
    "[ff02::1]": None,
    "255.255.255.255": None,
    "192.0.2.10": None,  # documentation
    "198.18.0.1": None,  # benchmarking
    "240.0.0.1": None,
    "[2001:db8::1]": None,
    "[2001::1]": None,  # Teredo
    "1.2.3.4.5": None,  # looks numeric, is no address
    "999.1.1.1": None,
    "0x": None,
    "bad host": None,
    "": None,
}
ALLOWED = ["8.8.8.8", "134744072", "[2606:4700::1111]", "::ffff:8.8.8.8", "crm.example.com"]


@pytest.mark.parametrize("host", sorted(REFUSED))
def test_refused_hosts(host: str) -> None:
    reason = check_host(host, allow_private=False)
    assert reason is not None
    what = REFUSED[host]
    if what is None:
        assert check_host(host, allow_private=True) is not None
    else:
        assert what in reason
        assert check_host(host, allow_private=True) is None


@pytest.mark.parametrize("host", ALLOWED)
def test_public_hosts_pass(host: str) -> None:
    assert check_host(host, allow_private=False) is None


def test_literal_spellings_are_undone() -> None:
    assert parse_literal("2130706433") == IPv4Address("127.0.0.1")
    assert parse_literal("0x7f.0.0.1") == IPv4Address("127.0.0.1")
    assert parse_literal("10.1") == IPv4Address("10.0.0.1")
    assert parse_literal("192.168.257") == IPv4Address("192.168.1.1")
    assert parse_literal("[::1]") == IPv6Address("::1")
    for name in ("crm.example", "1_0.0.0.1", "+1.0.0.1", "١٢٧.0.0.1", "08.0.0.1", "1.2.3.4.5"):
        assert parse_literal(name) is None


def test_resolved_addresses_are_judged_all_of_them() -> None:
    public, loopback = ip_address("8.8.8.8"), ip_address("127.0.0.1")
    assert check_resolved("crm.example", [public], allow_private=False) is None
    reason = check_resolved("crm.example", [public, loopback], allow_private=False)
    assert reason == "'crm.example' resolves to 127.0.0.1, a loopback address (this host)"
    assert check_resolved("crm.example", [public, loopback], allow_private=True) is None
    assert check_resolved("crm.example", [], allow_private=True) is not None


@given(st.ip_addresses())
def test_every_address_gets_a_kind_and_a_consistent_answer(ip: IPv4Address | IPv6Address) -> None:
    kind = classify(ip)
    reason = refusal_reason(ip)
    assert (reason is None) == (kind is AddressKind.PUBLIC)
    if kind is AddressKind.PUBLIC:
        assert ip.is_global or isinstance(ip, IPv6Address)
    assert check_host(f"[{ip}]" if ip.version == 6 else str(ip), allow_private=False) == reason
