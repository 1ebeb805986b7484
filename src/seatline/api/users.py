"""Users: like the plain CRUD routes, but passwords are hashed and role grants are checked.

Every change is audited (`users.create|update|delete`) with the fields it set, never a password.
"""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response

from seatline.api.auditor import AuditDep
from seatline.api.crud import PageDep
from seatline.api.deps import ADMINS, STAFF, Principal, SessionDep, commit, require
from seatline.api.schemas import UserCreate, UserRead, patch_of
from seatline.store.models import User
from seatline.store.repo import get_owned, list_owned
from seatline.store.users import create_user, delete_user, update_user

__all__ = ["router"]

router = APIRouter(prefix="/api/users", tags=["users"])
UserPatch = patch_of(UserCreate)
Reader = Annotated[Principal, Depends(require(STAFF))]
Admin = Annotated[Principal, Depends(require(ADMINS))]


@router.get("", response_model=list[UserRead], summary="List users")
async def list_users(session: SessionDep, who: Reader, paging: PageDep) -> Any:
    """List the tenant's users."""
    return await list_owned(session, User, who.tenant_id, limit=paging.limit, offset=paging.offset)


@router.get("/{item_id}", response_model=UserRead, summary="Get one user")
async def get_user(item_id: uuid.UUID, session: SessionDep, who: Reader) -> Any:
    """Return one of the tenant's users."""
    return await get_owned(session, User, who.tenant_id, item_id)


@router.post("", response_model=UserRead, status_code=201, summary="Create a user")
async def post_user(body: UserCreate, session: SessionDep, who: Admin, audit: AuditDep) -> Any:
    """Create a user in the tenant."""
    user = await create_user(session, who.role, who.tenant_id, body.model_dump())
    await audit("users.create", user.id, {"username": user.username, "role": user.role})
    await commit(session)
    return user


@router.patch("/{item_id}", response_model=UserRead, summary="Change one user")
async def patch_user(
    item_id: uuid.UUID,
    body: UserPatch,  # type: ignore[valid-type]
    session: SessionDep,
    who: Admin,
    audit: AuditDep,
) -> Any:
    """Change a user of the tenant (a new password or a deactivation ends its sessions)."""
    user = await get_owned(session, User, who.tenant_id, item_id)
    values = body.model_dump(exclude_unset=True)  # type: ignore[attr-defined]
    user = await update_user(session, who.role, user, values)
    detail = {"username": user.username, "fields": sorted(values)}
    await audit("users.update", user.id, detail)
    await commit(session)
    return user


@router.delete("/{item_id}", status_code=204, summary="Delete one user")
async def delete_one_user(
    item_id: uuid.UUID, session: SessionDep, who: Admin, audit: AuditDep
) -> Response:
    """Delete a user of the tenant (not yourself; a platform admin only by a platform admin)."""
    username = await delete_user(session, who.user_id, who.role, who.tenant_id, item_id)
    await audit("users.delete", item_id, {"username": username})
    await commit(session)
    return Response(status_code=204)
