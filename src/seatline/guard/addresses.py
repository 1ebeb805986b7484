"""Which addresses the node may connect to for a tenant: the rules of the SSRF guard.

A tenant configures hosts the node then connects to: a flow's webhook, a trunk's carrier.
Unchecked, a tenant could aim them at the node itself (127.0.0.1, 0.0.0.0), at the cloud's
metadata service (169.254.169.254) or into the operator's private network, and read or poke
what answers there. These functions judge an address, or a host as text, and answer why it
is refused (None when it is fine); they do no I/O.

Every spelling a resolver accepts is undone first: `2130706433`, `0x7f000001`, `0177.0.0.1`
and `127.1` all mean 127.0.0.1 to `inet_aton`, and `::ffff:127.0.0.1` (like NAT64 and 6to4
addresses) carries an IPv4 address that is judged in its place. A host name is judged by
what it resolves to, at every connection (`check_resolved`); `check_host` judges only what
the text itself says, for validation.

`allow_private` (the operator's `allow_private_networks`, for a carrier on a private network
or a CRM on the premises) admits private ranges and loopback. What no carrier or CRM needs
stays refused whatever it says: unspecified, link-local (the metadata service), multicast,
broadcast and reserved addresses.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address

__all__ = [
    "AddressKind",
    "IPAddress",
    "check_host",
    "check_resolved",
    "classify",
    "parse_literal",
    "refusal_reason",
]

IPAddress = IPv4Address | IPv6Address


class AddressKind(StrEnum):
    """What an address reaches, as far as the guard is concerned."""

    PUBLIC = "public"
    PRIVATE = "private"
    LOOPBACK = "loopback"
    LINK_LOCAL = "link-local"
    MULTICAST = "multicast"
    UNSPECIFIED = "unspecified"
    RESERVED = "reserved"


_WHAT = {
    AddressKind.PRIVATE: "a private network address",
    AddressKind.LOOPBACK: "a loopback address (this host)",
    AddressKind.LINK_LOCAL: "a link-local address (where cloud metadata services answer)",
    AddressKind.MULTICAST: "a multicast address",
    AddressKind.UNSPECIFIED: "an unspecified address (it reaches this host)",
    AddressKind.RESERVED: "a reserved, documentation or broadcast address",
}
_ALLOWED_WHEN_PRIVATE = frozenset({AddressKind.PRIVATE, AddressKind.LOOPBACK})

_THIS_NETWORK = IPv4Network("0.0.0.0/8")
_PRIVATE_V4 = tuple(
    IPv4Network(net) for net in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10")
)  # the last is carrier-grade NAT: a private network too
_UNIQUE_LOCAL = IPv6Network("fc00::/7")
_SITE_LOCAL = IPv6Network("fec0::/10")  # deprecated, still private where it is used
_COMPATIBLE = IPv6Network("::/96")  # deprecated IPv4-compatible addresses
_NAT64 = (IPv6Network("64:ff9b::/96"), IPv6Network("64:ff9b:1::/48"))
_TEREDO = IPv6Network("2001::/32")


def _embedded(ip: IPv6Address) -> IPv4Address | None:
    """The IPv4 address an IPv6 address carries and reaches (mapped, compatible, NAT64, 6to4)."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if any(ip in net for net in _NAT64) or (ip in _COMPATIBLE and int(ip) > 1):
        return IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def classify(ip: IPAddress) -> AddressKind:
    """What `ip` reaches; an IPv6 address carrying an IPv4 one is judged by that one."""
    if isinstance(ip, IPv6Address):
        return _classify_v6(ip)
    if ip in _THIS_NETWORK:
        return AddressKind.UNSPECIFIED
    if ip.is_loopback:
        return AddressKind.LOOPBACK
    if ip.is_link_local:
        return AddressKind.LINK_LOCAL
    if ip.is_multicast:
        return AddressKind.MULTICAST
    if any(ip in net for net in _PRIVATE_V4):
        return AddressKind.PRIVATE
    return AddressKind.PUBLIC if ip.is_global else AddressKind.RESERVED


def _classify_v6(ip: IPv6Address) -> AddressKind:
    embedded = _embedded(ip)
    if embedded is not None:
        return classify(embedded)
    if ip.is_unspecified:
        return AddressKind.UNSPECIFIED
    if ip.is_loopback:
        return AddressKind.LOOPBACK
    if ip.is_link_local:
        return AddressKind.LINK_LOCAL
    if ip.is_multicast:
        return AddressKind.MULTICAST
    if ip in _UNIQUE_LOCAL or ip in _SITE_LOCAL:
        return AddressKind.PRIVATE
    if ip in _TEREDO:
        return AddressKind.RESERVED  # a tunnel whose far end the address hides
    return AddressKind.PUBLIC if ip.is_global else AddressKind.RESERVED


def _refused_kind(ip: IPAddress, allow_private: bool) -> AddressKind | None:
    kind = classify(ip)
    if kind is AddressKind.PUBLIC or (allow_private and kind in _ALLOWED_WHEN_PRIVATE):
        return None
    return kind


def _named(ip: IPAddress) -> str:
    embedded = _embedded(ip) if isinstance(ip, IPv6Address) else None
    return str(ip) if embedded is None else f"{ip} (carrying {embedded})"


def refusal_reason(ip: IPAddress, allow_private: bool = False) -> str | None:
    """Why the node may not connect to `ip`, or None when it may."""
    kind = _refused_kind(ip, allow_private)
    return None if kind is None else f"{_named(ip)} is {_WHAT[kind]}"


def parse_literal(host: str) -> IPAddress | None:
    """The address `host` spells in any form a resolver accepts, or None for a name.

    IPv6 may come in brackets; IPv4 in the forms of `inet_aton`: one to four parts, each
    decimal, octal (leading 0) or hexadecimal (0x), the last filling the remaining bytes.
    """
    text = host.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    try:
        return ip_address(text)
    except ValueError:
        pass
    return _inet_aton(text)


def _inet_aton(text: str) -> IPv4Address | None:
    parts = text.split(".")
    if not 1 <= len(parts) <= 4:
        return None
    numbers = [_number(part) for part in parts]
    if any(number is None for number in numbers):
        return None
    *leading, last = [number for number in numbers if number is not None]
    if any(number > 0xFF for number in leading) or last >= 1 << (8 * (4 - len(leading))):
        return None
    value = last
    for position, number in enumerate(leading):
        value |= number << (8 * (3 - position))
    return IPv4Address(value)


_DIGITS = {8: frozenset("01234567"), 10: frozenset("0123456789"), 16: frozenset("0123456789abcdef")}


def _number(part: str) -> int | None:
    """One part of an `inet_aton` address (ASCII only: '١٢٧' is not 127 to a resolver)."""
    if not part.isascii():
        return None
    digits, base = part, 10
    if part[:2].lower() == "0x":
        digits, base = part[2:], 16
    elif len(part) > 1 and part.startswith("0"):
        digits, base = part[1:], 8
    # int() would also take signs, blanks and underscores, which a resolver does not.
    if not digits or len(digits) > 12 or not set(digits.lower()) <= _DIGITS[base]:
        return None
    return int(digits, base)


_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-_")


def check_host(host: str, allow_private: bool) -> str | None:
    """Why a configured host (an address in any spelling, or a name) is refused, or None.

    A name passes when it is well formed and is not `localhost`; what it resolves to is
    judged at every connection by `check_resolved`.
    """
    literal = parse_literal(host)
    if literal is not None:
        return refusal_reason(literal, allow_private)
    name = host.strip().lower()
    name = name[:-1] if name.endswith(".") else name
    if not name:
        return "the host is empty"
    labels = name.split(".")
    if (
        len(name) > 253
        or not set(name) <= _NAME_CHARS | {"."}
        or any(not 1 <= len(label) <= 63 or label[0] == "-" or label[-1] == "-" for label in labels)
    ):
        return f"{host!r} is not a valid host name (international names in their xn-- form)"
    if labels[-1].isdigit() or labels[-1].startswith("0x"):
        return f"{host!r} looks like an address but is not a valid one"
    if labels[-1] == "localhost" and not allow_private:
        return f"{host!r} is {_WHAT[AddressKind.LOOPBACK]}"
    return None


def check_resolved(host: str, addresses: Sequence[IPAddress], allow_private: bool) -> str | None:
    """Why a connection to `host`, resolved to `addresses`, is refused (every one must pass)."""
    if not addresses:
        return f"{host!r} resolves to no address"
    for address in addresses:
        kind = _refused_kind(address, allow_private)
        if kind is not None:
            return f"{host!r} resolves to {_named(address)}, {_WHAT[kind]}"
    return None
