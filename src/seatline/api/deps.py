"""Request dependencies: the per-request session and the authenticated principal.

Every handler gets its tenant scope from the principal, never from the URL or the body, so a
route cannot forget to scope a query by tenant.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import HTTPConnection

from seatline.api.errors import ApiError
from seatline.api.tokens import TokenClaims, read_token
from seatline.config import Settings
from seatline.live.bus import EventBus
from seatline.store.db import Database
from seatline.store.enums import Role
from seatline.store.errors import NotFound
from seatline.store.models import Tenant
from seatline.store.repo import integrity_to_conflict
from seatline.store.sessions import find_session_user

__all__ = [
    "ADMINS",
    "ALL_ROLES",
    "COOKIE_NAME",
    "STAFF",
    "TENANT_HEADER",
    "Principal",
    "SessionDep",
    "authenticate",
    "bearer_of",
    "bus_of",
    "client_address",
    "commit",
    "current_principal",
    "get_session",
    "require",
    "settings_of",
    "token_claims",
]

COOKIE_NAME = "seatline_session"
TENANT_HEADER = "X-Seatline-Tenant"
ADMINS = frozenset({Role.PLATFORM_ADMIN, Role.TENANT_ADMIN})
STAFF = ADMINS | {Role.SUPERVISOR}
ALL_ROLES = STAFF | {Role.AGENT}


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling and which tenant they act in."""

    user_id: uuid.UUID
    username: str
    role: Role
    tenant_id: uuid.UUID
    agent_id: uuid.UUID | None
    session_id: uuid.UUID | None = None  # the login session the request's token belongs to


def settings_of(connection: HTTPConnection) -> Settings:
    """Return the app's settings."""
    settings: Settings = connection.app.state.settings
    return settings


def bus_of(connection: HTTPConnection) -> EventBus:
    """Return the live event bus the app publishes on and streams from."""
    bus: EventBus = connection.app.state.bus
    return bus


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """Yield one session per request; whatever is not committed is rolled back."""
    database: Database = request.app.state.database
    async with database.sessions() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


async def commit(session: AsyncSession) -> None:
    """Commit the request's transaction, turning an IntegrityError into Conflict."""
    try:
        await session.commit()
    except IntegrityError as exc:
        raise integrity_to_conflict(exc) from None


def bearer_of(connection: HTTPConnection) -> str | None:
    """Return the bearer token of the Authorization header, if one is given."""
    header = connection.headers.get("authorization", "")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() == "bearer" and credentials:
        return credentials.strip()
    return None


def token_claims(connection: HTTPConnection) -> TokenClaims | None:
    """Return the claims of the request's bearer token or session cookie, if it is valid."""
    token = bearer_of(connection) or connection.cookies.get(COOKIE_NAME)
    if not token:
        return None
    return read_token(settings_of(connection).secret_key or "", token, time.time())


def client_address(connection: HTTPConnection) -> str:
    """Return the client's address as the web server sees it (for the audit log)."""
    return connection.client.host if connection.client else "unknown"


async def authenticate(connection: HTTPConnection, session: AsyncSession) -> Principal:
    """Resolve a request's or WebSocket's bearer token or session cookie to its principal."""
    claims = token_claims(connection)
    user = None
    if claims is not None:
        now = dt.datetime.now(dt.UTC)
        user = await find_session_user(session, claims.session_id, claims.user_id, now)
    if claims is None or user is None or not user.active:
        raise ApiError(401, "not-authenticated", "log in first (POST /api/auth/login)")
    tenant_id = user.tenant_id
    requested = connection.headers.get(TENANT_HEADER)
    if requested and user.role is Role.PLATFORM_ADMIN:
        # The operator may act inside any tenant; everyone else's header is ignored.
        try:
            tenant = await session.get(Tenant, uuid.UUID(requested))
        except ValueError:
            tenant = None
        if tenant is None:
            raise NotFound("tenant not found", {"id": requested})
        tenant_id = tenant.id
    return Principal(user.id, user.username, user.role, tenant_id, user.agent_id, claims.session_id)


async def current_principal(request: Request, session: SessionDep) -> Principal:
    """Authenticate the request by bearer token or session cookie."""
    return await authenticate(request, session)


def require(roles: frozenset[Role]) -> Callable[[Principal], Awaitable[Principal]]:
    """Return a dependency that admits only callers holding one of `roles`."""

    async def check(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if principal.role not in roles:
            raise ApiError(403, "forbidden", f"the {principal.role} role may not do this")
        return principal

    return check
