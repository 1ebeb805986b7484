"""The flow run: the demo flow's paths, action by action, and the state machine's rules."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import yaml

from seatline.flows import (
    Calendar,
    CallerHungUp,
    CollectDigits,
    DialRules,
    DigitsCollected,
    DigitsTimedOut,
    Enqueue,
    Flow,
    FlowEnded,
    FlowError,
    FlowEvent,
    FlowOutcome,
    FlowRun,
    HangUp,
    IllegalFlowEvent,
    Lookup,
    LookupFailed,
    LookupResult,
    LookupSource,
    Play,
    PromptDone,
    QueueOutcome,
    QueueResult,
    RecordVoicemail,
    RequestCallback,
    RunState,
    Say,
    Started,
    Transfer,
    load_flow,
)

from .conftest import demo_text, document

OPEN = dt.datetime(2026, 1, 13, 10, 0, tzinfo=dt.UTC)  # Tuesday 11:00 in Berlin
SATURDAY = dt.datetime(2026, 1, 17, 10, 0, tzinfo=dt.UTC)
CHRISTMAS = dt.datetime(2026, 12, 25, 10, 0, tzinfo=dt.UTC)  # a Friday
CALLER = "+4930555"
MENU_PROMPT = Say("For the status of an order press 1. To speak to support press 2.")
MENU = CollectDigits(1, 1, None, 5.0, MENU_PROMPT)
ASK_ORDER = CollectDigits(
    8, 8, "#", 8.0, Say("Please enter your eight digit order number, then press hash.")
)
SUPPORT = Enqueue("support", 0, False, {"support": 1}, {})


def start(
    flow: Flow, calendar: Calendar, now: dt.datetime = OPEN, vip: bool = False, **kwargs: Any
) -> tuple[FlowRun, list[Any]]:
    """A run of `flow` started by a call at `now`."""
    run = FlowRun(flow, calendars={"support-hours": calendar}, **kwargs)
    return run, run.handle(Started(CALLER, "+4930123456", vip=vip), now)


def ended(actions: list[Any]) -> FlowEnded:
    """The FlowEnded action closing a batch."""
    last = actions[-1]
    assert isinstance(last, FlowEnded)
    return last


def test_menu_1_looks_up_an_order_and_says_its_status(
    demo_flow: Flow, support_hours: Calendar
) -> None:
    run, actions = start(demo_flow, support_hours)
    assert actions == [Say("Welcome to Seatline.")]
    assert run.state is RunState.PLAYING
    assert run.handle(PromptDone(), OPEN) == [MENU]
    assert run.handle(DigitsCollected("1"), OPEN) == [ASK_ORDER]
    assert run.handle(DigitsCollected("12345678"), OPEN) == [
        Lookup(LookupSource("table", "orders", 3.0), "12345678")
    ]
    assert run.state in {RunState.LOOKING_UP}
    actions = run.handle(LookupResult(True, {"status": "shipped", "other": 1}), OPEN)
    assert actions == [Say("Your order 12345678 is shipped. Thank you for calling.")]
    actions = run.handle(PromptDone(), OPEN)
    assert actions[0] == HangUp("caller served")
    record = ended(actions)
    assert record.outcome is FlowOutcome.HANGUP
    assert record.path == (
        "hours",
        "vip-check",
        "welcome",
        "main-menu",
        "ask-order",
        "find-order",
        "tell-status",
        "bye",
    )
    assert record.inputs == {"main-menu": ("1",), "ask-order": ("12345678",)}
    assert record.variables == {"order_number": "12345678", "order_status": "shipped"}
    assert run.ended and run.outcome is FlowOutcome.HANGUP


def test_menu_2_enqueues_support_and_ends_when_answered(
    demo_flow: Flow, support_hours: Calendar
) -> None:
    run, _ = start(demo_flow, support_hours)
    run.handle(PromptDone(), OPEN)
    assert run.handle(DigitsCollected("2"), OPEN) == [SUPPORT]
    assert run.state is RunState.QUEUED
    actions = run.handle(QueueOutcome(QueueResult.ANSWERED, "a1"), OPEN)
    assert actions == [
        FlowEnded(
            FlowOutcome.ANSWERED,
            "answered in queue 'support'",
            ("hours", "vip-check", "welcome", "main-menu", "support"),
            {"main-menu": ("2",)},
            {},
        )
    ]


def test_invalid_twice_says_sorry_and_hangs_up(demo_flow: Flow, support_hours: Calendar) -> None:
    run, _ = start(demo_flow, support_hours)
    run.handle(PromptDone(), OPEN)
    assert run.handle(DigitsCollected("7"), OPEN) == [MENU]  # one retry
    assert run.handle(DigitsCollected("#"), OPEN) == [
        Say("Sorry, that is not a valid choice. Goodbye.")
    ]
    actions = run.handle(PromptDone(), OPEN)
    assert actions[0] == HangUp("caller served")
    assert ended(actions).inputs == {"main-menu": ("7", "#")}
    assert ended(actions).path[-3:] == ("main-menu", "sorry", "bye")


def test_silence_goes_to_support_after_the_retry(demo_flow: Flow, support_hours: Calendar) -> None:
    run, _ = start(demo_flow, support_hours)
    run.handle(PromptDone(), OPEN)
    assert run.handle(DigitsTimedOut(), OPEN) == [MENU]
    assert run.handle(DigitsTimedOut(), OPEN) == [SUPPORT]
    assert run.inputs == {}


def test_a_timeout_then_an_invalid_key_takes_the_invalid_branch(
    demo_flow: Flow, support_hours: Calendar
) -> None:
    run, _ = start(demo_flow, support_hours)
    run.handle(PromptDone(), OPEN)
    run.handle(DigitsTimedOut(), OPEN)
    assert run.handle(DigitsCollected("5"), OPEN) == [
        Say("Sorry, that is not a valid choice. Goodbye.")
    ]


@pytest.mark.parametrize("now", [SATURDAY, CHRISTMAS])
def test_after_hours_offers_a_callback(
    demo_flow: Flow, support_hours: Calendar, now: dt.datetime
) -> None:
    run, actions = start(demo_flow, support_hours, now)
    assert actions == [
        CollectDigits(
            1,
            1,
            None,
            5.0,
            Say("We are closed. To be called back press 1, to leave a message press 2."),
        )
    ]
    assert run.handle(DigitsCollected("1"), now) == [
        RequestCallback("support", CALLER, 0, False, {}),
        Say(f"Thank you. We will call you back on {CALLER} when we are open."),
    ]
    actions = run.handle(PromptDone(), now)
    assert ended(actions).outcome is FlowOutcome.CALLBACK
    assert ended(actions).path == ("hours", "closed", "callback", "callback-confirm", "bye")


def test_after_hours_voicemail(demo_flow: Flow, support_hours: Calendar) -> None:
    run, _ = start(demo_flow, support_hours, SATURDAY)
    actions = run.handle(DigitsCollected("2"), SATURDAY)
    prompt = Say("All our agents are busy. Please leave a message after the tone.")
    assert actions[:2] == [RecordVoicemail(120.0, prompt), HangUp("voicemail recorded")]
    assert ended(actions).outcome is FlowOutcome.VOICEMAIL
    assert run.handle(CallerHungUp(), SATURDAY) == []  # the hang-up after the recording


def test_vip_callers_get_priority(demo_flow: Flow, support_hours: Calendar) -> None:
    run, _ = start(demo_flow, support_hours, vip=True)
    run.handle(PromptDone(), OPEN)
    (enqueue,) = run.handle(DigitsCollected("2"), OPEN)
    assert enqueue == Enqueue("support", 10, True, {"support": 1}, {"segment": "gold"})
    assert isinstance(enqueue, Enqueue) and enqueue.requirement == "support >= 1"
    assert run.path[:3] == ("hours", "vip-check", "vip-priority")


def test_bad_order_numbers_retry_then_go_to_support(
    demo_flow: Flow, support_hours: Calendar
) -> None:
    run, _ = start(demo_flow, support_hours)
    run.handle(PromptDone(), OPEN)
    run.handle(DigitsCollected("1"), OPEN)
    assert run.handle(DigitsCollected("1234"), OPEN) == [ASK_ORDER]
    assert run.handle(DigitsCollected("1234567*"), OPEN) == [SUPPORT]
    assert run.inputs["ask-order"] == ("1234", "1234567*")
    assert "order_number" not in run.variables


def test_unknown_order_and_failed_lookup(demo_flow: Flow, support_hours: Calendar) -> None:
    run, _ = start(demo_flow, support_hours)
    run.handle(PromptDone(), OPEN)
    run.handle(DigitsCollected("1"), OPEN)
    run.handle(DigitsCollected("87654321"), OPEN)
    assert run.handle(LookupResult(False), OPEN) == [
        Say("We could not find order 87654321. Let me connect you to support.")
    ]
    assert run.handle(PromptDone(), OPEN) == [
        Enqueue("support", 0, False, {"support": 1}, {"order_number": "87654321"})
    ]
    failed, _ = start(demo_flow, support_hours)
    failed.handle(PromptDone(), OPEN)
    failed.handle(DigitsCollected("1"), OPEN)
    failed.handle(DigitsCollected("87654321"), OPEN)
    (enqueue,) = failed.handle(LookupFailed("timeout"), OPEN)
    assert isinstance(enqueue, Enqueue) and enqueue.attributes == {"order_number": "87654321"}


def test_queue_outcomes(demo_flow: Flow, support_hours: Calendar) -> None:
    def queued() -> FlowRun:
        run, _ = start(demo_flow, support_hours)
        run.handle(PromptDone(), OPEN)
        run.handle(DigitsCollected("2"), OPEN)
        return run

    actions = queued().handle(QueueOutcome(QueueResult.REJECTED), OPEN)
    assert isinstance(actions[0], RecordVoicemail) and actions[0].prompt is not None
    actions = queued().handle(QueueOutcome(QueueResult.VOICEMAIL), OPEN)  # its branch
    assert isinstance(actions[0], RecordVoicemail) and actions[0].prompt is not None
    assert ended(actions).outcome is FlowOutcome.VOICEMAIL
    actions = queued().handle(QueueOutcome(QueueResult.CALLBACK), OPEN)
    assert ended(actions).outcome is FlowOutcome.CALLBACK
    run = queued()
    actions = run.handle(CallerHungUp(), OPEN)
    assert actions == [ended(actions)] and ended(actions).outcome is FlowOutcome.ABANDONED


def test_queue_failure_without_a_branch_hangs_up(support_hours: Calendar) -> None:
    flow = load_flow(document({"a": {"type": "enqueue", "queue": "sales"}}))
    run, actions = start(flow, support_hours)
    assert actions == [Enqueue("sales")]
    actions = run.handle(QueueOutcome(QueueResult.TIMEOUT), OPEN)
    assert actions[0] == HangUp("queue 'sales': timeout")
    assert ended(actions).outcome is FlowOutcome.QUEUE_FAILED


def test_hang_up_during_the_flow(demo_flow: Flow, support_hours: Calendar) -> None:
    run, _ = start(demo_flow, support_hours)
    actions = run.handle(CallerHungUp(), OPEN)
    assert len(actions) == 1 and ended(actions).outcome is FlowOutcome.ABANDONED
    assert ended(actions).path == ("hours", "vip-check", "welcome")
    assert run.handle(CallerHungUp(), OPEN) == []
    with pytest.raises(IllegalFlowEvent, match="state ended cannot take PromptDone"):
        run.handle(PromptDone(), OPEN)


@pytest.mark.parametrize(
    "event",
    [
        PromptDone(),
        DigitsCollected("1"),
        DigitsTimedOut(),
        LookupFailed(),
        QueueOutcome(QueueResult.ANSWERED),
        LookupResult(True),
    ],
)
def test_illegal_events_raise_a_named_error(
    demo_flow: Flow, support_hours: Calendar, event: FlowEvent
) -> None:
    run = FlowRun(demo_flow, calendars={"support-hours": support_hours})
    with pytest.raises(IllegalFlowEvent) as caught:
        run.handle(event, OPEN)
    assert caught.value.state is RunState.NEW and caught.value.event is event
    run.handle(Started(CALLER, "1"), OPEN)  # now PLAYING
    if not isinstance(event, PromptDone):
        with pytest.raises(IllegalFlowEvent):
            run.handle(event, OPEN)
    with pytest.raises(IllegalFlowEvent):
        run.handle(Started(CALLER, "1"), OPEN)


def test_the_time_must_be_aware(demo_flow: Flow) -> None:
    with pytest.raises(FlowError, match="aware"):
        FlowRun(demo_flow).handle(Started(CALLER, "1"), dt.datetime(2026, 1, 1))


def test_unknown_calendars_count_as_closed(demo_flow: Flow) -> None:
    run = FlowRun(demo_flow)
    (ask,) = run.handle(Started(CALLER, "1"), OPEN)
    assert isinstance(ask, CollectDigits) and run.path == ("hours", "closed")


def test_transfers_need_the_dial_rules(support_hours: Calendar) -> None:
    flow = load_flow(
        document(
            {
                "a": {"type": "play", "prompt": "transfer.wav", "next": "b"},
                "b": {"type": "transfer", "number": "+493099"},
            }
        )
    )
    run, actions = start(flow, support_hours, dial_rules=DialRules(allowed=("+4930*",)))
    assert actions == [Play("transfer.wav")]
    actions = run.handle(PromptDone(), OPEN)
    assert actions[0] == Transfer("+493099")
    assert ended(actions).outcome is FlowOutcome.TRANSFERRED
    refused, _ = start(flow, support_hours)  # no dial rules: no transfers
    actions = refused.handle(PromptDone(), OPEN)
    assert actions[0] == HangUp("transfer to +493099 not allowed")
    assert ended(actions).outcome is FlowOutcome.ERROR


def test_sensitive_input_stays_out_of_the_record(support_hours: Calendar) -> None:
    flow = load_flow(
        document(
            {
                "a": {
                    "type": "collect",
                    "prompt": "pin.wav",
                    "into": "pin",
                    "sensitive": True,
                    "min_length": 4,
                    "max_length": 4,
                    "ok": "b",
                },
                "b": {
                    "type": "lookup",
                    "webhook": "https://crm.example/check",
                    "key": "pin",
                    "into": {"name": "name"},
                    "found": "c",
                    "not_found": "c",
                    "error": "c",
                },
                "c": {"type": "set", "expressions": {"known": "len(name) > 0"}, "next": "d"},
                "d": {"type": "enqueue", "queue": "sales", "skills": {"sales": 3}},
            }
        )
    )
    run, actions = start(flow, support_hours)
    assert actions == [CollectDigits(4, 4, "#", 5.0, Play("pin.wav"))]
    (lookup,) = run.handle(DigitsCollected("1234"), OPEN)
    assert lookup == Lookup(LookupSource("webhook", "https://crm.example/check", 3.0), "1234")
    (enqueue,) = run.handle(LookupResult(True, {"name": "Ada"}), OPEN)
    assert enqueue == Enqueue("sales", 0, False, {"sales": 3}, {"name": "Ada", "known": True})
    record = ended(run.handle(CallerHungUp(), OPEN))
    assert record.inputs == {"a": ("****",)}
    assert "pin" not in record.variables
    assert run.variables["pin"] == "1234"  # still there for the lookup


def test_the_step_limit_ends_endless_menus(support_hours: Calendar) -> None:
    flow = load_flow(
        document({"a": {"type": "menu", "prompt": "m.wav", "options": {"9": "a"}, "retries": 5}})
    )
    run, _ = start(flow, support_hours, max_steps=10)
    events = 0
    while not run.ended:
        actions = run.handle(DigitsCollected("9"), OPEN)
        events += 1
    assert events == 10  # the start and nine events used the ten steps
    assert actions[0] == HangUp("more than 10 steps")
    assert ended(actions).outcome is FlowOutcome.ERROR


def test_a_path_without_a_next_node_hangs_up(support_hours: Calendar) -> None:
    flow = load_flow(
        document(
            {
                "a": {"type": "set", "variables": {"x": 1}, "priority": 3, "next": "b"},
                "b": {"type": "say", "text": "x is {x}, priority {priority}"},
            }
        )
    )
    run, actions = start(flow, support_hours)
    assert actions == [Say("x is 1, priority 3")]
    actions = run.handle(PromptDone(), OPEN)
    assert actions[0] == HangUp("end of flow")
    assert ended(actions).outcome is FlowOutcome.HANGUP


def test_runs_are_deterministic(demo_flow: Flow, support_hours: Calendar) -> None:
    script: list[FlowEvent] = [
        PromptDone(),
        DigitsCollected("1"),
        DigitsCollected("12345678"),
        LookupResult(True, {"status": "late"}),
        PromptDone(),
    ]

    def replay() -> list[Any]:
        run, first = start(demo_flow, support_hours)
        return first + [action for event in script for action in run.handle(event, OPEN)]

    assert replay() == replay()


def test_queue_voicemail_without_a_branch_records_after_the_beep(support_hours: Calendar) -> None:
    data = yaml.safe_load(demo_text())
    del data["nodes"]["support"]["outcomes"]["voicemail"]
    flow = load_flow(data, calendars={"support-hours"})
    run, _ = start(flow, support_hours)
    run.handle(PromptDone(), OPEN)
    run.handle(DigitsCollected("2"), OPEN)
    actions = run.handle(QueueOutcome(QueueResult.VOICEMAIL), OPEN)
    assert actions[0] == RecordVoicemail(120.0, None)
    assert ended(actions).outcome is FlowOutcome.VOICEMAIL
