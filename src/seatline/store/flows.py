"""Flow versions: every definition a flow has had is kept in flow_versions.

The history is written by a flush hook rather than by one service function, so it holds for
every writer (the API, the demo seed, a script): a new flow records version 1, and a changed
definition bumps `Flow.version` and records the new one. Two concurrent edits of one flow
both aim at the same next number; the unique (flow_id, version) makes the second a Conflict
instead of a silently lost version.
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from seatline.store.models import Flow, FlowVersion
from seatline.store.repo import get_owned

__all__ = ["act_as", "list_flow_versions"]

_ACTOR = "seatline.actor"


def act_as(session: AsyncSession, username: str | None) -> None:
    """Name who makes this session's changes; flow versions record it as created_by."""
    session.info[_ACTOR] = username


def _definition_changed(flow: Flow) -> bool:
    history = sa.inspect(flow).attrs.definition.history
    if not history.added:
        return False
    # Setting an equal definition is not a new version (a client saving without changes).
    return not history.deleted or history.deleted[0] != history.added[0]


@sa.event.listens_for(Session, "before_flush")
def _record_flow_versions(session: Session, _context: Any, _instances: Any) -> None:
    """Append a FlowVersion for every new flow and every changed definition."""
    actor = session.info.get(_ACTOR)
    for flow in list(session.new):
        if isinstance(flow, Flow):
            if flow.id is None:
                flow.id = uuid.uuid4()  # the version row needs it before the insert
            flow.version = flow.version or 1
            if flow.definition is None:
                flow.definition = {}
            session.add(_version_of(flow, actor))
    for flow in list(session.dirty):
        if isinstance(flow, Flow) and _definition_changed(flow):
            flow.version = (flow.version or 0) + 1
            session.add(_version_of(flow, actor))


def _version_of(flow: Flow, actor: str | None) -> FlowVersion:
    return FlowVersion(
        flow_id=flow.id, version=flow.version, definition=flow.definition, created_by=actor
    )


async def list_flow_versions(
    session: AsyncSession, tenant_id: uuid.UUID, flow_id: uuid.UUID
) -> list[FlowVersion]:
    """Return every version of the tenant's flow, newest first (NotFound for another's flow)."""
    await get_owned(session, Flow, tenant_id, flow_id)
    query = (
        sa.select(FlowVersion)
        .where(FlowVersion.flow_id == flow_id)
        .order_by(FlowVersion.version.desc())
    )
    return list((await session.scalars(query)).all())
