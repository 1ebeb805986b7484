"""The node's live event bus: contact and agent changes for the wallboard and the API.

In-process publish/subscribe over asyncio queues; a slow subscriber loses its oldest events
rather than slowing the calls down.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

__all__ = ["EventBus", "LiveEvent", "default_bus"]


@dataclass(frozen=True)
class LiveEvent:
    """One change: a topic ("agent", "contact", "queue"), the tenant, and what changed."""

    topic: str
    tenant_id: str
    kind: str
    data: dict[str, Any] = field(default_factory=dict)


class EventBus:
    """Fan-out of `LiveEvent`s to every subscriber."""

    def __init__(self, backlog: int = 1000) -> None:
        self.backlog = backlog
        self._queues: set[asyncio.Queue[LiveEvent]] = set()

    def publish(self, event: LiveEvent) -> None:
        """Hand `event` to every subscriber now."""
        for queue in self._queues:
            if queue.full():
                queue.get_nowait()  # drop the oldest: a stalled wallboard must not stall calls
            queue.put_nowait(event)

    async def subscribe(self, tenant_id: str | None = None) -> AsyncIterator[LiveEvent]:
        """Yield events (one tenant's, or all) until the consumer stops iterating."""
        queue: asyncio.Queue[LiveEvent] = asyncio.Queue(self.backlog)
        self._queues.add(queue)
        try:
            while True:
                event = await queue.get()
                if tenant_id is None or event.tenant_id == tenant_id:
                    yield event
        finally:
            self._queues.discard(queue)


# Holds no loop or queue until someone subscribes, so making it at import costs nothing.
_DEFAULT_BUS = EventBus()


def default_bus() -> EventBus:
    """Return the process's one shared bus (the live center publishes, the API listens)."""
    return _DEFAULT_BUS
