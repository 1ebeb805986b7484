"""Turns the engine's statistics events (and the simulator's talk ends) into a report.

Only contacts that arrive inside the measured window [warmup, duration) are counted; agent time
is clipped to the same window. See report.py for the definitions of every figure.
"""

from __future__ import annotations

from collections.abc import Mapping

from seatline.routing import (
    Abandoned,
    AgentState,
    AgentStateChanged,
    Answered,
    Channel,
    RoutingEvent,
)

from .arrivals import ContactPlan
from .report import AgentsReport, QueueReport, SimulationReport
from .scenario import Scenario

__all__ = ["Collector"]

_AVAILABLE, _ON_CONTACT = AgentState.AVAILABLE, AgentState.ON_CONTACT
_WRAP_UP, _RESERVED = AgentState.WRAP_UP, AgentState.RESERVED
_OFFLINE = (AgentState.OFFLINE, 0.0)


class Collector:
    """Accumulates one run's figures as events arrive."""

    def __init__(
        self,
        scenario: Scenario,
        plan: ContactPlan,
        wrap: list[float],
        capacity: Mapping[str, Mapping[Channel, int]],
    ) -> None:
        self.scenario = scenario
        self.start, self.end = scenario.warmup, scenario.duration
        times = plan.times
        self.measured = ((times >= self.start) & (times < self.end)).tolist()
        self.queue_of = plan.queue.tolist()
        self.handle = plan.handle.tolist()
        self.wrap = wrap
        self.contacts = len(times)
        self.agents = len(capacity)
        self.capacity = capacity  # agent id → contacts it may hold per channel
        self.channel_of = [scenario.arrivals[s].channel for s in plan.stream.tolist()]
        self.agent_of: dict[int, str] = {}  # contact → the agent that answered it
        self.finishes: list[tuple[int, float]] = []  # (contact, talk end)
        n = len(scenario.queues)
        self.targets = [q.service_level_target for q in scenario.queues]
        self.offered = [int(((plan.queue == q) & (times >= self.start) & (times < self.end)).sum())
                        for q in range(n)]  # fmt: skip
        self.answered = [0] * n
        self.abandoned = [0] * n
        self.within = [0] * n
        self.wait_sum = [0.0] * n
        self.longest = [0.0] * n
        self.work_sum = [0.0] * n  # talk + wrap of measured answered contacts (for AHT)
        self.work_done = [0] * n
        self.busy = 0.0
        self.idle = 0.0
        self.agent_state: dict[str, tuple[AgentState, float]] = {}

    def on_events(self, events: list[RoutingEvent]) -> None:
        """Account for a batch of engine statistics events."""
        # Hot path (about eight events per contact, mostly agent state changes): locals,
        # identity tests and inlined window clipping instead of helper calls.
        start, end = self.start, self.end
        states = self.agent_state
        busy = idle = 0.0
        for event in events:
            if isinstance(event, AgentStateChanged):
                at, agent_id = event.at, event.agent_id
                old, since = states.get(agent_id, _OFFLINE)
                states[agent_id] = (event.new, at)
                if since < start:
                    since = start
                if at > end:
                    at = end
                if at > since:
                    if old is _AVAILABLE:
                        idle += at - since
                    elif old is _ON_CONTACT or old is _WRAP_UP or old is _RESERVED:
                        busy += at - since
            elif isinstance(event, Answered):
                self._answered(event)
            elif isinstance(event, Abandoned):
                self._abandoned(event)
        self.busy += busy
        self.idle += idle

    def _answered(self, event: Answered) -> None:
        idx = int(event.contact_id)
        self.agent_of[idx] = event.agent_id
        if self.measured[idx]:
            q = self.queue_of[idx]
            self.answered[q] += 1
            self.wait_sum[q] += event.wait
            if event.wait <= self.targets[q]:
                self.within[q] += 1
            if event.wait > self.longest[q]:
                self.longest[q] = event.wait

    def _abandoned(self, event: Abandoned) -> None:
        idx = int(event.contact_id)
        if self.measured[idx]:
            q = self.queue_of[idx]
            self.abandoned[q] += 1
            if event.wait > self.longest[q]:
                self.longest[q] = event.wait

    def finished(self, idx: int, now: float) -> None:
        """A talk ended at `now` (its agent and queue are charged when the report is made)."""
        self.finishes.append((idx, now))

    def _queue_work(self) -> list[float]:
        """Agent-seconds each queue's contacts used inside the window.

        A contact held in one of an agent's k slots for its channel (k chats at once) uses
        1/k of that agent, so the queues' figures never exceed the staffed time.
        """
        busy = [0.0] * len(self.scenario.queues)
        for idx, end in self.finishes:
            q = self.queue_of[idx]
            talk, wrap = self.handle[idx], self.wrap[idx]
            if self.measured[idx]:
                self.work_sum[q] += talk + wrap
                self.work_done[q] += 1
            slots = self.capacity[self.agent_of[idx]].get(self.channel_of[idx], 1)
            busy[q] += self._overlap(end - talk, end + wrap) / max(slots, 1)
        return busy

    def _overlap(self, a: float, b: float) -> float:
        if a < self.start:
            a = self.start
        if b > self.end:
            b = self.end
        return b - a if b > a else 0.0

    def _account(self, state: AgentState, since: float, until: float) -> None:
        # Identity tests, not a set: Enum.__hash__ is slow Python code on 3.11.
        if state is _AVAILABLE:
            self.idle += self._overlap(since, until)
        elif state is _ON_CONTACT or state is _WRAP_UP or state is _RESERVED:
            self.busy += self._overlap(since, until)

    def report(self, seed: int) -> SimulationReport:
        """The figures of the finished run."""
        for state, since in self.agent_state.values():
            self._account(state, since, self.end)
        self.agent_state.clear()
        staffed = self.busy + self.idle
        work = self._queue_work()
        queues = {}
        for q, config in enumerate(self.scenario.queues):
            offered, answered = self.offered[q], self.answered[q]
            queues[config.name] = QueueReport(
                offered=offered,
                answered=answered,
                abandoned=self.abandoned[q],
                other=max(offered - answered - self.abandoned[q], 0),
                service_level=self.within[q] / offered if offered else 0.0,
                service_level_answered=self.within[q] / answered if answered else 0.0,
                asa=self.wait_sum[q] / answered if answered else 0.0,
                aht=self.work_sum[q] / self.work_done[q] if self.work_done[q] else 0.0,
                occupancy=work[q] / staffed if staffed else 0.0,
                longest_wait=self.longest[q],
                target=self.targets[q],
            )
        return SimulationReport(
            seed=seed,
            duration=self.end,
            warmup=self.start,
            contacts=self.contacts,
            queues=queues,
            agents=AgentsReport(
                agents=self.agents,
                occupancy=self.busy / staffed if staffed else 0.0,
                staffed_seconds=staffed,
            ),
        )
