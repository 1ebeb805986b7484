"""What the SIP switch asks the store: digest credentials of agents and the numbers it serves."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from seatline.store.models import Agent, Flow, Number, Tenant

__all__ = [
    "NumberRoute",
    "SipCredentials",
    "digest_ha1",
    "find_number",
    "find_sip_credentials",
    "list_numbers",
]


def digest_ha1(username: str, realm: str, password: str, algorithm: str = "MD5") -> str:
    """Return HA1 = H(username:realm:password) in hex for MD5 or SHA-256 (RFC 7616 §3.4.2)."""
    name = {"MD5": "md5", "SHA-256": "sha256"}.get(algorithm.upper())
    if name is None:
        raise ValueError(f"unsupported digest algorithm {algorithm!r}")
    return hashlib.new(name, f"{username}:{realm}:{password}".encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class SipCredentials:
    """An agent's SIP digest secrets; the realm is the tenant's sip_domain."""

    agent_id: uuid.UUID
    tenant_id: uuid.UUID
    ha1_md5: str
    ha1_sha256: str


@dataclass(frozen=True, slots=True)
class NumberRoute:
    """A dialled number and the tenant and flow it starts."""

    number: str
    tenant_id: uuid.UUID
    flow_id: uuid.UUID
    flow_name: str


async def find_sip_credentials(
    session: AsyncSession, domain: str, username: str
) -> SipCredentials | None:
    """Return the credentials of extension `username` in the tenant whose sip_domain is `domain`."""
    query = (
        sa.select(Agent.id, Agent.tenant_id, Agent.ha1_md5, Agent.ha1_sha256)
        .join(Tenant, Tenant.id == Agent.tenant_id)
        .where(Tenant.sip_domain == domain.lower(), Agent.extension == username)
    )
    row = (await session.execute(query)).one_or_none()
    if row is None:
        return None
    return SipCredentials(row.id, row.tenant_id, row.ha1_md5, row.ha1_sha256)


def _route_query() -> sa.Select[str, uuid.UUID, uuid.UUID, str]:
    return sa.select(Number.number, Number.tenant_id, Number.flow_id, Flow.name).join(
        Flow, Flow.id == Number.flow_id
    )


async def list_numbers(session: AsyncSession) -> list[NumberRoute]:
    """Return every number of every tenant with the flow it starts, ordered by number."""
    rows = await session.execute(_route_query().order_by(Number.number))
    return [NumberRoute(row[0], row[1], row[2], row[3]) for row in rows]


async def find_number(session: AsyncSession, e164_or_short: str) -> NumberRoute | None:
    """Return the route of a dialled number (`+4930…`, `95…` or a short number), or None."""
    row = (
        await session.execute(_route_query().where(Number.number == e164_or_short))
    ).one_or_none()
    return None if row is None else NumberRoute(row[0], row[1], row[2], row[3])
