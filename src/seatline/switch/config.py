"""Plain configuration of the switch: trunks and limits (validated at the edge, elsewhere)."""

from __future__ import annotations

import functools
import ipaddress
from dataclasses import dataclass, field

from seatline.guard.inbound import TrustedSource, parse_source
from seatline.guard.outbound import DialScope


@dataclass(frozen=True, slots=True)
class TrunkConfig:
    """A carrier trunk: who may send us calls, and where (and as whom) we send calls out."""

    name: str
    # "host", "host:port" or a network "10.0.0.0/24", trusted without digest
    inbound_addresses: tuple[str, ...] = ()
    # or: an INVITE from any source whose digest answer (after a 407) is this account's
    inbound_username: str | None = None
    inbound_password: str | None = None
    outbound_host: str | None = None
    outbound_port: int = 5060
    # The checked address the switch sends to (a host name resolved and pinned once); the
    # Request-URI keeps `outbound_host`. None: send to `outbound_host` as it is.
    outbound_address: str | None = None
    outbound_transport: str = "UDP"
    outbound_username: str | None = None
    outbound_password: str | None = None
    outbound_prefixes: tuple[str, ...] = ()  # dialled numbers starting with these go out here
    tenant_id: str = ""
    # Other tenants the operator lets dial out through this trunk (it stays the owner's).
    shared_with: tuple[str, ...] = ()

    def matches_source(self, host: str, port: int) -> bool:
        """Whether a request from `host`:`port` comes from this trunk."""
        return any(_source_matches(a, host, port) for a in self.inbound_addresses)

    def routes_number(self, number: str) -> bool:
        """Whether `number` is sent out through this trunk."""
        return self.outbound_host is not None and any(
            number.startswith(p) for p in self.outbound_prefixes
        )


@dataclass(frozen=True, slots=True)
class SwitchConfig:
    """Settings of one switch instance."""

    domain: str = "seatline.local"
    advertised_host: str | None = None  # address put in Via/Contact/SDP (defaults to the bind host)
    trunks: tuple[TrunkConfig, ...] = ()
    # What each tenant's legs may dial (`seatline.guard.outbound`); a tenant with no scope here
    # dials nothing out. The contact center replaces the tenants' scopes as the store changes.
    scopes: tuple[DialScope, ...] = ()
    trusted_sources: tuple[str, ...] = ()  # phones/peers let in without digest (tests, lab)
    user_agent: str = "Seatline"
    ring_timeout: float = 30.0
    ban_max_failures: int = 10
    ban_window: float = 60.0
    ban_seconds: float = 300.0
    nonce_lifetime: float = 300.0
    # SHA-256 challenges are opt-in: baresip 1.0 (libre) gives up on any challenge it cannot
    # compute instead of picking the MD5 one; SHA-256 answers are accepted either way.
    digest_algorithms: tuple[str, ...] = field(default=("MD5",))
    # Bounds on what strangers can make the registrar remember (finding 15 of issue 11).
    nonce_table_size: int = 20_000  # nonces with an accepted answer (their nonce counts)
    abuse_table_size: int = 10_000  # sources with failures, and sources banned (each)
    digest_realm_cache: int = 256  # realms (tenants' SIP domains) with a digest server ready
    # Stream (TCP) connections (finding 17 of issue 11). A connection with no message and no
    # keep-alive for tcp_idle_seconds is closed, unless a phone registered through it is
    # still registered; a message must arrive whole within tcp_message_seconds of its start.
    tcp_idle_seconds: float = 120.0
    tcp_message_seconds: float = 10.0
    tcp_max_connections: int = 1024
    tcp_max_per_source: int = 32  # connections from one IP address
    max_message_bytes: int = 65_535  # a longer message on a stream is answered 513, then cut


def _source_matches(pattern: str, host: str, port: int) -> bool:
    """Tell whether `host`:`port` matches an address, an 'address:port' or a network pattern."""
    source = _parsed_source(pattern)
    if source is None:
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address in source.network and source.port in (None, port)


@functools.lru_cache(maxsize=4096)
def _parsed_source(pattern: str) -> TrustedSource | None:
    """A trunk's source pattern parsed once (every INVITE is matched against every trunk)."""
    try:
        return parse_source(pattern)
    except ValueError:
        return None
