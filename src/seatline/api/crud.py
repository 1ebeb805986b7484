"""A router factory for the plain tenant-owned resources: list, get, create, patch, delete.

Each handler validates the body, checks the references against the caller's tenant, calls a
store function and shapes the answer. Every write is audited as `<path>.create|update|delete`
(trunks included) with the names of the fields it set, never their values. Module note: no
`from __future__ import annotations` here, because FastAPI reads the body classes from the
generated handlers' annotations.
"""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from seatline.api.auditor import AuditDep
from seatline.api.deps import ADMINS, STAFF, Principal, SessionDep, commit, require
from seatline.api.schemas import Input, Output, patch_of
from seatline.store.enums import Role
from seatline.store.models import TenantOwned
from seatline.store.repo import (
    check_reference,
    create_owned,
    delete_owned,
    get_owned,
    list_owned,
    update_owned,
)

__all__ = ["Page", "PageDep", "Resource", "crud_router", "revalidate"]


@dataclass(frozen=True)
class Page:
    """Paging query parameters."""

    limit: int
    offset: int


def page(
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page:
    """Read `limit` and `offset`."""
    return Page(limit, offset)


PageDep = Annotated[Page, Depends(page)]


@dataclass(frozen=True)
class Resource:
    """How one tenant-owned table is exposed under /api/<path>."""

    path: str
    model: type[TenantOwned]
    create: type[Input]
    read: type[Output]
    references: Mapping[str, type[TenantOwned]] = field(default_factory=dict)
    patch: type[Input] | None = None  # default: every create field, optional
    read_roles: frozenset[Role] = STAFF
    create_roles: frozenset[Role] = ADMINS
    write_roles: frozenset[Role] = ADMINS
    # Re-check the create model's cross-field rules on the row as a patch would leave it.
    revalidate_patch: bool = False


def revalidate(create: type[Input], row: TenantOwned, values: dict[str, Any]) -> None:
    """Check the create model's rules on `row` as `values` would leave it (422 if broken)."""
    merged = {name: getattr(row, name) for name in create.model_fields if hasattr(row, name)}
    merged.update(values)
    try:
        create.model_validate(merged)
    except ValidationError as exc:
        errors = [{**error, "loc": ("body", *error.get("loc", ()))} for error in exc.errors()]
        raise RequestValidationError(errors) from None


async def _check_references(
    session: SessionDep, resource: Resource, tenant_id: uuid.UUID, values: dict[str, Any]
) -> None:
    for name, model in resource.references.items():
        if name in values:
            await check_reference(session, model, tenant_id, values[name], name)


def crud_router(resource: Resource) -> APIRouter:
    """Build the five CRUD routes of a resource."""
    router = APIRouter(prefix=f"/api/{resource.path}", tags=[resource.path])
    model, read = resource.model, resource.read
    Create = resource.create
    Patch = resource.patch or patch_of(resource.create)
    Reader = Annotated[Principal, Depends(require(resource.read_roles))]
    Creator = Annotated[Principal, Depends(require(resource.create_roles))]
    Writer = Annotated[Principal, Depends(require(resource.write_roles))]

    @router.get("", response_model=list[read], summary=f"List {resource.path}")  # type: ignore[valid-type]
    async def list_rows(session: SessionDep, who: Reader, paging: PageDep) -> Any:
        return await list_owned(
            session, model, who.tenant_id, limit=paging.limit, offset=paging.offset
        )

    @router.get("/{item_id}", response_model=read, summary=f"Get one of {resource.path}")
    async def get_row(item_id: uuid.UUID, session: SessionDep, who: Reader) -> Any:
        return await get_owned(session, model, who.tenant_id, item_id)

    operator_only = Role.TENANT_ADMIN not in resource.create_roles
    create_summary = f"Create in {resource.path}" + (" (platform admin)" if operator_only else "")

    @router.post("", response_model=read, status_code=201, summary=create_summary)
    async def create_row(
        body: Create,  # type: ignore[valid-type]
        session: SessionDep,
        who: Creator,
        audit: AuditDep,
    ) -> Any:
        values = body.model_dump()  # type: ignore[attr-defined]
        await _check_references(session, resource, who.tenant_id, values)
        row = await create_owned(session, model, who.tenant_id, values)
        await audit(f"{resource.path}.create", row.id, {"fields": sorted(values)})
        await commit(session)
        return row

    @router.patch("/{item_id}", response_model=read, summary=f"Change one of {resource.path}")
    async def patch_row(
        item_id: uuid.UUID,
        body: Patch,  # type: ignore[valid-type]
        session: SessionDep,
        who: Writer,
        audit: AuditDep,
    ) -> Any:
        row = await get_owned(session, model, who.tenant_id, item_id)
        values = body.model_dump(exclude_unset=True)  # type: ignore[attr-defined]
        if resource.revalidate_patch:
            revalidate(Create, row, values)
        await _check_references(session, resource, who.tenant_id, values)
        row = await update_owned(session, row, values)
        await audit(f"{resource.path}.update", row.id, {"fields": sorted(values)})
        await commit(session)
        return row

    @router.delete("/{item_id}", status_code=204, summary=f"Delete one of {resource.path}")
    async def delete_row(
        item_id: uuid.UUID, session: SessionDep, who: Writer, audit: AuditDep
    ) -> Response:
        await delete_owned(session, model, who.tenant_id, item_id)
        await audit(f"{resource.path}.delete", item_id)
        await commit(session)
        return Response(status_code=204)

    return router
