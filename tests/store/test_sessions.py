"""Login sessions in the store, on SQLite and PostgreSQL: opened, found, ended, swept."""

from __future__ import annotations

import datetime as dt
import uuid

from seatline.store.db import Database
from seatline.store.enums import Role
from seatline.store.models import Tenant, User
from seatline.store.sessions import (
    end_session,
    end_user_sessions,
    find_session_user,
    open_session,
    sweep_expired_sessions,
)
from seatline.store.users import create_user, delete_user, update_user

from .helpers import make_tenant

NOW = dt.datetime.now(dt.UTC)
LATER = NOW + dt.timedelta(hours=1)


async def _user(database: Database, tenant: Tenant, name: str) -> User:
    async with database.transaction() as session:
        values = {"username": f"{name}@{tenant.slug}", "password": "pw-12345678", "role": "agent"}
        return await create_user(session, Role.PLATFORM_ADMIN, tenant.id, values)


async def _live(database: Database, session_id: uuid.UUID, user: User) -> bool:
    async with database.sessions() as session:
        return await find_session_user(session, session_id, user.id, NOW) is not None


async def test_a_session_lives_until_it_ends_or_expires(database: Database) -> None:
    tenant = await make_tenant(database)
    ann, bob = await _user(database, tenant, "ann"), await _user(database, tenant, "bob")
    async with database.transaction() as session:
        first = (await open_session(session, ann.id, LATER, "192.0.2.1")).id
        second = (await open_session(session, ann.id, LATER, "192.0.2.2")).id
        short = (await open_session(session, ann.id, NOW - dt.timedelta(seconds=1))).id
    assert await _live(database, first, ann) and await _live(database, second, ann)
    assert not await _live(database, short, ann)  # expired
    assert not await _live(database, first, bob)  # another user's session id
    assert not await _live(database, uuid.uuid4(), ann)
    async with database.transaction() as session:
        assert await end_session(session, first)
        assert not await end_session(session, first)  # already ended
    assert not await _live(database, first, ann) and await _live(database, second, ann)
    async with database.transaction() as session:
        assert await sweep_expired_sessions(session, NOW) >= 1
    async with database.sessions() as session:
        assert await find_session_user(session, short, ann.id, NOW - dt.timedelta(hours=1)) is None


async def test_ending_a_users_sessions_can_keep_the_current_one(database: Database) -> None:
    tenant = await make_tenant(database)
    ann, bob = await _user(database, tenant, "ann"), await _user(database, tenant, "bob")
    async with database.transaction() as session:
        ids = [(await open_session(session, ann.id, LATER)).id for _ in range(3)]
        bobs = (await open_session(session, bob.id, LATER)).id
    async with database.transaction() as session:
        assert await end_user_sessions(session, ann.id, keep=ids[0]) == 2
    assert [await _live(database, i, ann) for i in ids] == [True, False, False]
    assert await _live(database, bobs, bob)


async def test_password_changes_and_deactivation_end_every_session(database: Database) -> None:
    tenant = await make_tenant(database)
    ann = await _user(database, tenant, "ann")
    for change in ({"password": "another-password"}, {"active": False}):
        async with database.transaction() as session:
            opened = (await open_session(session, ann.id, LATER)).id
        async with database.transaction() as session:
            user = await session.get(User, ann.id)
            assert user is not None
            await update_user(session, Role.PLATFORM_ADMIN, user, {"display_name": "Ann"})
        assert await _live(database, opened, ann)  # other changes leave sessions alone
        async with database.transaction() as session:
            user = await session.get(User, ann.id)
            assert user is not None
            await update_user(session, Role.PLATFORM_ADMIN, user, change)
        assert not await _live(database, opened, ann), change


async def test_deleting_a_user_deletes_its_sessions(database: Database) -> None:
    tenant = await make_tenant(database)
    admin, ann = await _user(database, tenant, "admin"), await _user(database, tenant, "ann")
    async with database.transaction() as session:
        opened = (await open_session(session, ann.id, LATER)).id
    async with database.transaction() as session:
        await delete_user(session, admin.id, Role.PLATFORM_ADMIN, tenant.id, ann.id)
    async with database.sessions() as session:
        from seatline.store.models import UserSession

        assert await session.get(UserSession, opened) is None
