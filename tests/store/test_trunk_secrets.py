"""Trunk passwords are kept encrypted with a key from `secret_key` (issue 11, part of 15).

Every writer of a trunk stores ciphertext only; readers (the API's checks, the switch) get
the password; rows an older version left in plaintext are sealed at start; a database opened
with another key says so instead of handing the switch garbage.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from seatline.store.db import Database
from seatline.store.enums import TrunkDirection
from seatline.store.models import Trunk
from seatline.store.repo import create_owned, update_owned
from seatline.store.secret_box import PREFIX, SecretBox, SecretKeyError
from seatline.store.trunks import list_trunks, seal_trunk_passwords
from seatline.switch_node import SwitchNode, trunk_config

from .helpers import make_tenant

KEY = "a-key-for-the-box-alone-" + "k" * 16
PASSWORD = "carrier-pass-" + "é" * 243  # the longest the API takes, and not ASCII


@pytest.fixture
def keyed(database: Database) -> Database:
    """The migrated test database, opened with the tests' secret key (one for all tests, as
    they share the PostgreSQL database)."""
    assert database.secret_box is not None
    return database


async def stored_password(database: Database, trunk_id: object) -> str | None:
    """The password column as the database holds it (no ORM in between)."""
    async with database.engine.connect() as connection:
        query = sa.text("SELECT password FROM trunks WHERE id = :id")
        hex_id = trunk_id.hex if database.is_sqlite else trunk_id  # type: ignore[attr-defined]
        return (await connection.execute(query, {"id": hex_id})).scalar_one()  # type: ignore[no-any-return]


async def make_trunk(database: Database, password: str | None = PASSWORD) -> Trunk:
    """An outbound trunk with a password, written through the store like the API does."""
    tenant = await make_tenant(database)
    async with database.transaction() as session:
        values = {
            "name": "carrier",
            "direction": TrunkDirection.BOTH,
            "match_username": f"acct-{tenant.slug}",
            "outbound_host": "192.0.2.10",
            "username": "acct",
            "password": password,
        }
        return await create_owned(session, Trunk, tenant.id, values)


async def test_the_column_holds_only_ciphertext(keyed: Database) -> None:
    trunk = await make_trunk(keyed)
    stored = await stored_password(keyed, trunk.id)
    assert stored is not None and stored.startswith(PREFIX)
    assert "carrier-pass" not in stored and PASSWORD not in stored
    assert trunk.password == PASSWORD  # the object in hand still reads as the password


async def test_readers_and_the_switch_get_the_password(keyed: Database) -> None:
    trunk = await make_trunk(keyed)
    async with keyed.sessions() as session:
        (info,) = await list_trunks(session, trunk.tenant_id)
        row = await session.get(Trunk, trunk.id)
    assert info.password == PASSWORD
    assert row is not None and row.password == PASSWORD
    config = trunk_config(info)
    assert config.outbound_password == config.inbound_password == PASSWORD
    node = SwitchNode(keyed)  # what `seatline up` runs: the switch's trunks from the store
    assert await node.refresher.refresh()
    mine = [t for t in node.service.core.config.trunks if t.tenant_id == str(trunk.tenant_id)]
    assert [t.outbound_password for t in mine] == [PASSWORD]


async def test_a_changed_password_is_sealed_and_other_changes_keep_it(keyed: Database) -> None:
    trunk = await make_trunk(keyed)
    first = await stored_password(keyed, trunk.id)
    async with keyed.transaction() as session:
        row = await session.get(Trunk, trunk.id)
        assert row is not None
        await update_owned(session, row, {"outbound_port": 5080})
    assert await stored_password(keyed, trunk.id) == first  # not rewritten
    async with keyed.transaction() as session:
        row = await session.get(Trunk, trunk.id)
        assert row is not None
        await update_owned(session, row, {"password": "enc:v1:not-really"})  # plain text
    stored = await stored_password(keyed, trunk.id)
    assert stored is not None and stored.startswith(PREFIX) and stored != first
    async with keyed.sessions() as session:
        (info,) = await list_trunks(session, trunk.tenant_id)
    assert info.password == "enc:v1:not-really"


async def test_plaintext_left_by_an_older_version_is_sealed_at_start(keyed: Database) -> None:
    trunk = await make_trunk(keyed, password=None)
    async with keyed.engine.begin() as connection:  # as an older version wrote it
        hex_id = trunk.id.hex if keyed.is_sqlite else trunk.id
        statement = sa.text("UPDATE trunks SET password = 'legacy-pass' WHERE id = :id")
        await connection.execute(statement, {"id": hex_id})
    async with keyed.sessions() as session:
        (info,) = await list_trunks(session, trunk.tenant_id)
    assert info.password == "legacy-pass"  # still usable before the start seals it
    assert await seal_trunk_passwords(keyed) >= 1
    stored = await stored_password(keyed, trunk.id)
    assert stored is not None and stored.startswith(PREFIX)
    async with keyed.sessions() as session:
        (info,) = await list_trunks(session, trunk.tenant_id)
    assert info.password == "legacy-pass"


async def test_another_secret_key_is_a_clear_error(keyed: Database, database_url: str) -> None:
    trunk = await make_trunk(keyed)
    other = Database(database_url, secret_key="another-key-" + "x" * 32)
    keyless = Database(database_url)
    try:
        for database, words in ((other, "another secret_key"), (keyless, "no secret key")):
            async with database.sessions() as session:
                with pytest.raises(SecretKeyError, match=words):
                    await list_trunks(session, trunk.tenant_id)
        async with keyless.transaction() as session:
            with pytest.raises(SecretKeyError, match="no secret key"):
                await create_owned(
                    session,
                    Trunk,
                    trunk.tenant_id,
                    {"name": "x", "direction": TrunkDirection.OUTBOUND, "password": "p"},
                )
    finally:
        await other.dispose()
        await keyless.dispose()


def test_the_box_round_trips_and_refuses_tampering() -> None:
    box = SecretBox(KEY)
    sealed = box.seal("s3cret")
    assert sealed.startswith(PREFIX) and box.seal("s3cret") != sealed  # a fresh nonce each time
    assert box.open(sealed) == "s3cret"
    tampered = sealed[:-2] + ("A" if sealed[-2] != "A" else "B") + sealed[-1]
    with pytest.raises(SecretKeyError):
        box.open(tampered)
    with pytest.raises(SecretKeyError):
        SecretBox("another-key-" + "x" * 32).open(sealed)
