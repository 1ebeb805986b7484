"""Tenants and seats: the platform admin manages every tenant; others see only their own."""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response

from seatline.api.auditor import AuditDep
from seatline.api.crud import PageDep
from seatline.api.deps import ALL_ROLES, STAFF, Principal, SessionDep, commit, require
from seatline.api.schemas import SeatsRead, TenantCreate, TenantRead, patch_of
from seatline.store.enums import Role
from seatline.store.errors import InvalidInput, NotFound
from seatline.store.seats import seat_usage
from seatline.store.tenants import (
    create_tenant,
    delete_tenant,
    get_tenant,
    list_tenants,
    update_tenant,
)

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["tenants"])
TenantPatch = patch_of(TenantCreate)
Reader = Annotated[Principal, Depends(require(STAFF))]
Anyone = Annotated[Principal, Depends(require(ALL_ROLES))]
Operator = Annotated[Principal, Depends(require(frozenset({Role.PLATFORM_ADMIN})))]


def _visible(who: Principal, tenant_id: uuid.UUID) -> None:
    if who.role is not Role.PLATFORM_ADMIN and tenant_id != who.tenant_id:
        raise NotFound("tenant not found", {"id": str(tenant_id)})


@router.get("/tenants", response_model=list[TenantRead], summary="List tenants")
async def get_tenants(session: SessionDep, who: Reader, paging: PageDep) -> Any:
    """List every tenant (platform admin) or just the caller's own."""
    if who.role is Role.PLATFORM_ADMIN:
        return await list_tenants(session, limit=paging.limit, offset=paging.offset)
    return [await get_tenant(session, who.tenant_id)] if paging.offset == 0 else []


@router.get("/tenants/{item_id}", response_model=TenantRead, summary="Get one tenant")
async def get_one_tenant(item_id: uuid.UUID, session: SessionDep, who: Reader) -> Any:
    """Return one tenant."""
    _visible(who, item_id)
    return await get_tenant(session, item_id)


@router.post("/tenants", response_model=TenantRead, status_code=201, summary="Create a tenant")
async def post_tenant(
    body: TenantCreate, session: SessionDep, who: Operator, audit: AuditDep
) -> Any:
    """Create a tenant (platform admin)."""
    tenant = await create_tenant(session, body.model_dump())
    await audit("tenants.create", tenant.id, {"slug": tenant.slug}, tenant_id=tenant.id)
    await commit(session)
    return tenant


@router.patch("/tenants/{item_id}", response_model=TenantRead, summary="Change one tenant")
async def patch_tenant(
    item_id: uuid.UUID,
    body: TenantPatch,  # type: ignore[valid-type]
    session: SessionDep,
    who: Operator,
    audit: AuditDep,
) -> Any:
    """Change a tenant (platform admin)."""
    tenant = await get_tenant(session, item_id)
    values = body.model_dump(exclude_unset=True)  # type: ignore[attr-defined]
    tenant = await update_tenant(session, tenant, values)
    await audit("tenants.update", tenant.id, {"fields": sorted(values)}, tenant_id=tenant.id)
    await commit(session)
    return tenant


@router.delete("/tenants/{item_id}", status_code=204, summary="Delete one tenant")
async def delete_one_tenant(
    item_id: uuid.UUID, session: SessionDep, who: Operator, audit: AuditDep
) -> Response:
    """Delete a tenant and all its rows (platform admin; not the one you belong to)."""
    if item_id == who.tenant_id:
        raise InvalidInput("you cannot delete the tenant you are acting in")
    await delete_tenant(session, item_id)
    # In the operator's own log: the deleted tenant has nobody left to read its events.
    await audit("tenants.delete", item_id)
    await commit(session)
    return Response(status_code=204)


@router.get("/seats", response_model=SeatsRead, summary="Seat usage of the tenant")
async def get_seats(session: SessionDep, who: Anyone) -> Any:
    """Return rented seats, logged-in agents and free seats of the caller's tenant."""
    usage = await seat_usage(session, who.tenant_id)
    return SeatsRead(
        seat_count=usage.seat_count, logged_in=usage.logged_in, available=usage.available
    )
