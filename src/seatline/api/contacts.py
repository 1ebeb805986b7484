"""Contact records: search, one record with its legs and offers, the disposition, and the
recording and voicemail as WAV downloads.

Supervisors and admins see every contact of their tenant; an agent sees only the contacts it
took, and any other id answers 404 exactly like an id that does not exist. The same rule holds
for the downloads, and every download is audited. Records show recording paths relative to the
data directory, never the server's absolute paths (see `api.recordings`).
"""

import contextlib
import datetime as dt
import re
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse

from seatline.api.auditor import AuditDep
from seatline.api.crud import PageDep
from seatline.api.deps import ALL_ROLES, Principal, SessionDep, commit, require, settings_of
from seatline.api.errors import ApiError
from seatline.api.recordings import servable_recording, shown_path
from seatline.api.schemas import Code, Input, Output
from seatline.store.contacts import ContactFilter, get_contact, list_contacts, set_disposition
from seatline.store.enums import (
    Channel,
    ContactDirection,
    ContactOutcome,
    LegRole,
    OfferOutcome,
    Role,
)
from seatline.store.models import Contact, Tenant

__all__ = ["ContactDetail", "ContactRead", "DispositionBody", "router"]

router = APIRouter(prefix="/api/contacts", tags=["contacts"])
Anyone = Annotated[Principal, Depends(require(ALL_ROLES))]


class ContactRead(Output):
    """A contact record as listed."""

    id: uuid.UUID
    channel: Channel
    direction: ContactDirection
    dialled_number: str
    caller_number: str
    caller_name: str
    arrived_at: dt.datetime
    flow_ended_at: dt.datetime | None
    enqueued_at: dt.datetime | None
    answered_at: dt.datetime | None
    ended_at: dt.datetime | None
    outcome: ContactOutcome
    queue_id: uuid.UUID | None
    queue_name: str | None
    agent_id: uuid.UUID | None
    disposition: str | None
    flow_id: uuid.UUID | None
    flow_name: str | None
    flow_version: int | None
    flow_path: list[str]
    inputs: dict[str, list[str]]
    wait_seconds: float | None
    talk_seconds: float | None
    recording_path: str | None  # relative to the data directory
    voicemail_path: str | None
    end_reason: str
    recording_url: str | None = None  # GET it for the WAV
    voicemail_url: str | None = None


class LegRead(Output):
    """One leg of a call."""

    sip_call_id: str
    peer: str
    role: LegRole
    started_at: dt.datetime
    answered_at: dt.datetime | None
    ended_at: dt.datetime | None
    end_reason: str


class OfferRead(Output):
    """One offer of the contact to an agent."""

    agent_id: uuid.UUID
    offered_at: dt.datetime
    outcome: OfferOutcome
    ended_at: dt.datetime | None


class ContactDetail(ContactRead):
    """A contact record with its legs and offers."""

    legs: list[LegRead]
    offers: list[OfferRead]


class DispositionBody(Input):
    """The disposition code to set; null clears it."""

    code: Code | None


def _shown(request: Request, contact: Contact, shape: type[ContactRead]) -> ContactRead:
    """The record as the API shows it: relative paths and download links, never server paths."""
    data_dir = settings_of(request).data_dir
    base = f"/api/contacts/{contact.id}"
    return shape.model_validate(contact).model_copy(
        update={
            "recording_path": shown_path(contact.recording_path, data_dir),
            "voicemail_path": shown_path(contact.voicemail_path, data_dir),
            "recording_url": f"{base}/recording" if contact.recording_path else None,
            "voicemail_url": f"{base}/voicemail" if contact.voicemail_path else None,
        }
    )


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    # A time without an offset in the query is read as UTC, like every stored time.
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.UTC)


def _agent_scope(who: Principal) -> uuid.UUID | None:
    """The agent an agent-role caller is limited to (a random id when it has no agent)."""
    if who.role is not Role.AGENT:
        return None
    return who.agent_id or uuid.uuid4()  # an agent user without an agent owns no contact


def _filter(
    who: Principal,
    arrived_from: dt.datetime | None,
    arrived_to: dt.datetime | None,
    queue: str | None,
    agent: uuid.UUID | None,
    outcome: ContactOutcome | None,
    number: str | None,
) -> ContactFilter | None:
    """Build the store filter, or None when nothing can match (an agent asking for another)."""
    arrived_from, arrived_to = _utc(arrived_from), _utc(arrived_to)
    if arrived_from and arrived_to and arrived_from > arrived_to:
        raise ApiError(422, "invalid-input", "from must not be after to")
    own = _agent_scope(who)
    if own is not None and agent is not None and agent != own:
        return None
    # A queue is named by its id or by the name it had then: the record keeps both.
    queue_id, queue_name = None, queue
    if queue is not None:
        with contextlib.suppress(ValueError):
            queue_id, queue_name = uuid.UUID(queue), None
    return ContactFilter(
        arrived_from=arrived_from,
        arrived_to=arrived_to,
        queue_id=queue_id,
        queue_name=queue_name,
        agent_id=own or agent,
        outcome=outcome,
        number=re.sub(r"[\s\-()]", "", number) if number is not None else None,
    )


@router.get("", response_model=list[ContactRead], summary="Search contact records")
async def search_contacts(
    request: Request,
    session: SessionDep,
    who: Anyone,
    paging: PageDep,
    arrived_from: Annotated[
        dt.datetime | None, Query(alias="from", description="arrived at or after (UTC)")
    ] = None,
    arrived_to: Annotated[
        dt.datetime | None, Query(alias="to", description="arrived before (UTC)")
    ] = None,
    queue: Annotated[str | None, Query(max_length=64, description="queue id or name")] = None,
    agent: Annotated[uuid.UUID | None, Query(description="agent id")] = None,
    outcome: ContactOutcome | None = None,
    number: Annotated[
        str | None, Query(max_length=64, description="the dialled or the caller's number")
    ] = None,
) -> Any:
    """List contact records, newest first (an agent sees only its own)."""
    where = _filter(who, arrived_from, arrived_to, queue, agent, outcome, number)
    if where is None:
        return []
    found = await list_contacts(
        session, who.tenant_id, where, limit=paging.limit, offset=paging.offset
    )
    return [_shown(request, contact, ContactRead) for contact in found]


@router.get("/{item_id}", response_model=ContactDetail, summary="Get one contact record")
async def get_one_contact(
    item_id: uuid.UUID, request: Request, session: SessionDep, who: Anyone
) -> Any:
    """Return a contact record with its legs and offers."""
    contact = await get_contact(session, who.tenant_id, item_id, agent_id=_agent_scope(who))
    return _shown(request, contact, ContactDetail)


async def _download(
    item_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    who: Principal,
    audit: AuditDep,
    what: str,
) -> FileResponse:
    contact = await get_contact(session, who.tenant_id, item_id, agent_id=_agent_scope(who))
    tenant = await session.get(Tenant, who.tenant_id)
    assert tenant is not None  # the principal's tenant exists, authenticate checked it
    stored = contact.recording_path if what == "recording" else contact.voicemail_path
    path = servable_recording(stored, settings_of(request).data_dir, tenant.slug, what)
    await audit(f"contacts.{what}-download", contact.id)
    await commit(session)  # audited before a byte leaves
    suffix = "" if what == "recording" else "-voicemail"
    return FileResponse(path, media_type="audio/wav", filename=f"{contact.id}{suffix}.wav")


WAV: dict[int | str, dict[str, Any]] = {
    200: {"content": {"audio/wav": {}}, "description": "the WAV file"}
}


@router.get(
    "/{item_id}/recording",
    response_class=FileResponse,
    responses=WAV,
    summary="Download a contact's recording",
)
async def get_recording(
    item_id: uuid.UUID, request: Request, session: SessionDep, who: Anyone, audit: AuditDep
) -> FileResponse:
    """Stream the call's recording (stereo WAV: the customer, what the customer heard)."""
    return await _download(item_id, request, session, who, audit, "recording")


@router.get(
    "/{item_id}/voicemail",
    response_class=FileResponse,
    responses=WAV,
    summary="Download a contact's voicemail",
)
async def get_voicemail(
    item_id: uuid.UUID, request: Request, session: SessionDep, who: Anyone, audit: AuditDep
) -> FileResponse:
    """Stream the voicemail the caller left (WAV)."""
    return await _download(item_id, request, session, who, audit, "voicemail")


@router.put(
    "/{item_id}/disposition", response_model=ContactDetail, summary="Set a contact's disposition"
)
async def put_disposition(
    item_id: uuid.UUID, body: DispositionBody, request: Request, session: SessionDep, who: Anyone
) -> Any:
    """Set the disposition code (one of the tenant's dispositions) or clear it with null."""
    contact = await set_disposition(
        session, who.tenant_id, item_id, body.code, agent_id=_agent_scope(who)
    )
    await commit(session)
    return _shown(request, contact, ContactDetail)
