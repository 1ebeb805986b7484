"""Shared pieces of the campaign API tests: error bodies, campaigns, attempts."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from seatline.store.campaigns import insert_attempt
from seatline.store.db import Database
from seatline.store.enums import Role

World = Any  # the conftest's World (conftest modules are not importable)
Listen = Callable[[str], Awaitable[Any]]  # the conftest's listen fixture
SeedCall = Callable[..., Awaitable[dict[str, uuid.UUID]]]  # the conftest's seed_call fixture
CSV = {"Content-Type": "text/csv"}
STAFF_ROLES = (Role.SUPERVISOR, Role.TENANT_ADMIN, Role.PLATFORM_ADMIN)


def assert_error(answer: httpx.Response, status: int, error_id: str) -> str:
    """Check the shared error body and return its message."""
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert body["status"] == status and body["error_id"] == error_id and body["message"]
    return str(body["message"])


async def make_campaign(client: httpx.AsyncClient, world: World, **settings: Any) -> dict[str, Any]:
    """Create a campaign through the API and return it."""
    body = {"name": "spring", **settings}
    answer = await client.post("/api/campaigns", json=body, headers=world.headers(Role.SUPERVISOR))
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


async def add_attempt(
    database: Database,
    world: World,
    seeded: dict[str, uuid.UUID],
    started_at: dt.datetime,
    **values: Any,
) -> None:
    """Record a second attempt (`campaign:2`) of the seeded campaign's lead."""
    async with database.transaction() as session:
        await insert_attempt(
            session,
            {
                "tenant_id": world.tenant.id,
                "campaign_id": seeded["campaign"],
                "campaign_name": "seeded",
                "lead_id": seeded["lead"],
                "number": "+49301234567",
                "call_id": "campaign:2",
                "started_at": started_at,
                **values,
            },
        )
