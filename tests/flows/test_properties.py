"""Property tests: random events never break a run, and every run ends."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seatline.flows import (
    ACCEPTS,
    CallerHungUp,
    CollectDigits,
    DigitsCollected,
    DigitsTimedOut,
    Enqueue,
    ExpressionError,
    Flow,
    FlowEnded,
    FlowEvent,
    FlowRun,
    IllegalFlowEvent,
    Lookup,
    LookupFailed,
    LookupResult,
    Play,
    PromptDone,
    QueueOutcome,
    QueueResult,
    RunState,
    Say,
    Started,
    calendar_from_dict,
    compile_expression,
    compile_template,
    load_flow,
)

from .conftest import demo_text, document

CALENDAR = calendar_from_dict(
    {
        "name": "support-hours",
        "time_zone": "Europe/Berlin",
        "weekly": {"mon": ["08:00-18:00"], "sat": ["22:00-02:00"]},
        "holidays": ["2026-12-25"],
    }
)
DEMO = load_flow(demo_text(), calendars={"support-hours"})
LOOPY = load_flow(
    document(
        {
            "a": {
                "type": "menu",
                "say": "1 again, 2 on",
                "options": {"1": "a", "2": "b"},
                "retries": 3,
                "invalid": "a",
                "timeout": "b",
            },
            "b": {
                "type": "collect",
                "into": "x",
                "ok": "c",
                "invalid": "a",
                "pattern": "1+",
                "retries": 2,
                "max_length": 3,
            },
            "c": {
                "type": "lookup",
                "table": "t",
                "key": "x",
                "into": {"y": "y"},
                "found": "d",
                "not_found": "a",
                "error": "e",
            },
            "d": {
                "type": "enqueue",
                "queue": "q",
                "outcomes": {"rejected": "a", "timeout": "b", "voicemail": "e", "callback": "f"},
            },
            "e": {"type": "voicemail", "say": "{y}"},
            "f": {"type": "callback", "queue": "q", "number": "y", "next": "a"},
        }
    )
)
FLOWS = st.sampled_from([DEMO, LOOPY])
TIMES = st.datetimes(
    min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2027, 1, 1), timezones=st.just(dt.UTC)
)
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=5))
EVENTS: dict[type, st.SearchStrategy[Any]] = {
    Started: st.builds(
        Started,
        caller=st.text(max_size=12),
        number=st.text(max_size=12),
        vip=st.booleans(),
        variables=st.dictionaries(st.sampled_from(["y", "x", "z"]), SCALARS, max_size=2),
    ),
    PromptDone: st.just(PromptDone()),
    DigitsCollected: st.builds(DigitsCollected, st.text("0123456789*#", max_size=10)),
    DigitsTimedOut: st.just(DigitsTimedOut()),
    LookupResult: st.builds(
        LookupResult,
        st.booleans(),
        st.dictionaries(st.sampled_from(["status", "y", "name"]), SCALARS, max_size=3),
    ),
    LookupFailed: st.builds(LookupFailed, st.text(max_size=5)),
    QueueOutcome: st.builds(QueueOutcome, st.sampled_from(list(QueueResult))),
    CallerHungUp: st.just(CallerHungUp()),
}
ANY_EVENT = st.one_of(*EVENTS.values())
WAITS = {
    Play: RunState.PLAYING,
    Say: RunState.PLAYING,
    CollectDigits: RunState.COLLECTING,
    Lookup: RunState.LOOKING_UP,
    Enqueue: RunState.QUEUED,
}


def check_batch(run: FlowRun, actions: list[Any], ended_before: bool) -> None:
    """A batch ends with its one waiting action (matching the state) or with FlowEnded."""
    waiting = [i for i, action in enumerate(actions) if type(action) in WAITS]
    finished = [i for i, action in enumerate(actions) if isinstance(action, FlowEnded)]
    assert len(waiting) <= 1 and len(finished) <= 1
    if ended_before:
        assert actions == []
    elif finished:
        assert finished == [len(actions) - 1] and not waiting
        assert run.ended
    else:
        assert waiting == [len(actions) - 1]
        assert run.state is WAITS[type(actions[-1])]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(flow=FLOWS, events=st.lists(st.tuples(ANY_EVENT, TIMES), max_size=60))
def test_random_events_only_ever_raise_the_illegal_event_error(
    flow: Flow, events: list[tuple[FlowEvent, dt.datetime]]
) -> None:
    run = FlowRun(flow, calendars={"support-hours": CALENDAR}, max_steps=30)
    for event, now in events:
        before, ended_before = run.state, run.ended
        try:
            actions = run.handle(event, now)
        except IllegalFlowEvent as error:
            assert type(event) not in ACCEPTS[before]
            assert error.state is before and run.state is before  # nothing changed
            continue
        assert type(event) in ACCEPTS[before]
        if before is RunState.NEW and isinstance(event, CallerHungUp):
            assert run.ended
        else:
            check_batch(run, actions, ended_before)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(flow=FLOWS, start=EVENTS[Started], now=TIMES, data=st.data())
def test_every_run_ends_after_a_bounded_number_of_events(
    flow: Flow, start: Started, now: dt.datetime, data: st.DataObject
) -> None:
    max_steps = 25
    run = FlowRun(flow, calendars={"support-hours": CALENDAR}, max_steps=max_steps)
    run.handle(start, now)
    events = 0
    while not run.ended:
        # Any legal answer except a hang-up, which would end the run trivially.
        legal = sorted(
            (kind for kind in ACCEPTS[run.state] if kind is not CallerHungUp),
            key=lambda kind: kind.__name__,
        )
        event = data.draw(st.sampled_from(legal).flatmap(lambda kind: EVENTS[kind]))
        run.handle(event, now)
        events += 1
        assert events <= max_steps, "a run must end within its step limit"
    assert len(run.path) <= max_steps


EXPRESSION_TEXT = st.text(alphabet="abcnotrvip_ ()[]'\"=<>!.,:0123456789+-*/%{}lensaw", max_size=40)


class _Env:
    def variable(self, name: str) -> Any:
        return {"a": 1, "b": "x", "c": None, "vip": True}.get(name)

    def is_open(self, calendar: str) -> bool:
        return True

    def is_holiday(self, calendar: str) -> bool:
        return False


@settings(max_examples=500, deadline=None)
@given(text=EXPRESSION_TEXT)
def test_expressions_either_compile_and_evaluate_or_raise_expression_error(text: str) -> None:
    for compile_text in (compile_expression, compile_template):
        try:
            compiled = compile_text(text)
        except ExpressionError:
            continue
        if hasattr(compiled, "evaluate"):
            compiled.evaluate(_Env())
        else:
            assert isinstance(compiled.render(_Env()), str)
