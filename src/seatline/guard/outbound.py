"""Who may dial what: the one rule every outbound leg of a tenant passes before it is placed.

Tenants are mutually untrusted and each carrier trunk is somebody's account, so a leg is always
placed *for* a tenant (a `DialScope`) and this module decides, without I/O, whether it may be:

- a **number** leaves through a trunk only if the tenant's dial rules (set by the operator)
  allow it, and only through a trunk the tenant owns or the operator shares with it; own trunks
  before shared ones, then the longest matching prefix;
- an **agent** or a registered **extension** is reached only within the tenant;
- a bare **SIP URI** to a host of the caller's choosing is never dialled for a tenant (it would
  bypass trunks and rules alike); only the lab scope of a switch run on its own allows it.

Every refusal carries a reason a person can read and the SIP status the switch reports.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

__all__ = [
    "FORBIDDEN",
    "NOT_FOUND",
    "CarrierTrunk",
    "DialRules",
    "DialScope",
    "Refused",
    "caller_id_refusal",
    "choose_trunk",
    "number_refusal",
    "peer_refusal",
    "uri_refusal",
]

FORBIDDEN = 403  # the tenant may not make this leg
NOT_FOUND = 404  # nothing routes the target for this tenant

MAX_NUMBER_LENGTH = 32
_NUMBER_CHARS = frozenset("0123456789*#")
# Caller IDs go into From headers: no character that could end a URI or start a parameter.
_CALLER_ID_CHARS = frozenset("0123456789*#+abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ._-")


@dataclass(frozen=True, slots=True)
class DialRules:
    """Which external numbers a tenant may dial: patterns like '+4930*' (a '*' ends a prefix)."""

    allowed: tuple[str, ...] = ()
    denied: tuple[str, ...] = ()

    def allows(self, number: str) -> bool:
        """Whether `number` matches an allowed pattern and no denied one."""
        return any(_matches(p, number) for p in self.allowed) and not any(
            _matches(p, number) for p in self.denied
        )


def _matches(pattern: str, number: str) -> bool:
    # A trailing '*' is a prefix rule; anything else must match the whole number.
    if pattern.endswith("*"):
        return number.startswith(pattern[:-1])
    return number == pattern


@dataclass(frozen=True, slots=True)
class DialScope:
    """What one tenant's legs may reach: its dial rules, and (lab only) bare SIP URIs."""

    tenant_id: str
    rules: DialRules = field(default_factory=DialRules)
    # Only a switch run on its own (tests, the lab) dials URIs like sip:agent@10.0.0.5 directly;
    # a tenant's legs reach the outside through trunks, where the dial rules apply.
    sip_uris: bool = False

    @classmethod
    def lab(cls, tenant_id: str = "") -> DialScope:
        """A scope that may dial any number and any SIP URI (a switch used without tenants)."""
        return cls(tenant_id, DialRules(("*",)), sip_uris=True)


@dataclass(frozen=True, slots=True)
class Refused:
    """Why a leg may not be placed, and the SIP status that says so."""

    reason: str
    status: int = FORBIDDEN


class CarrierTrunk(Protocol):
    """What the policy needs to know of a trunk: whose it is and what it routes."""

    @property
    def name(self) -> str:
        """The trunk's name."""
        ...

    @property
    def tenant_id(self) -> str:
        """The tenant that owns it."""
        ...

    @property
    def shared_with(self) -> tuple[str, ...]:
        """Other tenants the operator lets use it."""
        ...

    @property
    def outbound_host(self) -> str | None:
        """Where its calls go; None for an inbound-only trunk."""
        ...

    @property
    def outbound_prefixes(self) -> tuple[str, ...]:
        """Dialled numbers starting with one of these leave through it."""
        ...


T = TypeVar("T", bound=CarrierTrunk)


def number_refusal(scope: DialScope, number: str) -> Refused | None:
    """Why `scope` may not dial `number` out through a trunk, or None when it may."""
    digits = number[1:] if number.startswith("+") else number
    if not digits or len(number) > MAX_NUMBER_LENGTH or not set(digits) <= _NUMBER_CHARS:
        return Refused(f"{number[:40]!r} is not a phone number")
    if not scope.rules.allows(number):
        return Refused(f"the dial rules of tenant {scope.tenant_id or '-'} do not allow {number}")
    return None


def choose_trunk(scope: DialScope, number: str, trunks: Iterable[T]) -> T | Refused:
    """The trunk `scope` dials `number` through: allowed by its rules, owned or shared with it."""
    refused = number_refusal(scope, number)
    if refused is not None:
        return refused
    best: T | None = None
    best_key = (-1, -1)
    for trunk in trunks:
        if trunk.outbound_host is None:
            continue
        own = trunk.tenant_id == scope.tenant_id
        if not own and scope.tenant_id not in trunk.shared_with:
            continue
        longest = max((len(p) for p in trunk.outbound_prefixes if number.startswith(p)), default=-1)
        if longest < 0:
            continue
        key = (int(own), longest)  # own trunks first, then the most specific prefix
        if key > best_key:
            best, best_key = trunk, key
    if best is None:
        return Refused(f"no trunk of tenant {scope.tenant_id or '-'} routes {number}", NOT_FOUND)
    return best


def peer_refusal(scope: DialScope, peer_tenant_id: str, what: str) -> Refused | None:
    """Why `scope` may not ring a registered phone of `peer_tenant_id` (`what` names it)."""
    if peer_tenant_id != scope.tenant_id:
        return Refused(f"{what} belongs to another tenant", NOT_FOUND)
    return None


def uri_refusal(scope: DialScope, uri: str) -> Refused | None:
    """Why `scope` may not dial the unregistered SIP URI `uri` directly, or None."""
    if not scope.sip_uris:
        return Refused(f"{uri[:80]!r} is not a number or an agent of this tenant")
    return None


def caller_id_refusal(caller_id: str, own_numbers: Sequence[str] | None = None) -> str | None:
    """Why `caller_id` may not be presented: bad characters, or (given) not the tenant's own."""
    if not caller_id or len(caller_id) > MAX_NUMBER_LENGTH:
        return "a caller ID has 1 to 32 characters"
    if not set(caller_id) <= _CALLER_ID_CHARS:
        return "a caller ID has only digits, letters, '+', '*', '#', '.', '_' and '-'"
    if own_numbers is not None and caller_id not in own_numbers:
        return f"{caller_id} is not one of this tenant's numbers"
    return None
