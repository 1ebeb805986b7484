"""What the SIP switch asks about carrier trunks: which trunk an inbound request came over,
and where outbound calls of a tenant may go."""

from __future__ import annotations

import ipaddress
import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from seatline.store.enums import TrunkDirection
from seatline.store.models import Trunk

__all__ = ["TrunkInfo", "find_inbound_trunk", "list_trunks", "trunks_fingerprint"]


@dataclass(frozen=True, slots=True)
class TrunkInfo:
    """A trunk as the switch needs it (password included: digest towards the carrier)."""

    id: uuid.UUID
    tenant_id: uuid.UUID
    name: str
    direction: TrunkDirection
    match_source: str | None
    match_username: str | None
    outbound_host: str | None
    outbound_port: int
    username: str | None
    password: str | None
    outbound_prefixes: tuple[str, ...] = ()
    shared_with: tuple[str, ...] = ()

    @classmethod
    def of(cls, row: Trunk) -> TrunkInfo:
        """Copy a row into a detached record."""
        return cls(
            row.id,
            row.tenant_id,
            row.name,
            row.direction,
            row.match_source,
            row.match_username,
            row.outbound_host,
            row.outbound_port,
            row.username,
            row.password,
            tuple(row.outbound_prefixes or ()),
            tuple(row.shared_with or ()),
        )


def _source_matches(pattern: str, source: str) -> bool:
    """Tell whether `source` (an IP address or host) matches an address, a CIDR or a host name."""
    try:
        network = ipaddress.ip_network(pattern, strict=False)
        return ipaddress.ip_address(source) in network
    except ValueError:
        return pattern.lower() == source.lower()


async def list_trunks(session: AsyncSession, tenant_id: uuid.UUID | None = None) -> list[TrunkInfo]:
    """Return every trunk (of one tenant when given), ordered by tenant and name."""
    query = sa.select(Trunk).order_by(Trunk.tenant_id, Trunk.name)
    if tenant_id is not None:
        query = query.where(Trunk.tenant_id == tenant_id)
    return [TrunkInfo.of(row) for row in await session.scalars(query)]


async def trunks_fingerprint(session: AsyncSession) -> tuple[int, int]:
    """Return (count, sum of revisions) of every trunk: it changes whenever any trunk does."""
    # One aggregate row, so a switch can poll it every few seconds without reading the trunks.
    query = sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(Trunk.revision), 0))
    count, total = (await session.execute(query)).one()
    return int(count), int(total)


async def find_inbound_trunk(
    session: AsyncSession, source: str, username: str | None = None
) -> TrunkInfo | None:
    """Return the inbound trunk a request came over: by digest username first, then by source."""
    query = sa.select(Trunk).where(Trunk.direction != TrunkDirection.OUTBOUND).order_by(Trunk.id)
    trunks = list(await session.scalars(query))
    if username:
        for row in trunks:
            if row.match_username == username:
                return TrunkInfo.of(row)
    for row in trunks:
        if row.match_source and _source_matches(row.match_source, source):
            return TrunkInfo.of(row)
    return None
