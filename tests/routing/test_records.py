"""Decisions and events stay plain frozen dataclasses despite their faster __init__."""

from __future__ import annotations

import dataclasses
import pickle
from dataclasses import dataclass, field

import pytest

from seatline.routing import (
    AgentState,
    AgentStateChanged,
    Channel,
    Offer,
    Overflow,
    OverflowAction,
    decisions,
    events,
)
from seatline.routing.fastinit import fast_init


def all_record_classes() -> list[type]:
    found = []
    for module in (decisions, events):
        for value in vars(module).values():
            if isinstance(value, type) and dataclasses.is_dataclass(value):
                found.append(value)
    return found


def test_every_record_is_frozen_and_behaves_like_a_dataclass() -> None:
    classes = all_record_classes()
    assert len(classes) >= 15
    for cls in classes:
        names = [f.name for f in dataclasses.fields(cls)]
        values = list(range(len(names)))
        record = cls(*values)
        assert dataclasses.asdict(record) == dict(zip(names, values, strict=True))
        assert record == cls(**dict(zip(names, values, strict=True)))
        assert hash(record) == hash(cls(*values))
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(record, names[0], "changed")
        assert pickle.loads(pickle.dumps(record)) == record


def test_defaults_keywords_replace_and_repr() -> None:
    overflow = Overflow("c", "q", 0, OverflowAction.RELAX)
    assert overflow.to_queues == ()
    assert dataclasses.replace(overflow, step=2).step == 2
    offer = Offer(contact_id="c", agent_id="a", queue="q", channel=Channel.VOICE)
    assert repr(offer).startswith("Offer(contact_id='c', agent_id='a'")
    change = AgentStateChanged(1.0, "a", AgentState.AVAILABLE, AgentState.RESERVED, None)
    assert change.new is AgentState.RESERVED
    with pytest.raises(TypeError):
        Offer("c", "a")  # type: ignore[call-arg]


def test_fast_init_refuses_what_it_cannot_serve() -> None:
    @dataclass(frozen=True, slots=True)
    class Slotted:
        x: int

    @dataclass
    class Mutable:
        x: int

    @dataclass(frozen=True)
    class Factory:
        x: list[int] = field(default_factory=list)

    for cls in (Slotted, Mutable, Factory):
        with pytest.raises(TypeError):
            fast_init(cls)
