"""Outbound campaigns: settings, agents, leads, attempts, summary, do-not-call lists, agent call.

Supervisors and admins manage their tenant's campaigns; an agent sees its own current campaign
call and sets its disposition (any other attempt answers 404, exactly like one that does not
exist). Dispositions and preview choices are published on the live bus once committed, for the
dialer runner to act on.
"""

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from seatline.api.campaign_schemas import (
    AgentIdsBody,
    AttemptRead,
    CampaignCreate,
    CampaignRead,
    CampaignSummaryRead,
    CurrentCallRead,
    DispositionBody,
    DncBody,
    DncRead,
    LeadImportRead,
    LeadRead,
    PreviewRead,
    domain_config,
)
from seatline.api.crud import PageDep
from seatline.api.csv_body import read_csv_body
from seatline.api.deps import (
    ALL_ROLES,
    STAFF,
    Principal,
    SessionDep,
    bus_of,
    commit,
    require,
    settings_of,
)
from seatline.api.errors import ApiError
from seatline.api.recordings import shown_path
from seatline.api.schemas import patch_of
from seatline.dialer import DialMode, LeadState
from seatline.guard.outbound import caller_id_refusal
from seatline.live.bus import EventBus, LiveEvent
from seatline.store.campaign_report import campaign_summary
from seatline.store.campaigns import (
    add_dnc,
    campaign_agent_ids,
    create_campaign,
    current_attempt,
    delete_campaign,
    get_campaign,
    import_leads,
    list_attempts,
    list_campaigns,
    list_dnc,
    list_leads,
    remove_dnc,
    set_campaign_agents,
    set_disposition,
    update_campaign,
)
from seatline.store.enums import Role
from seatline.store.errors import Conflict, InvalidInput, NotFound
from seatline.store.models import CallAttempt, Campaign, DoNotCallEntry, Lead, Number

__all__ = [
    "CAMPAIGN_TOPIC",
    "MAX_IMPORT_ROWS",
    "calls_router",
    "dnc_router",
    "platform_dnc_router",
    "router",
]

CAMPAIGN_TOPIC = "campaign"
MAX_IMPORT_ROWS = 100_000

router = APIRouter(prefix="/api/campaigns", tags=["campaigns"])
calls_router = APIRouter(prefix="/api/campaign-calls", tags=["campaigns"])
dnc_router = APIRouter(prefix="/api/dnc", tags=["do-not-call"])
platform_dnc_router = APIRouter(prefix="/api/platform/dnc", tags=["do-not-call"])

CampaignPatch = patch_of(CampaignCreate)
Manager = Annotated[Principal, Depends(require(STAFF))]
Anyone = Annotated[Principal, Depends(require(ALL_ROLES))]
Operator = Annotated[Principal, Depends(require(frozenset({Role.PLATFORM_ADMIN})))]
Bus = Annotated[EventBus, Depends(bus_of)]
DncNumber = Annotated[str, Path(min_length=1, max_length=64)]
# The abandonment window of a summary; 30 days is the FCC's, 90 covers a quarter's review.
WindowDays = Annotated[int, Query(ge=1, le=90)]

# The campaign columns a body may set (active is set by start / stop only).
_SETTINGS = tuple(CampaignCreate.model_fields)


def _settings_of(campaign: Campaign) -> dict[str, Any]:
    """The stored settings of a campaign, as a create body would give them."""
    return {name: getattr(campaign, name) for name in _SETTINGS}


def _checked(values: Mapping[str, Any]) -> dict[str, Any]:
    """Validate complete settings like a create body, then by the dialer; return them dumped."""
    try:
        body = CampaignCreate.model_validate(dict(values))
    except ValidationError as exc:
        errors = [{**error, "loc": ("body", *error.get("loc", ()))} for error in exc.errors()]
        raise RequestValidationError(errors) from None
    dumped = body.model_dump(mode="json")
    domain_config(dumped)
    return dumped


async def _check_caller_id(session: AsyncSession, tenant_id: uuid.UUID, caller_id: str) -> None:
    """A campaign presents one of its tenant's own numbers, never another's (or a made-up one)."""
    if not caller_id:
        return
    numbers = await session.scalars(sa.select(Number.number).where(Number.tenant_id == tenant_id))
    refused = caller_id_refusal(caller_id, list(numbers))
    if refused is not None:
        raise InvalidInput(f"caller_id: {refused}", {"field": "caller_id"})


@router.get("", response_model=list[CampaignRead], summary="List campaigns")
async def get_campaigns(session: SessionDep, who: Manager, paging: PageDep) -> Any:
    """List the tenant's campaigns."""
    return await list_campaigns(session, who.tenant_id, limit=paging.limit, offset=paging.offset)


@router.post("", response_model=CampaignRead, status_code=201, summary="Create a campaign")
async def post_campaign(body: CampaignCreate, session: SessionDep, who: Manager) -> Any:
    """Create a campaign (stopped); 422 names any setting the dialer would refuse."""
    values = body.model_dump(mode="json")
    domain_config(values)
    await _check_caller_id(session, who.tenant_id, values["caller_id"])
    campaign = await create_campaign(session, who.tenant_id, values)
    await commit(session)
    return campaign


@router.get("/{item_id}", response_model=CampaignRead, summary="Get one campaign")
async def get_one_campaign(item_id: uuid.UUID, session: SessionDep, who: Manager) -> Any:
    """Return one campaign's settings."""
    return await get_campaign(session, who.tenant_id, item_id)


@router.patch("/{item_id}", response_model=CampaignRead, summary="Change one campaign")
async def patch_campaign(
    item_id: uuid.UUID,
    body: CampaignPatch,  # type: ignore[valid-type]
    session: SessionDep,
    who: Manager,
) -> Any:
    """Change settings; the whole campaign is re-checked, and a running one picks them up live."""
    campaign = await get_campaign(session, who.tenant_id, item_id)
    changes = body.model_dump(exclude_unset=True)  # type: ignore[attr-defined]
    checked = _checked({**_settings_of(campaign), **changes})
    values = {name: checked[name] for name in changes}
    if "caller_id" in values:
        await _check_caller_id(session, who.tenant_id, values["caller_id"])
    campaign = await update_campaign(session, who.tenant_id, item_id, values)
    await commit(session)
    return campaign


@router.delete("/{item_id}", status_code=204, summary="Delete one campaign")
async def delete_one_campaign(item_id: uuid.UUID, session: SessionDep, who: Manager) -> Response:
    """Delete a stopped campaign with its leads (409 while it runs)."""
    campaign = await get_campaign(session, who.tenant_id, item_id)
    if campaign.active:
        raise Conflict("stop the campaign before deleting it", {"id": str(item_id)})
    await delete_campaign(session, who.tenant_id, item_id)
    await commit(session)
    return Response(status_code=204)


async def _set_active(
    session: AsyncSession, who: Principal, item_id: uuid.UUID, active: bool
) -> Campaign:
    campaign = await get_campaign(session, who.tenant_id, item_id)
    if active:
        domain_config(_settings_of(campaign))  # never start what the dialer would refuse
    campaign = await update_campaign(session, who.tenant_id, item_id, {"active": active})
    await commit(session)
    return campaign


@router.post("/{item_id}/start", response_model=CampaignRead, summary="Start a campaign")
async def post_start(item_id: uuid.UUID, session: SessionDep, who: Manager) -> Any:
    """Let the dialer run the campaign."""
    return await _set_active(session, who, item_id, True)


@router.post("/{item_id}/stop", response_model=CampaignRead, summary="Stop a campaign")
async def post_stop(item_id: uuid.UUID, session: SessionDep, who: Manager) -> Any:
    """Stop dialing new calls for the campaign (calls in progress finish)."""
    return await _set_active(session, who, item_id, False)


@router.get("/{item_id}/agents", response_model=AgentIdsBody, summary="Get a campaign's agents")
async def get_agents(item_id: uuid.UUID, session: SessionDep, who: Manager) -> Any:
    """Return the ids of the agents taking the campaign's calls."""
    campaign = await get_campaign(session, who.tenant_id, item_id)
    return {"agent_ids": await campaign_agent_ids(session, campaign.id)}


@router.put("/{item_id}/agents", response_model=AgentIdsBody, summary="Set a campaign's agents")
async def put_agents(
    item_id: uuid.UUID, body: AgentIdsBody, session: SessionDep, who: Manager
) -> Any:
    """Replace the campaign's agents (422 naming an agent the tenant does not have)."""
    agent_ids = list(dict.fromkeys(body.agent_ids))
    await set_campaign_agents(session, who.tenant_id, item_id, agent_ids)
    await commit(session)
    return {"agent_ids": await campaign_agent_ids(session, item_id)}


@router.post(
    "/{item_id}/leads",
    response_model=LeadImportRead,
    summary="Import leads from CSV",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    },
)
async def post_leads(
    item_id: uuid.UUID, request: Request, session: SessionDep, who: Manager
) -> Any:
    """Add the CSV's leads (columns: number, id, timezone, custom), list bad records by line."""
    await get_campaign(session, who.tenant_id, item_id)
    limit = settings_of(request).csv_body_max_bytes
    data = await read_csv_body(request, max_bytes=limit, what="leads")
    result = await import_leads(session, who.tenant_id, item_id, data, max_rows=MAX_IMPORT_ROWS)
    await commit(session)
    return result


@router.get("/{item_id}/leads", response_model=list[LeadRead], summary="List a campaign's leads")
async def get_leads(
    item_id: uuid.UUID,
    session: SessionDep,
    who: Manager,
    paging: PageDep,
    state: LeadState | None = None,
) -> Any:
    """List the campaign's leads in import order, optionally in one state."""
    return await list_leads(
        session,
        who.tenant_id,
        item_id,
        state=state.value if state else None,
        limit=paging.limit,
        offset=paging.offset,
    )


@router.get(
    "/{item_id}/attempts", response_model=list[AttemptRead], summary="List a campaign's attempts"
)
async def get_attempts(
    item_id: uuid.UUID, request: Request, session: SessionDep, who: Manager, paging: PageDep
) -> Any:
    """List the campaign's dial attempts, newest first."""
    await get_campaign(session, who.tenant_id, item_id)
    attempts = await list_attempts(
        session, who.tenant_id, item_id, limit=paging.limit, offset=paging.offset
    )
    return [_shown_attempt(request, attempt) for attempt in attempts]


def _shown_attempt(request: Request, attempt: CallAttempt) -> AttemptRead:
    """An attempt as the API shows it: the recording relative to the data directory."""
    path = shown_path(attempt.recording_path, settings_of(request).data_dir)
    return AttemptRead.model_validate(attempt).model_copy(update={"recording_path": path})


@router.get(
    "/{item_id}/summary", response_model=CampaignSummaryRead, summary="Summarise a campaign"
)
async def get_summary(
    item_id: uuid.UUID, session: SessionDep, who: Manager, days: WindowDays = 30
) -> Any:
    """Return the campaign's figures, the abandonment rate over the last `days` days."""
    now = dt.datetime.now(dt.UTC)
    return await campaign_summary(session, who.tenant_id, item_id, now, dt.timedelta(days=days))


def _agent_of(who: Principal) -> uuid.UUID:
    if who.agent_id is None:
        raise ApiError(403, "forbidden", "only a user with an agent takes campaign calls")
    return who.agent_id


async def _preview(
    session: AsyncSession,
    bus: EventBus,
    who: Principal,
    item_id: uuid.UUID,
    lead_id: uuid.UUID,
    kind: str,
) -> dict[str, Any]:
    """Check the campaign, the lead and the agent, then announce the agent's preview choice."""
    campaign = await get_campaign(session, who.tenant_id, item_id)
    agent_id = _agent_of(who)
    lead = await session.get(Lead, lead_id)
    if lead is None or lead.tenant_id != who.tenant_id or lead.campaign_id != campaign.id:
        raise NotFound("lead not found", {"id": str(lead_id)})
    if campaign.mode != DialMode.PREVIEW:
        raise Conflict("the campaign is not in preview mode", {"mode": str(campaign.mode)})
    if agent_id not in await campaign_agent_ids(session, campaign.id):
        raise ApiError(403, "forbidden", "the agent does not take this campaign's calls")
    data = {"campaign_id": str(campaign.id), "lead_id": str(lead.id), "agent_id": str(agent_id)}
    bus.publish(LiveEvent(CAMPAIGN_TOPIC, str(who.tenant_id), kind, data))
    return {**data, "action": "dial" if kind == "PreviewAccepted" else "skip"}


@router.post(
    "/{item_id}/preview/{lead_id}/dial",
    response_model=PreviewRead,
    status_code=202,
    summary="Dial a previewed lead",
)
async def post_preview_dial(
    item_id: uuid.UUID, lead_id: uuid.UUID, session: SessionDep, who: Anyone, bus: Bus
) -> Any:
    """Ask the dialer to call the lead the agent is previewing."""
    return await _preview(session, bus, who, item_id, lead_id, "PreviewAccepted")


@router.post(
    "/{item_id}/preview/{lead_id}/skip",
    response_model=PreviewRead,
    status_code=202,
    summary="Skip a previewed lead",
)
async def post_preview_skip(
    item_id: uuid.UUID, lead_id: uuid.UUID, session: SessionDep, who: Anyone, bus: Bus
) -> Any:
    """Pass on the previewed lead; it stays due for another attempt."""
    return await _preview(session, bus, who, item_id, lead_id, "PreviewSkipped")


@calls_router.get("/current", response_model=CurrentCallRead, summary="The agent's campaign call")
async def get_current_call(session: SessionDep, who: Anyone) -> Any:
    """Return the caller's agent's bridged campaign call, not yet dispositioned, with its lead."""
    found = await current_attempt(session, who.tenant_id, who.agent_id) if who.agent_id else None
    if found is None:
        raise NotFound("no current campaign call")
    attempt, lead = found
    campaign = await get_campaign(session, who.tenant_id, attempt.campaign_id)
    shown = {name: lead.fields[name] for name in campaign.lead_fields if name in lead.fields}
    card = {
        "id": lead.id,
        "external_id": lead.external_id,
        "number": lead.number,
        "fields": shown,
        "attempts": lead.attempts,
    }
    return {"attempt": attempt, "lead": card, "campaign": campaign}


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    # A time without an offset is read as UTC, like every stored time.
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.UTC)


@calls_router.post(
    "/{item_id}/disposition",
    response_model=AttemptRead,
    summary="Set a campaign call's disposition",
)
async def post_disposition(
    item_id: uuid.UUID,
    body: DispositionBody,
    request: Request,
    session: SessionDep,
    who: Anyone,
    bus: Bus,
) -> Any:
    """Set the disposition (once) of a connected campaign call; an agent only of its own."""
    attempt = await session.get(CallAttempt, item_id)
    mine = attempt is not None and (
        who.role is not Role.AGENT
        or (who.agent_id is not None and attempt.agent_id == who.agent_id)
    )
    if attempt is None or attempt.tenant_id != who.tenant_id or not mine:
        raise NotFound("campaign call not found", {"id": str(item_id)})
    now = dt.datetime.now(dt.UTC)
    callback_at = _utc(body.callback_at)
    if callback_at is not None and callback_at <= now:
        raise ApiError(422, "invalid-input", "callback_at must be in the future")
    attempt = await set_disposition(
        session,
        who.tenant_id,
        item_id,
        body.code,
        consent=body.consent,
        callback_at=callback_at,
        now=now,
    )
    await commit(session)
    data = {
        "attempt_id": str(attempt.id),
        "campaign_id": str(attempt.campaign_id),
        "call_id": attempt.call_id,
        "code": attempt.disposition,
        "callback_at": callback_at.isoformat() if callback_at else None,
    }
    bus.publish(LiveEvent(CAMPAIGN_TOPIC, str(who.tenant_id), "Dispositioned", data))
    return _shown_attempt(request, attempt)


async def _block(session: AsyncSession, owner: uuid.UUID | None, body: DncBody) -> DoNotCallEntry:
    """Add a number to the owner's do-not-call list (None: the platform's) and commit."""
    entry = await add_dnc(session, owner, body.number, body.reason)
    await commit(session)
    return entry


async def _unblock(session: AsyncSession, owner: uuid.UUID | None, number: str) -> Response:
    """Remove a number from the owner's do-not-call list (None: the platform's) and commit."""
    await remove_dnc(session, owner, number)
    await commit(session)
    return Response(status_code=204)


@dnc_router.get("", response_model=list[DncRead], summary="List the do-not-call list")
async def get_dnc(session: SessionDep, who: Manager, paging: PageDep) -> Any:
    """List the tenant's do-not-call numbers."""
    return await list_dnc(session, who.tenant_id, limit=paging.limit, offset=paging.offset)


@dnc_router.post("", response_model=DncRead, status_code=201, summary="Block a number")
async def post_dnc(body: DncBody, session: SessionDep, who: Manager) -> Any:
    """Add a number to the tenant's do-not-call list (adding it again changes nothing)."""
    return await _block(session, who.tenant_id, body)


@dnc_router.delete("/{number}", status_code=204, summary="Unblock a number")
async def delete_dnc(number: DncNumber, session: SessionDep, who: Manager) -> Response:
    """Remove a number from the tenant's do-not-call list."""
    return await _unblock(session, who.tenant_id, number)


@platform_dnc_router.get("", response_model=list[DncRead], summary="List the platform's DNC list")
async def get_platform_dnc(session: SessionDep, who: Operator, paging: PageDep) -> Any:
    """List the numbers no tenant may call."""
    return await list_dnc(session, None, limit=paging.limit, offset=paging.offset)


@platform_dnc_router.post(
    "", response_model=DncRead, status_code=201, summary="Block a number for every tenant"
)
async def post_platform_dnc(body: DncBody, session: SessionDep, who: Operator) -> Any:
    """Add a number to the platform's do-not-call list."""
    return await _block(session, None, body)


@platform_dnc_router.delete(
    "/{number}", status_code=204, summary="Unblock a number for every tenant"
)
async def delete_platform_dnc(number: DncNumber, session: SessionDep, who: Operator) -> Response:
    """Remove a number from the platform's do-not-call list."""
    return await _unblock(session, None, number)
