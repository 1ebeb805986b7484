"""What a live campaign writes: a record per call attempt, in order, and its leads' states.

Writes go through one queue per campaign and run one at a time, so an attempt's row is
inserted before it is updated and the calls never wait for the database.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import uuid
from collections.abc import Callable, Coroutine, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from seatline.dialer import LeadRecord
from seatline.store import campaigns as store

if TYPE_CHECKING:
    from seatline.store.db import Database

__all__ = ["AttemptLog", "at", "lead_key", "lead_values"]

log = logging.getLogger(__name__)


def at(seconds: float | None) -> dt.datetime | None:
    """POSIX seconds as an aware UTC time (None stays None)."""
    return None if seconds is None else dt.datetime.fromtimestamp(seconds, dt.UTC)


class AttemptLog:
    """The store writes of one running campaign."""

    def __init__(
        self, database: Database, tenant_id: uuid.UUID, campaign_id: uuid.UUID, name: str
    ) -> None:
        self.database = database
        self.tenant_id = tenant_id
        self.campaign_id = campaign_id
        self.name = name
        self._queue: asyncio.Queue[Callable[[], Coroutine[Any, Any, None]] | None]
        self._queue = asyncio.Queue()
        self._writer = asyncio.get_running_loop().create_task(self._write_forever())
        self._persisted: dict[str, tuple[object, ...]] = {}

    def insert(
        self, attempt_id: uuid.UUID, call_id: str, lead_id: str, number: str, started: float
    ) -> None:
        """Queue the row of a new attempt."""
        values = {
            "id": attempt_id,
            "tenant_id": self.tenant_id,
            "campaign_id": self.campaign_id,
            "campaign_name": self.name,
            "lead_id": uuid.UUID(lead_id),
            "number": number,
            "call_id": call_id,
            "started_at": at(started),
        }
        self._queue.put_nowait(lambda: self._insert(values))

    def update(self, attempt_id: uuid.UUID, values: Mapping[str, Any]) -> None:
        """Queue a change of an attempt's row."""
        self._queue.put_nowait(lambda: self._update(attempt_id, values))

    async def close(self) -> None:
        """Finish the queued writes."""
        self._queue.put_nowait(None)
        await self._writer

    async def _write_forever(self) -> None:
        while True:
            job = await self._queue.get()
            if job is None:
                return
            try:
                await job()
            except Exception:
                log.exception("campaign %s: a store write failed", self.name)

    async def _insert(self, values: Mapping[str, Any]) -> None:
        async with self.database.transaction() as session:
            await store.insert_attempt(session, values)

    async def _update(self, attempt_id: uuid.UUID, values: Mapping[str, Any]) -> None:
        async with self.database.transaction() as session:
            await store.update_attempt(session, attempt_id, values)

    async def sync_leads(self, records: Iterable[LeadRecord]) -> None:
        """Write every lead whose state changed since the last sync (one transaction)."""
        changed: list[tuple[str, dict[str, Any]]] = []
        for record in records:
            key = lead_key(record)
            lead_id = record.lead.lead_id
            if self._persisted.get(lead_id) != key:
                changed.append((lead_id, lead_values(record)))
                self._persisted[lead_id] = key
        if not changed:
            return
        async with self.database.transaction() as session:
            for lead_id, values in changed:
                await store.update_lead(session, uuid.UUID(lead_id), values)

    def mark_persisted(self, record: LeadRecord) -> None:
        """A lead as loaded from the store needs no write until it changes."""
        self._persisted[record.lead.lead_id] = lead_key(record)


def lead_key(record: LeadRecord) -> tuple[object, ...]:
    """What of a lead is stored, to notice a change."""
    return (
        record.state,
        record.attempts,
        tuple(sorted(record.outcomes.items())),
        record.due,
        record.callback_at,
        record.last_dial,
        record.disposition,
    )


def lead_values(record: LeadRecord) -> dict[str, Any]:
    """The stored columns of a lead."""
    return {
        "state": record.state.value,
        "attempts": record.attempts,
        "outcomes": {k.value: v for k, v in record.outcomes.items()},
        "due_at": at(record.due),
        "callback_at": at(record.callback_at),
        "last_dial_at": at(record.last_dial),
        "disposition": record.disposition,
    }
