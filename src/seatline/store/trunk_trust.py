"""Rules an inbound trunk must meet across every tenant before it is stored.

Inbound trust is platform-wide: a trunk matched by source or digest username lets requests in
for every number, so its source must be narrow and no two trunks (of any tenants) may claim the
same source or username. Outbound sharing names existing tenants only.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from seatline.guard.inbound import SourceLimits, source_refusal, sources_overlap
from seatline.store.errors import Conflict, InvalidInput
from seatline.store.models import Tenant, Trunk

__all__ = ["check_inbound_trust", "check_shared_with"]


async def check_inbound_trust(
    session: AsyncSession,
    trunk_id: uuid.UUID | None,
    match_source: str | None,
    match_username: str | None,
    limits: SourceLimits,
) -> None:
    """Raise unless the source is narrow enough and neither it nor the username is taken."""
    if match_source:
        refused = source_refusal(match_source, limits)
        if refused is not None:
            raise InvalidInput(refused, {"field": "match_source"})
    if not (match_source or match_username):
        return
    query = sa.select(Trunk.name, Trunk.tenant_id, Trunk.match_source, Trunk.match_username)
    if trunk_id is not None:
        query = query.where(Trunk.id != trunk_id)
    for name, tenant_id, source, username in await session.execute(query):
        if match_username and username == match_username:
            raise Conflict(
                f"the digest username {match_username!r} already identifies trunk {name!r}",
                {"field": "match_username", "tenant_id": str(tenant_id), "trunk": name},
            )
        if match_source and source and sources_overlap(match_source, source):
            raise Conflict(
                f"{match_source!r} overlaps the source {source!r} of trunk {name!r}",
                {"field": "match_source", "tenant_id": str(tenant_id), "trunk": name},
            )


async def check_shared_with(
    session: AsyncSession, owner: uuid.UUID, tenant_ids: list[uuid.UUID]
) -> list[str]:
    """The tenant ids as text once each exists and is not the owner; else InvalidInput."""
    wanted = list(dict.fromkeys(tenant_ids))
    if owner in wanted:
        raise InvalidInput("a trunk is not shared with its own tenant", {"field": "shared_with"})
    found = set(await session.scalars(sa.select(Tenant.id).where(Tenant.id.in_(wanted))))
    missing = [str(t) for t in wanted if t not in found]
    if missing:
        raise InvalidInput("no such tenant", {"field": "shared_with", "ids": missing})
    return [str(t) for t in wanted]
