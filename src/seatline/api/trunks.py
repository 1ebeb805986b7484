"""Carrier trunks: tenants manage their outbound trunks, the operator decides inbound trust.

A trunk's `match_source` and `match_username` let requests in without an agent's digest, for
every number on the platform, so only the platform admin sets them (narrow, unique across
tenants: `store.trunk_trust`); sharing a trunk with other tenants is the operator's too.
Module note: no `from __future__ import annotations`, FastAPI reads the annotations.
"""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response

from seatline.api.auditor import AuditDep
from seatline.api.crud import PageDep, revalidate
from seatline.api.deps import ADMINS, STAFF, Principal, SessionDep, commit, require, settings_of
from seatline.api.errors import ApiError
from seatline.api.schemas import TrunkCreate, TrunkRead, patch_of
from seatline.guard.addresses import check_host
from seatline.guard.inbound import SourceLimits
from seatline.store.enums import Role
from seatline.store.errors import InvalidInput
from seatline.store.models import Trunk
from seatline.store.repo import create_owned, delete_owned, get_owned, list_owned, update_owned
from seatline.store.trunk_trust import check_inbound_trust, check_shared_with

__all__ = ["router"]

router = APIRouter(prefix="/api/trunks", tags=["trunks"])
TrunkPatch = patch_of(TrunkCreate)
Reader = Annotated[Principal, Depends(require(STAFF))]
Writer = Annotated[Principal, Depends(require(ADMINS))]
# Fields that decide who the switch trusts or whose calls a trunk carries: the operator's.
OPERATOR_FIELDS = ("match_source", "match_username", "shared_with")


async def _checked(
    request: Request,
    session: SessionDep,
    who: Principal,
    values: dict[str, Any],
    row: Trunk | None,
) -> dict[str, Any]:
    """The values to store, once the caller may set them and they meet the platform's rules."""
    before = {name: getattr(row, name) if row else None for name in OPERATOR_FIELDS}
    changed = [
        name
        for name in OPERATOR_FIELDS
        if name in values and values[name] != before[name] and (values[name] or before[name])
    ]
    if changed and who.role is not Role.PLATFORM_ADMIN:
        raise ApiError(
            403,
            "operator-only",
            f"only the platform operator sets {', '.join(changed)}: inbound trust and shared "
            "trunks apply to every tenant",
            {"fields": changed},
        )
    settings = settings_of(request)
    host = values.get("outbound_host")
    if host:
        refused = check_host(host, settings.allow_private_networks)
        if refused is not None:
            raise InvalidInput(f"outbound_host: {refused}", {"field": "outbound_host"})
    limits = SourceLimits(settings.trunk_source_max_prefix_v4, settings.trunk_source_max_prefix_v6)
    source = values.get("match_source", row.match_source if row else None)
    username = values.get("match_username", row.match_username if row else None)
    if "match_source" in changed or "match_username" in changed:
        await check_inbound_trust(session, row.id if row else None, source, username, limits)
    if "shared_with" in values:
        values["shared_with"] = await check_shared_with(
            session, who.tenant_id, values["shared_with"] or []
        )
    return values


@router.get("", response_model=list[TrunkRead], summary="List trunks")
async def list_trunks(session: SessionDep, who: Reader, paging: PageDep) -> Any:
    """The tenant's trunks (passwords are never shown)."""
    return await list_owned(session, Trunk, who.tenant_id, limit=paging.limit, offset=paging.offset)


@router.get("/{item_id}", response_model=TrunkRead, summary="Get one trunk")
async def get_trunk(item_id: uuid.UUID, session: SessionDep, who: Reader) -> Any:
    """One of the tenant's trunks."""
    return await get_owned(session, Trunk, who.tenant_id, item_id)


@router.post("", response_model=TrunkRead, status_code=201, summary="Create a trunk")
async def create_trunk(
    body: TrunkCreate, request: Request, session: SessionDep, who: Writer, audit: AuditDep
) -> Any:
    """Add a trunk; inbound matching and sharing need the platform operator."""
    values = await _checked(request, session, who, body.model_dump(), None)
    row = await create_owned(session, Trunk, who.tenant_id, values)
    await audit("trunks.create", row.id, {"fields": sorted(values)})
    await commit(session)
    return row


@router.patch("/{item_id}", response_model=TrunkRead, summary="Change a trunk")
async def patch_trunk(
    item_id: uuid.UUID,
    body: TrunkPatch,  # type: ignore[valid-type]
    request: Request,
    session: SessionDep,
    who: Writer,
    audit: AuditDep,
) -> Any:
    """Change some fields of a trunk (the rules of a new one apply to the result)."""
    row = await get_owned(session, Trunk, who.tenant_id, item_id)
    values = body.model_dump(exclude_unset=True)  # type: ignore[attr-defined]
    revalidate(TrunkCreate, row, values)
    values = await _checked(request, session, who, values, row)
    row = await update_owned(session, row, values)
    await audit("trunks.update", row.id, {"fields": sorted(values)})
    await commit(session)
    return row


@router.delete("/{item_id}", status_code=204, summary="Delete a trunk")
async def delete_trunk(
    item_id: uuid.UUID, session: SessionDep, who: Writer, audit: AuditDep
) -> Response:
    """Remove a trunk (calls in progress keep it until they end)."""
    await delete_owned(session, Trunk, who.tenant_id, item_id)
    await audit("trunks.delete", item_id)
    await commit(session)
    return Response(status_code=204)
