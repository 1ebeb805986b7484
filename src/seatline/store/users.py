"""Users: argon2 password hashes, login checks and the rules about who may grant which role."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.ext.asyncio import AsyncSession

from seatline.store.enums import Role
from seatline.store.errors import InvalidInput, PermissionDenied
from seatline.store.models import Agent, Tenant, User
from seatline.store.repo import (
    check_reference,
    create_owned,
    flush_or_conflict,
    get_owned,
    update_owned,
)

__all__ = [
    "authenticate",
    "create_user",
    "delete_user",
    "hash_password",
    "update_user",
    "verify_password",
]

_hasher = PasswordHasher()
# Verified when the username is unknown, so a miss costs as much time as a wrong password.
_DUMMY_HASH = _hasher.hash("seatline-timing-equaliser")


def hash_password(password: str) -> str:
    """Return the argon2id hash of a password."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Tell whether the password matches the stored argon2 hash."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


async def authenticate(session: AsyncSession, username: str, password: str) -> User | None:
    """Return the active user with this username and password, else None."""
    user = await session.scalar(sa.select(User).where(User.username == username))
    if user is None:
        verify_password(_DUMMY_HASH, password)
        return None
    if not verify_password(user.password_hash, password) or not user.active:
        return None
    return user


async def _check_username(session: AsyncSession, tenant_id: uuid.UUID, username: str) -> None:
    # Usernames are global (login has no tenant field), so each tenant gets its own suffix:
    # a clash can then only be with the tenant's own users, never reveal another tenant's.
    slug = await session.scalar(sa.select(Tenant.slug).where(Tenant.id == tenant_id))
    if not username.endswith(f"@{slug}"):
        raise InvalidInput(
            f"username must end with @{slug} (the tenant's slug)", {"field": "username"}
        )


def _check_role(actor_role: Role, role: Role | None) -> None:
    if role is Role.PLATFORM_ADMIN and actor_role is not Role.PLATFORM_ADMIN:
        raise PermissionDenied("only a platform admin may grant the platform_admin role")


async def create_user(
    session: AsyncSession, actor_role: Role, tenant_id: uuid.UUID, values: dict[str, Any]
) -> User:
    """Create a user of the tenant, hashing its password."""
    values = dict(values)
    _check_role(actor_role, values.get("role"))
    await _check_username(session, tenant_id, values["username"])
    await check_reference(session, Agent, tenant_id, values.get("agent_id"), "agent_id")
    values["password_hash"] = hash_password(values.pop("password"))
    return await create_owned(session, User, tenant_id, values)


async def update_user(
    session: AsyncSession, actor_role: Role, user: User, values: dict[str, Any]
) -> User:
    """Apply a partial update to a user, re-hashing a new password."""
    values = dict(values)
    _check_role(actor_role, values.get("role"))
    if user.role is Role.PLATFORM_ADMIN and actor_role is not Role.PLATFORM_ADMIN:
        raise PermissionDenied("only a platform admin may change a platform admin")
    if "username" in values:
        await _check_username(session, user.tenant_id, values["username"])
    if "agent_id" in values:
        await check_reference(session, Agent, user.tenant_id, values["agent_id"], "agent_id")
    if "password" in values:
        values["password_hash"] = hash_password(values.pop("password"))
    return await update_owned(session, user, values)


async def delete_user(
    session: AsyncSession,
    actor_id: uuid.UUID,
    actor_role: Role,
    tenant_id: uuid.UUID,
    user_id: uuid.UUID,
) -> None:
    """Delete a user of the tenant; nobody deletes themselves, only the operator an operator."""
    user = await get_owned(session, User, tenant_id, user_id)
    if user.id == actor_id:
        raise InvalidInput("you cannot delete yourself")
    if user.role is Role.PLATFORM_ADMIN and actor_role is not Role.PLATFORM_ADMIN:
        raise PermissionDenied("only a platform admin may delete a platform admin")
    await session.delete(user)
    await flush_or_conflict(session)
