"""Test harness: a routing engine driven by hand with an explicit clock."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from seatline.routing import (
    AgentConfig,
    CancelOffer,
    Channel,
    ContactRequest,
    Decision,
    DialCallback,
    Offer,
    QueueConfig,
    RoutingEngine,
    RoutingEvent,
)


class Center:
    """A routing engine plus a clock, with one-line helpers for the common moves."""

    def __init__(self, seed: int = 0) -> None:
        self.engine = RoutingEngine(rng=random.Random(seed))
        self.now = 0.0
        self.decisions: list[Decision] = []
        self.events: list[RoutingEvent] = []

    def queue(self, name: str, **kwargs: Any) -> None:
        self.engine.add_queue(QueueConfig(name=name, **kwargs), self.now)

    def agent(
        self,
        agent_id: str,
        skills: dict[str, int] | None = None,
        capacity: dict[Channel, int] | None = None,
        ready: bool = True,
        weight: float = 1.0,
    ) -> None:
        config = AgentConfig(
            agent_id=agent_id,
            skills=skills or {},
            capacity=capacity or {Channel.VOICE: 1},
            weight=weight,
        )
        self.engine.add_agent(config, self.now)
        self.engine.agent_login(agent_id, self.now)
        if ready:
            self.engine.set_ready(agent_id, self.now)
        self.drain()

    def arrive(self, contact_id: str, queue: str, **kwargs: Any) -> list[Decision]:
        self.engine.contact_arrived(ContactRequest(contact_id, queue, **kwargs), self.now)
        return self.drain()

    def at(self, now: float) -> list[Decision]:
        """Move the clock to `now`, firing due timers."""
        self.now = now
        self.engine.advance(now)
        return self.drain()

    def call(self, method: Callable[..., None], *args: Any) -> list[Decision]:
        method(*args, self.now)
        return self.drain()

    def drain(self) -> list[Decision]:
        decisions = self.engine.take_decisions()
        self.decisions.extend(decisions)
        self.events.extend(self.engine.take_events())
        return decisions

    def handle(self, contact_id: str, agent_id: str) -> None:
        """Answer an offer now and finish it at once."""
        self.call(self.engine.offer_answered, contact_id, agent_id)
        self.call(self.engine.contact_finished, contact_id)

    def state(self, agent_id: str) -> Any:
        snap = self.engine.snapshot(self.now)
        return next(a for a in snap.agents if a.agent_id == agent_id)


def offers(decisions: list[Decision]) -> list[tuple[str, str]]:
    """(contact, agent) of each Offer or DialCallback, in order."""
    return [(d.contact_id, d.agent_id) for d in decisions if isinstance(d, (Offer, DialCallback))]


def cancels(decisions: list[Decision]) -> list[tuple[str, str]]:
    """(contact, agent) of each CancelOffer, in order."""
    return [(d.contact_id, d.agent_id) for d in decisions if isinstance(d, CancelOffer)]
