"""Flows: CRUD plus their version history; every changed definition becomes a new version.

`validate_definition` is the one place a definition is checked before it is stored.
"""

import datetime as dt
import json
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response

from seatline.api.auditor import AuditDep
from seatline.api.crud import PageDep
from seatline.api.deps import ADMINS, STAFF, Principal, SessionDep, commit, require, settings_of
from seatline.api.errors import ApiError
from seatline.api.schemas import FlowCreate, FlowRead, Output, patch_of
from seatline.store.flows import act_as, list_flow_versions
from seatline.store.models import Flow
from seatline.store.repo import create_owned, delete_owned, get_owned, list_owned, update_owned

__all__ = ["FlowVersionRead", "check_definition_size", "router", "validate_definition"]

router = APIRouter(prefix="/api/flows", tags=["flows"])
FlowPatch = patch_of(FlowCreate)
Reader = Annotated[Principal, Depends(require(STAFF))]
Admin = Annotated[Principal, Depends(require(ADMINS))]


def validate_definition(
    definition: dict[str, Any], allow_private_networks: bool = False
) -> dict[str, Any]:
    """Return the definition to store, or raise InvalidInput (a 422) naming each bad node.

    Called on every create and every definition change. Calendars and dial rules are the
    tenant's and checked when a call runs the flow (an unknown calendar counts as closed);
    webhook hosts are checked against the operator's `allow_private_networks`.
    """
    from seatline.flows import FlowValidationError, validate_flow
    from seatline.store.errors import InvalidInput

    try:
        validate_flow(definition, allow_private_networks=allow_private_networks)
    except FlowValidationError as error:
        issues = [str(issue) for issue in error.issues]
        first = issues[0] if issues else "the flow is not valid"
        more = f" (and {len(issues) - 1} more)" if len(issues) > 1 else ""
        raise InvalidInput(f"{first}{more}", {"issues": issues}) from None
    return definition


def check_definition_size(definition: dict[str, Any], max_bytes: int) -> None:
    """Refuse (413) a definition whose compact JSON is over `max_bytes`.

    Every version is kept and every node loads it on each refresh, so one huge flow would
    cost memory and time for as long as it is in the history, not only once.
    """
    size = len(json.dumps(definition, separators=(",", ":"), ensure_ascii=False).encode())
    if size > max_bytes:
        raise ApiError(
            413,
            "flow-too-large",
            f"the flow definition is {size} bytes; a flow may have at most {max_bytes} bytes",
            {"size": size, "max_bytes": max_bytes},
        )


class FlowVersionRead(Output):
    """One definition a flow has had."""

    version: int
    definition: dict[str, Any]
    created_at: dt.datetime
    created_by: str | None


@router.get("", response_model=list[FlowRead], summary="List flows")
async def list_flows(session: SessionDep, who: Reader, paging: PageDep) -> Any:
    """List the tenant's flows."""
    return await list_owned(session, Flow, who.tenant_id, limit=paging.limit, offset=paging.offset)


@router.get("/{item_id}", response_model=FlowRead, summary="Get one flow")
async def get_flow(item_id: uuid.UUID, session: SessionDep, who: Reader) -> Any:
    """Return one flow with its current version number."""
    return await get_owned(session, Flow, who.tenant_id, item_id)


@router.get(
    "/{item_id}/versions", response_model=list[FlowVersionRead], summary="List a flow's versions"
)
async def get_flow_versions(item_id: uuid.UUID, session: SessionDep, who: Reader) -> Any:
    """Return every definition the flow has had, newest first."""
    return await list_flow_versions(session, who.tenant_id, item_id)


@router.post("", response_model=FlowRead, status_code=201, summary="Create a flow")
async def post_flow(
    body: FlowCreate, request: Request, session: SessionDep, who: Admin, audit: AuditDep
) -> Any:
    """Create a flow; its definition becomes version 1."""
    values = body.model_dump()
    settings = settings_of(request)
    check_definition_size(values["definition"], settings.flow_definition_max_bytes)
    values["definition"] = validate_definition(
        values["definition"], settings.allow_private_networks
    )
    act_as(session, who.username)
    flow = await create_owned(session, Flow, who.tenant_id, values)
    await audit("flows.create", flow.id, {"name": flow.name})
    await commit(session)
    return flow


@router.patch("/{item_id}", response_model=FlowRead, summary="Change one flow")
async def patch_flow(
    item_id: uuid.UUID,
    body: FlowPatch,  # type: ignore[valid-type]
    request: Request,
    session: SessionDep,
    who: Admin,
    audit: AuditDep,
) -> Any:
    """Change a flow; a changed definition becomes the next version."""
    flow = await get_owned(session, Flow, who.tenant_id, item_id)
    values = body.model_dump(exclude_unset=True)  # type: ignore[attr-defined]
    if values.get("definition") is not None:
        settings = settings_of(request)
        check_definition_size(values["definition"], settings.flow_definition_max_bytes)
        values["definition"] = validate_definition(
            values["definition"], settings.allow_private_networks
        )
    act_as(session, who.username)
    flow = await update_owned(session, flow, values)
    await audit("flows.update", flow.id, {"fields": sorted(values)})
    await commit(session)
    return flow


@router.delete("/{item_id}", status_code=204, summary="Delete one flow")
async def delete_flow(
    item_id: uuid.UUID, session: SessionDep, who: Admin, audit: AuditDep
) -> Response:
    """Delete a flow and its history (refused while a number starts it)."""
    await delete_owned(session, Flow, who.tenant_id, item_id)
    await audit("flows.delete", item_id)
    await commit(session)
    return Response(status_code=204)
