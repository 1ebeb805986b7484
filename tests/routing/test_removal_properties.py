"""Property tests: random traffic with agents and queues removed and added back live."""

from __future__ import annotations

import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seatline.routing import (
    AgentRemoved,
    Channel,
    ContactMoved,
    DuplicateId,
    QueueNotEmpty,
    QueueRemoved,
    RoutingEvent,
)

from .test_properties import AGENTS, QUEUES, Model, operation

QUEUE_CONFIGS = {config.name: config for config in QUEUES}

removals = st.one_of(
    st.tuples(st.just("remove_agent"), st.sampled_from(sorted(AGENTS))),
    st.tuples(st.just("add_agent"), st.sampled_from(sorted(AGENTS))),
    st.tuples(
        st.just("remove_queue"),
        st.sampled_from(sorted(QUEUE_CONFIGS)),
        st.sampled_from([None, *sorted(QUEUE_CONFIGS)]),
    ),
    st.tuples(st.just("add_queue"), st.sampled_from(sorted(QUEUE_CONFIGS))),
)
arrivals = st.tuples(
    st.just("arrive"),
    st.sampled_from(sorted(QUEUE_CONFIGS)),
    st.sampled_from([Channel.VOICE, Channel.CHAT]),
    st.integers(0, 3),
    st.booleans(),
    st.sampled_from([None, "a1", "a3"]),
)
# Many arrivals, so that removals meet waiting, ringing and talking contacts.
removal_op = st.integers(0, 9).flatmap(
    lambda i: removals if i < 2 else arrivals if i < 6 else operation
)


class RemovalModel(Model):
    """The driver's model, plus homes that follow moves and checks of the waiting line."""

    def __init__(self) -> None:
        super().__init__()
        self.home: dict[str, str] = {}
        self.keys: dict[str, tuple[int, int, float, int]] = {}  # vip, priority, arrival, seq
        self.removed = 0  # agents gone, and contacts moved (to see what a run covered)
        self.moved = 0

    def queues(self) -> list[str]:
        return [q.name for q in self.engine.snapshot(self.now).queues]

    def apply(self, op: tuple[object, ...]) -> None:
        kind = op[0]
        engine = self.engine
        if kind == "arrive":
            if op[1] not in self.queues():
                return  # removed: the flow would not send a caller there
            contact_id = f"c{len(self.arrived)}"  # the id the shared model gives it
            self.home[contact_id] = str(op[1])
            priority, vip = int(op[3]), bool(op[4])  # type: ignore[call-overload]
            self.keys[contact_id] = (0 if vip else 1, priority, self.now, len(self.arrived))
            super().apply(op)
            return
        if kind == "remove_agent":
            if op[1] in {a.agent_id for a in engine.snapshot(self.now).agents}:
                engine.remove_agent(str(op[1]), self.now)
        elif kind == "add_agent":
            agent_id = str(op[1])
            try:
                engine.add_agent(AGENTS[agent_id], self.now)
            except DuplicateId:
                pass  # still there, or still finishing its last contact
            else:
                engine.agent_login(agent_id, self.now)
                engine.set_ready(agent_id, self.now)
        elif kind == "remove_queue":
            name, target = str(op[1]), None if op[2] is None else str(op[2])
            present = self.queues()
            if name not in present or (target is not None and target not in present):
                return
            if target == name:
                target = None
            holding = [
                c
                for c in self.arrived
                if not self.ended[c] and c not in self.connected and self.home[c] == name
            ]
            try:
                engine.remove_queue(name, self.now, move_to=target)
            except QueueNotEmpty:
                assert target is None and holding, "refused a queue nobody waits in"
                return
            assert target is not None or not holding, "a waiting contact was dropped"
            for contact_id in holding:
                # Offers of the moved contacts are checked against their new queue.
                self.queue_of[contact_id] = str(target)
        elif kind == "add_queue":
            if op[1] not in self.queues():
                engine.add_queue(QUEUE_CONFIGS[str(op[1])], self.now)
        else:
            super().apply(op)
            return
        self.absorb()

    def note(self, event: RoutingEvent) -> None:
        if isinstance(event, ContactMoved):
            assert self.home[event.contact_id] == event.from_queue
            self.home[event.contact_id] = event.to_queue
        elif isinstance(event, AgentRemoved):
            self.removed += 1
        elif isinstance(event, QueueRemoved):
            self.moved += event.moved

    def absorb(self) -> None:
        super().absorb()
        self.check_lines()

    def check_lines(self) -> None:
        """Each queue's line is its waiting contacts, positions 1..n in serving order."""
        engine = self.engine
        in_line: set[str] = set()
        aging = {q: QUEUE_CONFIGS[q].priority_aging_per_second for q in self.queues()}
        for queue in self.queues():
            for channel in (Channel.VOICE, Channel.CHAT):
                line = engine.waiting_order(queue, channel)
                assert [engine.position(c) for c in line] == list(range(1, len(line) + 1))
                for contact_id in line:
                    assert self.home[contact_id] == queue
                    estimate = engine.expected_wait(contact_id, self.now)
                    assert estimate is None or (estimate >= 0 and math.isfinite(estimate))

                def serving(contact_id: str, rate: float = aging[queue]) -> tuple[float, ...]:
                    vip, priority, arrival, seq = self.keys[contact_id]
                    return (vip, -(priority + rate * (self.now - arrival)), arrival, seq)

                assert line == sorted(line, key=serving)
                in_line.update(line)
        waiting = {
            c
            for c in self.arrived
            if not self.ended[c] and c not in self.connected and c not in self.ring
        }
        assert in_line == waiting, "a contact is neither in a line, ringing, talking nor ended"


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.lists(removal_op, min_size=10, max_size=80))
def test_removals_never_lose_a_contact_and_lines_stay_exact(ops: list[tuple[object, ...]]) -> None:
    model = RemovalModel()
    for agent_id in AGENTS:
        model.engine.agent_login(agent_id, 0)
        model.engine.set_ready(agent_id, 0)
    model.absorb()
    for op in ops:
        model.apply(op)
    model.finish_everything()
