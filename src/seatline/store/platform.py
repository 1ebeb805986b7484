"""The operator's own account: the first platform admin of a fresh installation.

Every user belongs to a tenant and its username ends with `@<tenant slug>`, so the operator's
admin lives in the operator's own tenant, created with the first admin when it is missing.
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from seatline.store.enums import Role
from seatline.store.errors import Conflict, InvalidInput
from seatline.store.models import Tenant, User
from seatline.store.tenants import create_tenant
from seatline.store.users import create_user

__all__ = ["create_platform_admin", "has_platform_admin"]

_USERNAME = re.compile(r"[A-Za-z0-9._-]{1,100}@([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)")
MIN_PASSWORD = 8


async def has_platform_admin(session: AsyncSession) -> bool:
    """Whether any active platform admin can log in."""
    query = sa.select(User.id).where(User.role == Role.PLATFORM_ADMIN, User.active.is_(True))
    return (await session.scalar(query.limit(1))) is not None


async def create_platform_admin(session: AsyncSession, username: str, password: str) -> User:
    """Create a platform admin `name@slug`, and the operator's tenant `slug` if it is new."""
    match = _USERNAME.fullmatch(username)
    if match is None:
        raise InvalidInput(
            "the username is name@slug, e.g. admin@operator (letters, digits, '.', '_', '-')",
            {"field": "username"},
        )
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"the password needs at least {MIN_PASSWORD} characters")
    if await session.scalar(sa.select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"the user {username} exists already", {"field": "username"})
    slug = match.group(1)
    tenant = await session.scalar(sa.select(Tenant).where(Tenant.slug == slug))
    if tenant is None:
        values = {"name": "Operator", "slug": slug, "sip_domain": f"{slug}.seatline.invalid"}
        tenant = await create_tenant(session, values)
    user = {"username": username, "password": password, "role": Role.PLATFORM_ADMIN}
    return await create_user(session, Role.PLATFORM_ADMIN, tenant.id, user)
