"""Users: argon2 password hashes, login checks and the rules about who may grant which role.

Argon2 is slow on purpose (about 0.1–0.3 s and 64 MiB per check with the default costs), so it
never runs on the event loop: every hash and check goes to one small thread pool (argon2-cffi
releases the GIL while it works). The pool's size bounds the CPU and memory a login flood can
take; further checks wait in its queue while the loop keeps serving calls and requests.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

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
from seatline.store.sessions import end_user_sessions

__all__ = [
    "HASH_THREADS",
    "LoginCheck",
    "authenticate",
    "check_login",
    "create_user",
    "delete_user",
    "hash_password",
    "hash_password_in_pool",
    "off_loop",
    "release_connection",
    "set_own_password",
    "update_user",
    "verify_password",
    "verify_password_in_pool",
]

T = TypeVar("T")

_hasher = PasswordHasher()
# Verified when the username is unknown, so a miss costs as much time as a wrong password.
_DUMMY_HASH = _hasher.hash("seatline-timing-equaliser")

# Half the cores at most: a check keeps a core busy (argon2 runs its lanes in threads of its
# own), and the other half stays free for the event loop, whose media timer must fire on time.
HASH_THREADS = max(1, min(4, (os.cpu_count() or 2) // 2))
_pool = ThreadPoolExecutor(HASH_THREADS, thread_name_prefix="seatline-argon2")


def hash_password(password: str) -> str:
    """Return the argon2id hash of a password."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Tell whether the password matches the stored argon2 hash."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


async def off_loop(function: Callable[..., T], *args: Any) -> T:
    """Run CPU-heavy password work in the bounded pool and await its result."""
    return await asyncio.get_running_loop().run_in_executor(_pool, function, *args)


async def hash_password_in_pool(password: str) -> str:
    """Return the argon2id hash of a password, computed off the event loop."""
    return await off_loop(hash_password, password)


async def verify_password_in_pool(password_hash: str, password: str) -> bool:
    """Tell whether the password matches the hash, checked off the event loop."""
    return await off_loop(verify_password, password_hash, password)


@dataclass(frozen=True, slots=True)
class LoginCheck:
    """A password login's outcome: the user the name belongs to (if any) and the verdict."""

    user: User | None
    accepted: bool
    reason: str = ""  # why not: unknown-user, wrong-password or inactive (for the audit log)


async def release_connection(session: AsyncSession) -> None:
    """End the session's (read-only) transaction so its pooled connection is free meanwhile.

    Called before a password check: a login waiting in the pool's queue must not hold a
    database connection, or a flood of them would starve every other request of the pool.
    The session's objects stay loaded (sessions are made with expire_on_commit=False).
    """
    await session.commit()


async def check_login(session: AsyncSession, username: str, password: str) -> LoginCheck:
    """Check a username and password; accepted only for an active user with that password.

    Ends the session's transaction before the slow check (see `release_connection`).
    """
    user = await session.scalar(sa.select(User).where(User.username == username))
    await release_connection(session)
    if user is None:
        await verify_password_in_pool(_DUMMY_HASH, password)
        return LoginCheck(None, False, "unknown-user")
    if not await verify_password_in_pool(user.password_hash, password):
        return LoginCheck(user, False, "wrong-password")
    if not user.active:
        return LoginCheck(user, False, "inactive")
    return LoginCheck(user, True)


async def authenticate(session: AsyncSession, username: str, password: str) -> User | None:
    """Return the active user with this username and password, else None."""
    check = await check_login(session, username, password)
    return check.user if check.accepted else None


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
    values["password_hash"] = await hash_password_in_pool(values.pop("password"))
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
        values["password_hash"] = await hash_password_in_pool(values.pop("password"))
    # A new password or a deactivation ends every session at once: an admin resetting a
    # password after a leak must not leave the thief's token valid for its remaining hours.
    if "password_hash" in values or values.get("active") is False:
        await end_user_sessions(session, user.id)
    return await update_owned(session, user, values)


async def set_own_password(
    session: AsyncSession, user: User, password: str, keep_session: uuid.UUID | None
) -> None:
    """Give a user a new password and end its other sessions (the one in use may stay)."""
    user.password_hash = await hash_password_in_pool(password)
    await end_user_sessions(session, user.id, keep=keep_session)
    await flush_or_conflict(session)


async def delete_user(
    session: AsyncSession,
    actor_id: uuid.UUID,
    actor_role: Role,
    tenant_id: uuid.UUID,
    user_id: uuid.UUID,
) -> str:
    """Delete a user of the tenant and return its username (nobody deletes themselves, and
    only the operator deletes an operator)."""
    user = await get_owned(session, User, tenant_id, user_id)
    if user.id == actor_id:
        raise InvalidInput("you cannot delete yourself")
    if user.role is Role.PLATFORM_ADMIN and actor_role is not Role.PLATFORM_ADMIN:
        raise PermissionDenied("only a platform admin may delete a platform admin")
    username = user.username
    await session.delete(user)
    await flush_or_conflict(session)
    return username
