"""Do-not-call lists: platform-wide and per tenant, matched on normalised numbers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def normalise(number: str) -> str:
    """Keep a leading '+' and the digits: '+1 (555) 010-0000' and '+15550100000' match."""
    digits = "".join(ch for ch in number if ch.isdigit())
    return ("+" + digits) if number.strip().startswith("+") else digits


class DoNotCall:
    """The platform's list and each tenant's list; a number on either is never dialled."""

    __slots__ = ("_platform", "_tenants")

    def __init__(self, platform: Iterable[str] = ()) -> None:
        self._platform = {normalise(n) for n in platform}
        self._tenants: dict[str, set[str]] = {}

    def add_platform(self, number: str) -> None:
        """Block `number` for every tenant."""
        self._platform.add(normalise(number))

    def add(self, tenant: str, number: str) -> None:
        """Block `number` for `tenant` (e.g. the person asked not to be called again)."""
        self._tenants.setdefault(tenant, set()).add(normalise(number))

    def replace(self, platform: Iterable[str], tenants: Mapping[str, Iterable[str]]) -> None:
        """Take the lists as they now are (numbers may have been removed, too)."""
        self._platform = {normalise(n) for n in platform}
        self._tenants = {t: {normalise(n) for n in numbers} for t, numbers in tenants.items()}

    def blocked(self, tenant: str, number: str) -> bool:
        """Whether `tenant` may not call `number`."""
        key = normalise(number)
        tenant_list = self._tenants.get(tenant)
        return key in self._platform or (tenant_list is not None and key in tenant_list)
