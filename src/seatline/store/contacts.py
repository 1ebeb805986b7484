"""Contact detail records: the live service saves one per contact when it ends.

`save_contact_record` is the one store function that commits on its own: a record must be on
disk when it returns, so a crash right after the call ends loses nothing. Saving the same
contact again (same tenant and contact id) replaces the record, legs and offers included.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from seatline.store.enums import Channel, ContactDirection, ContactOutcome, LegRole, OfferOutcome
from seatline.store.errors import Conflict, InvalidReference, NotFound
from seatline.store.models import Contact, ContactLeg, ContactOffer, Disposition
from seatline.store.repo import integrity_to_conflict

__all__ = [
    "ContactFilter",
    "ContactRecord",
    "LegRecord",
    "OfferRecord",
    "get_contact",
    "list_contacts",
    "save_contact_record",
    "set_disposition",
]


@dataclass(frozen=True, slots=True)
class LegRecord:
    """One SIP dialog of a call, as the switch saw it."""

    sip_call_id: str
    role: LegRole
    started_at: dt.datetime
    peer: str = ""
    answered_at: dt.datetime | None = None
    ended_at: dt.datetime | None = None
    end_reason: str = ""


@dataclass(frozen=True, slots=True)
class OfferRecord:
    """One offer of the contact to an agent and how it ended."""

    agent_id: uuid.UUID
    offered_at: dt.datetime
    outcome: OfferOutcome
    ended_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class ContactRecord:
    """Everything the record keeps about one contact; times are UTC (naive ones are taken as UTC).

    `inputs` maps a flow node to the digits collected there (several when it was visited
    more than once).
    """

    tenant_id: uuid.UUID
    contact_id: uuid.UUID
    channel: Channel
    direction: ContactDirection
    arrived_at: dt.datetime
    outcome: ContactOutcome
    dialled_number: str = ""
    caller_number: str = ""
    caller_name: str = ""
    flow_ended_at: dt.datetime | None = None
    enqueued_at: dt.datetime | None = None
    answered_at: dt.datetime | None = None
    ended_at: dt.datetime | None = None
    queue_id: uuid.UUID | None = None
    queue_name: str | None = None
    agent_id: uuid.UUID | None = None
    disposition: str | None = None
    flow_id: uuid.UUID | None = None
    flow_name: str | None = None
    flow_version: int | None = None
    flow_path: Sequence[str] = ()
    inputs: Mapping[str, Sequence[str]] = field(default_factory=dict)
    wait_seconds: float | None = None
    talk_seconds: float | None = None
    recording_path: str | None = None
    voicemail_path: str | None = None
    end_reason: str = ""
    legs: Sequence[LegRecord] = ()
    offers: Sequence[OfferRecord] = ()


def _clip(value: str | None, length: int) -> str | None:
    # An overlong SIP header (a caller name, a Call-ID) must not cost the whole record.
    return value[:length] if value is not None else None


def _columns(record: ContactRecord) -> dict[str, Any]:
    return {
        "channel": record.channel,
        "direction": record.direction,
        "dialled_number": _clip(record.dialled_number, 64) or "",
        "caller_number": _clip(record.caller_number, 64) or "",
        "caller_name": _clip(record.caller_name, 200) or "",
        "arrived_at": record.arrived_at,
        "flow_ended_at": record.flow_ended_at,
        "enqueued_at": record.enqueued_at,
        "answered_at": record.answered_at,
        "ended_at": record.ended_at,
        "outcome": record.outcome,
        "queue_id": record.queue_id,
        "queue_name": _clip(record.queue_name, 64),
        "agent_id": record.agent_id,
        "flow_id": record.flow_id,
        "flow_name": _clip(record.flow_name, 64),
        "flow_version": record.flow_version,
        "flow_path": [str(node) for node in record.flow_path],
        "inputs": {str(node): [str(d) for d in digits] for node, digits in record.inputs.items()},
        "wait_seconds": record.wait_seconds,
        "talk_seconds": record.talk_seconds,
        "recording_path": _clip(record.recording_path, 1024),
        "voicemail_path": _clip(record.voicemail_path, 1024),
        "end_reason": _clip(record.end_reason, 200) or "",
    }


def _legs(record: ContactRecord) -> list[ContactLeg]:
    return [
        ContactLeg(
            position=position,
            sip_call_id=_clip(leg.sip_call_id, 255) or "",
            peer=_clip(leg.peer, 255) or "",
            role=leg.role,
            started_at=leg.started_at,
            answered_at=leg.answered_at,
            ended_at=leg.ended_at,
            end_reason=_clip(leg.end_reason, 200) or "",
        )
        for position, leg in enumerate(record.legs)
    ]


def _offers(record: ContactRecord) -> list[ContactOffer]:
    return [
        ContactOffer(
            position=position,
            agent_id=offer.agent_id,
            offered_at=offer.offered_at,
            outcome=offer.outcome,
            ended_at=offer.ended_at,
        )
        for position, offer in enumerate(record.offers)
    ]


async def _write(session: AsyncSession, record: ContactRecord) -> Contact:
    # Read the row under a lock, so a concurrent save of the same contact waits and then
    # replaces our legs instead of both adding a set. PostgreSQL locks the row as it reads
    # it; SQLite has no FOR UPDATE, so a write first takes its database-wide write lock.
    if (await session.connection()).dialect.name == "sqlite":
        await session.execute(
            sa.update(Contact)
            .where(Contact.id == record.contact_id)
            .values(end_reason=Contact.end_reason)
            .execution_options(synchronize_session=False)
        )
    contact = await session.get(
        Contact, record.contact_id, populate_existing=True, with_for_update=True
    )
    if contact is not None and contact.tenant_id != record.tenant_id:
        raise Conflict("the contact id is taken", {"id": str(record.contact_id)})
    if contact is None:
        contact = Contact(id=record.contact_id, tenant_id=record.tenant_id)
        session.add(contact)
    for name, value in _columns(record).items():
        setattr(contact, name, value)
    # A later save without a disposition keeps the one an agent set in the meantime.
    if record.disposition is not None or contact.disposition is None:
        contact.disposition = _clip(record.disposition, 64)
    contact.legs = _legs(record)
    contact.offers = _offers(record)
    await session.flush()
    return contact


async def save_contact_record(session: AsyncSession, record: ContactRecord) -> None:
    """Insert or replace the record with its legs and offers, and commit before returning."""
    try:
        await _write(session, record)
        await session.commit()
    except IntegrityError:
        # Two saves of one new contact raced and the other inserted first: update its row.
        await session.rollback()
        try:
            await _write(session, record)
            await session.commit()
        except IntegrityError as exc:
            await session.rollback()
            raise integrity_to_conflict(exc) from None


async def get_contact(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    contact_id: uuid.UUID,
    *,
    agent_id: uuid.UUID | None = None,
) -> Contact:
    """Return the tenant's contact (only one of `agent_id`'s when given) or raise NotFound."""
    query = sa.select(Contact).where(Contact.id == contact_id, Contact.tenant_id == tenant_id)
    if agent_id is not None:
        query = query.where(Contact.agent_id == agent_id)
    contact = await session.scalar(query)
    if contact is None:
        raise NotFound("contact not found", {"id": str(contact_id)})
    return contact


@dataclass(frozen=True, slots=True)
class ContactFilter:
    """Which contacts to list: arrived in [arrived_from, arrived_to), and the rest exact."""

    arrived_from: dt.datetime | None = None
    arrived_to: dt.datetime | None = None
    queue_id: uuid.UUID | None = None
    queue_name: str | None = None
    agent_id: uuid.UUID | None = None
    outcome: ContactOutcome | None = None
    number: str | None = None  # the dialled or the caller's number


def _conditions(where: ContactFilter) -> list[sa.ColumnElement[bool]]:
    conditions: list[sa.ColumnElement[bool]] = []
    if where.arrived_from is not None:
        conditions.append(Contact.arrived_at >= where.arrived_from)
    if where.arrived_to is not None:
        conditions.append(Contact.arrived_at < where.arrived_to)
    if where.queue_id is not None:
        conditions.append(Contact.queue_id == where.queue_id)
    if where.queue_name is not None:
        conditions.append(Contact.queue_name == where.queue_name)
    if where.agent_id is not None:
        conditions.append(Contact.agent_id == where.agent_id)
    if where.outcome is not None:
        conditions.append(Contact.outcome == where.outcome)
    if where.number is not None:
        conditions.append(
            sa.or_(Contact.dialled_number == where.number, Contact.caller_number == where.number)
        )
    return conditions


async def list_contacts(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    where: ContactFilter,
    *,
    limit: int = 100,
    offset: int = 0,
) -> list[Contact]:
    """Return a page of the tenant's contacts matching `where`, newest first."""
    query = (
        sa.select(Contact)
        .where(Contact.tenant_id == tenant_id, *_conditions(where))
        .order_by(Contact.arrived_at.desc(), Contact.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list((await session.scalars(query)).all())


async def set_disposition(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    contact_id: uuid.UUID,
    code: str | None,
    *,
    agent_id: uuid.UUID | None = None,
) -> Contact:
    """Set (or clear, with None) the contact's disposition code; the caller commits.

    With `agent_id`, only that agent's contacts are found (an agent dispositions its own).
    The code must be one of the tenant's dispositions (InvalidReference otherwise).
    """
    contact = await get_contact(session, tenant_id, contact_id, agent_id=agent_id)
    if code is not None:
        known = await session.scalar(
            sa.select(Disposition.id).where(
                Disposition.tenant_id == tenant_id, Disposition.code == code
            )
        )
        if known is None:
            raise InvalidReference(
                f"{code!r} is not a disposition of this tenant",
                {"field": "code", "code": code},
            )
    contact.disposition = code
    await session.flush()
    return contact
