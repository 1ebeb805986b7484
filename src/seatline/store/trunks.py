"""What the SIP switch asks about carrier trunks: which trunk an inbound request came over,
and where outbound calls of a tenant may go.

Trunk passwords are sealed at rest (`store.secret_box`) by mapper hooks on `Trunk`, so every
writer (the API, the demo seed, a script) stores ciphertext only, while a loaded row reads as
the password: the API's checks and the switch need no decryption of their own, and the API
never returns it. `seal_trunk_passwords` seals what an older version left in plaintext.
"""

from __future__ import annotations

import ipaddress
import logging
import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapper, QueryContext, attributes, object_session

from seatline.store.db import Database
from seatline.store.enums import TrunkDirection
from seatline.store.models import Trunk
from seatline.store.secret_box import SecretBox, box_of, is_sealed, missing_key

log = logging.getLogger(__name__)

__all__ = [
    "TrunkInfo",
    "find_inbound_trunk",
    "list_trunks",
    "seal_trunk_passwords",
    "trunks_fingerprint",
]


def _sealed(box: SecretBox | None, password: str) -> str:
    if box is None:
        raise missing_key()
    # A value this key already sealed stays as it is; anything else is a password to seal,
    # even one a person typed starting with the marker.
    return password if is_sealed(password) and box.opens(password) else box.seal(password)


def _opened(box: SecretBox | None, stored: str) -> str:
    if not is_sealed(stored):
        return stored  # plaintext from an older version, until the start seals it
    if box is None:
        raise missing_key()
    return box.open(stored)


def _written(trunk: Trunk) -> bool:
    """Whether this flush writes the trunk's password (a new row, or a changed one)."""
    state = sa.inspect(trunk)
    return trunk.password is not None and (
        not state.persistent or bool(state.attrs.password.history.added)
    )


@sa.event.listens_for(Trunk, "before_insert")
@sa.event.listens_for(Trunk, "before_update")
def _seal_before_write(_mapper: Mapper[Trunk], _connection: Any, trunk: Trunk) -> None:
    """Put the sealed password in the row being written (only when it changed)."""
    if _written(trunk):
        assert trunk.password is not None
        trunk.password = _sealed(box_of(object_session(trunk)), trunk.password)


@sa.event.listens_for(Trunk, "after_insert")
@sa.event.listens_for(Trunk, "after_update")
def _open_after_write(_mapper: Mapper[Trunk], _connection: Any, trunk: Trunk) -> None:
    """Give the object in hand its password back once the row holds the sealed form."""
    if _written(trunk):
        assert trunk.password is not None
        password = _opened(box_of(object_session(trunk)), trunk.password)
        attributes.set_committed_value(trunk, "password", password)


@sa.event.listens_for(Trunk, "load")
def _open_on_load(trunk: Trunk, context: QueryContext) -> None:
    """A loaded trunk reads as its password."""
    if trunk.password is not None:
        password = _opened(box_of(context.session), trunk.password)
        attributes.set_committed_value(trunk, "password", password)


@sa.event.listens_for(Trunk, "refresh")
def _open_on_refresh(trunk: Trunk, context: QueryContext, names: Any) -> None:
    """A re-read password is opened like a loaded one."""
    if names is None or "password" in names:
        _open_on_load(trunk, context)


async def seal_trunk_passwords(database: Database) -> int:
    """Seal every trunk password still in plaintext (left by an older version); how many."""
    box = database.secret_box
    async with database.engine.begin() as connection:
        # Core statements, past the ORM hooks: each row is sealed as it is, unless it changed
        # meanwhile (then its writer sealed it).
        query = sa.select(Trunk.id, Trunk.password).where(Trunk.password.is_not(None))
        found = await connection.execute(query)
        rows = [(i, p) for i, p in found if p is not None and not is_sealed(p)]
        if rows and box is None:
            raise missing_key()
        for trunk_id, password in rows:
            assert box is not None
            update = sa.update(Trunk).where(Trunk.id == trunk_id, Trunk.password == password)
            await connection.execute(update.values(password=box.seal(password)))
    if rows:
        log.info("sealed %d trunk password(s) an older version stored in plaintext", len(rows))
    return len(rows)


@dataclass(frozen=True, slots=True)
class TrunkInfo:
    """A trunk as the switch needs it (password included: digest towards the carrier)."""

    id: uuid.UUID
    tenant_id: uuid.UUID
    name: str
    direction: TrunkDirection
    match_source: str | None
    match_username: str | None
    outbound_host: str | None
    outbound_port: int
    username: str | None
    password: str | None
    outbound_prefixes: tuple[str, ...] = ()
    shared_with: tuple[str, ...] = ()

    @classmethod
    def of(cls, row: Trunk) -> TrunkInfo:
        """Copy a row into a detached record."""
        return cls(
            row.id,
            row.tenant_id,
            row.name,
            row.direction,
            row.match_source,
            row.match_username,
            row.outbound_host,
            row.outbound_port,
            row.username,
            row.password,
            tuple(row.outbound_prefixes or ()),
            tuple(row.shared_with or ()),
        )


def _source_matches(pattern: str, source: str) -> bool:
    """Tell whether `source` (an IP address or host) matches an address, a CIDR or a host name."""
    try:
        network = ipaddress.ip_network(pattern, strict=False)
        return ipaddress.ip_address(source) in network
    except ValueError:
        return pattern.lower() == source.lower()


async def list_trunks(session: AsyncSession, tenant_id: uuid.UUID | None = None) -> list[TrunkInfo]:
    """Return every trunk (of one tenant when given), ordered by tenant and name."""
    query = sa.select(Trunk).order_by(Trunk.tenant_id, Trunk.name)
    if tenant_id is not None:
        query = query.where(Trunk.tenant_id == tenant_id)
    return [TrunkInfo.of(row) for row in await session.scalars(query)]


async def trunks_fingerprint(session: AsyncSession) -> tuple[int, int]:
    """Return (count, sum of revisions) of every trunk: it changes whenever any trunk does."""
    # One aggregate row, so a switch can poll it every few seconds without reading the trunks.
    query = sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(Trunk.revision), 0))
    count, total = (await session.execute(query)).one()
    return int(count), int(total)


async def find_inbound_trunk(
    session: AsyncSession, source: str, username: str | None = None
) -> TrunkInfo | None:
    """Return the inbound trunk a request came over: by digest username first, then by source."""
    query = sa.select(Trunk).where(Trunk.direction != TrunkDirection.OUTBOUND).order_by(Trunk.id)
    trunks = list(await session.scalars(query))
    if username:
        for row in trunks:
            if row.match_username == username:
                return TrunkInfo.of(row)
    for row in trunks:
        if row.match_source and _source_matches(row.match_source, source):
            return TrunkInfo.of(row)
    return None
