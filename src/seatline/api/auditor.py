"""The `Auditor` handlers use to write to the audit log (`store.audit`).

Handlers take an `AuditDep` and call it after their change; the event joins the request's
transaction, so it commits with the change or not at all. The principal is the one the route
authenticated (FastAPI resolves `current_principal` once per request).
"""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from seatline.api.deps import Principal, SessionDep, client_address, current_principal
from seatline.store.audit import record_audit

__all__ = ["AuditDep", "Auditor", "auditor"]


@dataclass(frozen=True)
class Auditor:
    """Records events of the request's principal, from the request's address."""

    session: AsyncSession
    who: Principal
    source: str

    async def __call__(
        self,
        action: str,
        subject: object = "",
        detail: Mapping[str, Any] | None = None,
        *,
        tenant_id: uuid.UUID | None = None,
    ) -> None:
        """Add an event to the request's transaction, in the caller's tenant unless told."""
        await record_audit(
            self.session,
            tenant_id or self.who.tenant_id,
            self.who.username,
            action,
            str(subject),
            self.source,
            detail,
        )


async def auditor(
    request: Request,
    session: SessionDep,
    who: Annotated[Principal, Depends(current_principal)],
) -> Auditor:
    """Return the request's auditor (the principal is the one the route authenticated)."""
    return Auditor(session, who, client_address(request))


AuditDep = Annotated[Auditor, Depends(auditor)]
