"""Login sessions: one row per login, named by its token, so it can end before it expires.

Why a table and not a per-user token version: a version number can only end every session of
a user at once, so logging out of the wallboard would also log the same person out of the
agent desktop, and a stolen token could not be ended alone. A row per login ends exactly one
(logout) or all of a user's but one (a password change) or all (an admin's password reset, a
deactivation), on every node at once since they share the database. The cost is one indexed
lookup joined to the user row that every request loads anyway. Ended sessions are deleted;
expired ones are swept whenever someone logs in.
"""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from seatline.store.models import User, UserSession

__all__ = [
    "end_session",
    "end_user_sessions",
    "find_session_user",
    "open_session",
    "sweep_expired_sessions",
]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def open_session(
    session: AsyncSession,
    user_id: uuid.UUID,
    expires_at: dt.datetime,
    source: str = "",
) -> UserSession:
    """Record a new login of `user_id` valid until `expires_at` (the caller commits)."""
    row = UserSession(user_id=user_id, created_at=_now(), expires_at=expires_at, source=source[:64])
    session.add(row)
    await session.flush()
    return row


async def find_session_user(
    session: AsyncSession, session_id: uuid.UUID, user_id: uuid.UUID, now: dt.datetime
) -> User | None:
    """Return the user of a live session (not ended, not expired, of that user), else None."""
    query = (
        sa.select(User)
        .join(UserSession, UserSession.user_id == User.id)
        .where(
            UserSession.id == session_id,
            UserSession.user_id == user_id,
            UserSession.expires_at > now,
        )
    )
    user: User | None = await session.scalar(query)
    return user


async def end_session(session: AsyncSession, session_id: uuid.UUID) -> bool:
    """End one session (a logout); tell whether it was live."""
    result = await session.execute(sa.delete(UserSession).where(UserSession.id == session_id))
    return bool(getattr(result, "rowcount", 0))


async def end_user_sessions(
    session: AsyncSession, user_id: uuid.UUID, keep: uuid.UUID | None = None
) -> int:
    """End every session of a user, except `keep` when given; return how many ended."""
    query = sa.delete(UserSession).where(UserSession.user_id == user_id)
    if keep is not None:
        query = query.where(UserSession.id != keep)
    result = await session.execute(query)
    return int(getattr(result, "rowcount", 0))


async def sweep_expired_sessions(session: AsyncSession, now: dt.datetime | None = None) -> int:
    """Delete sessions past their expiry; return how many."""
    result = await session.execute(
        sa.delete(UserSession).where(UserSession.expires_at <= (now or _now()))
    )
    return int(getattr(result, "rowcount", 0))
