"""Which sources the switch trusts without digest: the operator's rules for inbound trunks.

A request whose source matches an inbound trunk skips authentication and reaches every number
on the platform, so a trunk's `match_source` is the operator's to set, must name one carrier
(an address, an address and port, or a network no wider than the operator allows — never
0.0.0.0/0) and may not overlap another trunk's, whatever tenant owns it.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

__all__ = ["SourceLimits", "TrustedSource", "parse_source", "source_refusal", "sources_overlap"]

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True, slots=True)
class SourceLimits:
    """The widest networks an inbound trunk may trust (prefix lengths)."""

    ipv4_prefix: int = 24
    ipv6_prefix: int = 64


@dataclass(frozen=True, slots=True)
class TrustedSource:
    """A parsed `match_source`: the network it covers and, for 'address:port', the port."""

    network: IpNetwork
    port: int | None = None


def parse_source(text: str) -> TrustedSource:
    """Parse '192.0.2.1', '192.0.2.1:5060', '[2001:db8::1]:5060' or '192.0.2.0/28'.

    Raises ValueError with a message a person can act on.
    """
    text = text.strip()
    if not text:
        raise ValueError("match_source is empty")
    port: int | None = None
    host = text
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        if rest:
            port = _port(rest.removeprefix(":"), text)
    elif text.count(":") == 1:
        host, _, port_text = text.partition(":")
        port = _port(port_text, text)
    if "/" in host and port is not None:
        raise ValueError(f"{text!r}: a network has no port")
    if not host.isascii():
        raise ValueError(f"{text!r} is not an IP address or network")
    try:
        network = ipaddress.ip_network(host, strict=False)
    except ValueError:
        raise ValueError(
            f"{text!r} is not an IP address, 'address:port' or network (host names cannot be "
            "matched against a packet's source)"
        ) from None
    return TrustedSource(network, port)


def _port(text: str, whole: str) -> int:
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 65535:
        raise ValueError(f"{whole!r} has no valid port")
    return int(text)


def source_refusal(text: str, limits: SourceLimits = SourceLimits()) -> str | None:
    """Why `text` may not be an inbound trunk's trusted source, or None when it may."""
    try:
        source = parse_source(text)
    except ValueError as error:
        return str(error)
    network = source.network
    widest = limits.ipv4_prefix if network.version == 4 else limits.ipv6_prefix
    if network.prefixlen == 0 or network.prefixlen < widest:
        return (
            f"{text!r} trusts {network.num_addresses:,} addresses; a trunk may trust a "
            f"/{widest} at most"
        )
    if network.is_multicast or network.is_unspecified:
        return f"{text!r} is not a unicast address"
    return None


def sources_overlap(first: str, second: str) -> bool:
    """Whether two trusted sources could both match one request (unparseable: never)."""
    try:
        a, b = parse_source(first), parse_source(second)
    except ValueError:
        return False
    if a.network.version != b.network.version or not a.network.overlaps(b.network):
        return False
    return a.port is None or b.port is None or a.port == b.port
