"""Property tests: random event sequences keep the engine's promises."""

from __future__ import annotations

import random
from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seatline.routing import (
    AgentConfig,
    Answered,
    CancelOffer,
    Channel,
    ContactRequest,
    DialCallback,
    Ended,
    Enqueued,
    Offer,
    Offered,
    OverflowAction,
    OverflowStep,
    QueueConfig,
    RoutingEngine,
    RoutingError,
    RoutingEvent,
    Strategy,
)

AGENTS = {
    "a1": AgentConfig("a1", {"sales": 3}, {Channel.VOICE: 1}),
    "a2": AgentConfig("a2", {"sales": 1, "support": 2}, {Channel.VOICE: 1, Channel.CHAT: 3}),
    "a3": AgentConfig("a3", {"support": 4}, {Channel.CHAT: 2}),
    "a4": AgentConfig("a4", {"sales": 5, "support": 1}, {Channel.VOICE: 1, Channel.CHAT: 1}),
}
QUEUES = [
    QueueConfig(
        "sales",
        requirement="sales >= 3",
        wrap_up=3,
        offer_timeout=10,
        max_length=4,
        overflow=(OverflowStep(after=15, action=OverflowAction.RELAX, requirement="sales >= 1"),),
        max_wait=80,
    ),
    QueueConfig(
        "support",
        strategy=Strategy.FEWEST_CONTACTS,
        requirement="support > 0",
        offer_timeout=8,
        no_answer_not_ready=False,
        sticky_timeout=5,
        overflow=(
            OverflowStep(after=20, action=OverflowAction.WIDEN, queues=("sales",)),
            OverflowStep(after=40, action=OverflowAction.CALLBACK),
        ),
    ),
    QueueConfig("ring", strategy=Strategy.RING_ALL, priority_aging_per_second=0.5),
]

operation = st.one_of(
    st.tuples(
        st.just("arrive"),
        st.sampled_from(["sales", "support", "ring"]),
        st.sampled_from([Channel.VOICE, Channel.CHAT]),
        st.integers(0, 3),
        st.booleans(),
        st.sampled_from([None, "a1", "a3"]),
    ),
    st.tuples(st.just("answer"), st.integers(0, 50)),
    st.tuples(st.just("reject"), st.integers(0, 50)),
    st.tuples(st.just("finish"), st.integers(0, 50)),
    st.tuples(st.just("abandon"), st.integers(0, 50)),
    st.tuples(st.just("callback"), st.integers(0, 50)),
    st.tuples(st.just("ready"), st.sampled_from(sorted(AGENTS))),
    st.tuples(st.just("pause"), st.sampled_from(sorted(AGENTS))),
    st.tuples(st.just("logout"), st.sampled_from(sorted(AGENTS))),
    st.tuples(st.just("login"), st.sampled_from(sorted(AGENTS))),
    st.tuples(st.just("wait"), st.floats(0.1, 30)),
)


class Model:
    """What the driver knows from decisions and events, with invariant checks."""

    def __init__(self) -> None:
        self.engine = RoutingEngine(rng=random.Random(1))
        for config in QUEUES:
            self.engine.add_queue(config)
        for config in AGENTS.values():
            self.engine.add_agent(config, 0)
        self.now = 0.0
        self.ring: dict[str, set[str]] = {}  # contact → agents ringing
        self.connected: dict[str, str] = {}
        self.ended: Counter[str] = Counter()
        self.arrived: list[str] = []
        self.queue_of: dict[str, str] = {}
        self.channel_of: dict[str, Channel] = {}

    def absorb(self) -> None:
        for decision in self.engine.take_decisions():
            if isinstance(decision, (Offer, DialCallback)):
                assert self.ended[decision.contact_id] == 0
                assert decision.contact_id not in self.connected
                ringing = self.ring.setdefault(decision.contact_id, set())
                assert decision.agent_id not in ringing
                ringing.add(decision.agent_id)
                if self.queue_of[decision.contact_id] != "ring":
                    assert len(ringing) == 1, "offered twice concurrently"
            elif isinstance(decision, CancelOffer):
                self.ring[decision.contact_id].remove(decision.agent_id)
                if not self.ring[decision.contact_id]:
                    del self.ring[decision.contact_id]
        for event in self.engine.take_events():
            if isinstance(event, Ended):
                self.ended[event.contact_id] += 1
                assert self.ended[event.contact_id] == 1, "ended twice"
                assert event.contact_id not in self.ring
                self.connected.pop(event.contact_id, None)
            elif isinstance(event, Answered):
                assert self.ring.pop(event.contact_id) == {event.agent_id}
                self.connected[event.contact_id] = event.agent_id
            self.note(event)
        snapshot = self.engine.snapshot(self.now)
        for agent in snapshot.agents:
            capacity = AGENTS[agent.agent_id].capacity
            for channel, load in agent.load.items():
                assert load <= capacity.get(channel, 0), "over capacity"
        # Seen from the driver too: what rings or talks at an agent fits its capacity.
        held: Counter[tuple[str, Channel]] = Counter()
        for contact_id, agents in self.ring.items():
            for agent_id in agents:
                held[(agent_id, self.channel_of[contact_id])] += 1
        for contact_id, agent_id in self.connected.items():
            held[(agent_id, self.channel_of[contact_id])] += 1
        for (agent_id, channel), count in held.items():
            assert count <= AGENTS[agent_id].capacity.get(channel, 0), "over capacity"
        # Every contact is in exactly one place: waiting, ringing, connected or ended.
        waiting = sum(q.waiting for q in snapshot.queues)
        live = [c for c in self.arrived if not self.ended[c]]
        assert len(live) == waiting + len(self.ring) + len(self.connected), "contact lost"

    def note(self, event: RoutingEvent) -> None:
        """Hook for subclasses that follow more events."""

    def pick(self, pool: list[str], index: int) -> str | None:
        return pool[index % len(pool)] if pool else None

    def apply(self, op: tuple[object, ...]) -> None:
        kind = op[0]
        engine = self.engine
        try:
            if kind == "arrive":
                _, queue, channel, priority, vip, preferred = op
                contact_id = f"c{len(self.arrived)}"
                self.arrived.append(contact_id)
                self.queue_of[contact_id] = str(queue)
                self.channel_of[contact_id] = channel  # type: ignore[assignment]
                request = ContactRequest(
                    contact_id,
                    str(queue),
                    channel=channel,  # type: ignore[arg-type]
                    priority=int(priority),  # type: ignore[call-overload]
                    vip=bool(vip),
                    preferred_agent=preferred,  # type: ignore[arg-type]
                )
                engine.contact_arrived(request, self.now)
            elif kind in ("answer", "reject"):
                contact_id = self.pick(sorted(self.ring), int(op[1]))  # type: ignore[call-overload]
                if contact_id is not None:
                    agent_id = sorted(self.ring[contact_id])[0]
                    if kind == "answer":
                        engine.offer_answered(contact_id, agent_id, self.now)
                    else:
                        engine.offer_rejected(contact_id, agent_id, self.now)
                        self.ring[contact_id].remove(agent_id)  # no CancelOffer for the decliner
                        if not self.ring[contact_id]:
                            del self.ring[contact_id]
            elif kind == "finish":
                contact_id = self.pick(sorted(self.connected), int(op[1]))  # type: ignore[call-overload]
                if contact_id is not None:
                    engine.contact_finished(contact_id, self.now)
            elif kind in ("abandon", "callback"):
                live = [c for c in self.arrived if not self.ended[c] and c not in self.connected]
                contact_id = self.pick(live, int(op[1]))  # type: ignore[call-overload]
                if contact_id is not None:
                    if kind == "abandon":
                        engine.contact_abandoned(contact_id, self.now)
                    elif contact_id not in self.ring:
                        engine.request_callback(contact_id, self.now)
            elif kind == "ready":
                engine.set_ready(str(op[1]), self.now)
            elif kind == "pause":
                engine.set_not_ready(str(op[1]), "break", self.now)
            elif kind == "logout":
                engine.agent_logout(str(op[1]), self.now)
            elif kind == "login":
                engine.agent_login(str(op[1]), self.now)
            elif kind == "wait":
                self.now += float(op[1])  # type: ignore[arg-type]
                engine.advance(self.now)
        except RoutingError as error:
            # Only agent-state misuse may be refused; contact operations chosen from the
            # model are always legal.
            assert kind in ("ready", "pause", "logout", "login"), error
        self.absorb()

    def finish_everything(self) -> None:
        for _ in range(200):
            if self.connected:
                self.engine.contact_finished(sorted(self.connected)[0], self.now)
            elif self.ring:
                contact_id = sorted(self.ring)[0]
                self.engine.offer_answered(contact_id, sorted(self.ring[contact_id])[0], self.now)
            else:
                live = [c for c in self.arrived if not self.ended[c]]
                if not live:
                    break
                self.engine.contact_abandoned(live[0], self.now)
            self.absorb()
        self.now += 1000
        self.engine.advance(self.now)
        self.absorb()
        assert all(self.ended[c] == 1 for c in self.arrived), "a contact never ended"
        assert self.engine.next_deadline() is None


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.lists(operation, max_size=60))
def test_random_sequences_keep_every_invariant(ops: list[tuple[object, ...]]) -> None:
    model = Model()
    for agent_id in AGENTS:
        model.engine.agent_login(agent_id, 0)
        model.engine.set_ready(agent_id, 0)
    model.absorb()
    for op in ops:
        model.apply(op)
    model.finish_everything()


order_op = st.one_of(
    st.tuples(st.just("arrive"), st.integers(0, 3), st.booleans()),
    st.tuples(st.just("free"), st.integers(0, 5)),
    st.tuples(st.just("abandon"), st.integers(0, 30)),
    st.tuples(st.just("wait"), st.floats(0.0, 5.0)),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(order_op, max_size=60), st.floats(0.0, 0.5))
def test_offers_follow_vip_priority_then_arrival(
    ops: list[tuple[object, ...]], aging: float
) -> None:
    engine = RoutingEngine(rng=random.Random(2))
    engine.add_queue(QueueConfig("q", priority_aging_per_second=aging))
    agents = [f"a{i}" for i in range(3)]
    for agent_id in agents:
        engine.add_agent(AgentConfig(agent_id), 0)
        engine.agent_login(agent_id, 0)
    now = 0.0
    keys: dict[str, tuple[float, ...]] = {}
    waiting: set[str] = set()
    busy: list[str] = []
    count = 0

    def effective(contact_id: str) -> tuple[float, ...]:
        vip, priority, arrival, seq = keys[contact_id]
        return (vip, -(priority + aging * (now - arrival)), arrival, seq)

    def absorb() -> None:
        for event in engine.take_events():
            if isinstance(event, Enqueued) and event.queue_length > 0:
                waiting.add(event.contact_id)
            elif isinstance(event, Offered):
                if event.contact_id in waiting:
                    best = min(waiting, key=effective)
                    assert effective(event.contact_id) <= effective(best), (event, best)
                    waiting.discard(event.contact_id)
                engine.offer_answered(event.contact_id, event.agent_id, now)
                busy.append(event.contact_id)
        engine.take_decisions()

    for op in ops:
        if op[0] == "arrive":
            count += 1
            contact_id = f"c{count}"
            keys[contact_id] = (0 if op[2] else 1, float(op[1]), now, count)  # type: ignore[arg-type]
            engine.contact_arrived(
                ContactRequest(contact_id, "q", priority=int(op[1]), vip=bool(op[2])),  # type: ignore[call-overload]
                now,
            )
        elif op[0] == "free":
            index = int(op[1])  # type: ignore[call-overload]
            if busy:
                engine.contact_finished(busy.pop(index % len(busy)), now)
            else:
                engine.set_ready(agents[index % len(agents)], now)
        elif op[0] == "abandon" and waiting:
            contact_id = sorted(waiting)[int(op[1]) % len(waiting)]  # type: ignore[call-overload]
            waiting.discard(contact_id)
            engine.contact_abandoned(contact_id, now)
        elif op[0] == "wait":
            now += float(op[1])  # type: ignore[arg-type]
            engine.advance(now)
        absorb()
