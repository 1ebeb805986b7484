"""A tenant's flow cannot make the node spend unbounded CPU or memory (issue 11, finding 3).

Patterns run in a linear-time engine (RE2); what RE2 cannot run is refused when the flow is
validated, naming the node. The expression language bounds the text it makes, so a chain of
`set` nodes cannot double a value until the process stalls.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest

from seatline.flows import (
    DigitsCollected,
    FlowRun,
    LookupResult,
    PromptDone,
    Say,
    Started,
    expressions,
    load_flow,
)

from .conftest import document
from .test_validate import problems

NOW = dt.datetime(2026, 1, 13, 10, 0, tzinfo=dt.UTC)
HANGUP = {"type": "hangup"}
STEP_SECONDS = 0.05  # no single step of a flow may take longer than this (CPU time)


def timed(call: Any, *args: Any) -> tuple[Any, float]:
    """The call's result and the CPU time it took."""
    before = time.process_time()
    result = call(*args)
    return result, time.process_time() - before


def collect_flow(pattern: str) -> dict[str, Any]:
    """Ask for up to 64 digits checked by `pattern`; ok and invalid both hang up."""
    ask = {
        "type": "collect",
        "say": "Your number?",
        "into": "entered",
        "max_length": 64,
        "pattern": pattern,
        "ok": "done",
        "invalid": "wrong",
    }
    return document({"a": ask, "done": HANGUP, "wrong": HANGUP})


def test_a_catastrophic_pattern_answers_at_once() -> None:
    # The issue's case: `(0*)*1` against 28 digits stalled /healthz for 13 s under `re`.
    run = FlowRun(load_flow(collect_flow("(0*)*1")))
    run.handle(Started("+4930111", "+4930123"), NOW)
    actions, spent = timed(run.handle, DigitsCollected("0" * 28), NOW)
    assert spent < STEP_SECONDS
    assert run.path == ("a", "wrong")
    assert actions[-1].reason == "flow ended"


def test_a_good_pattern_still_checks_the_digits() -> None:
    run = FlowRun(load_flow(collect_flow("[0-9]{4}")))
    run.handle(Started("+4930111", "+4930123"), NOW)
    run.handle(DigitsCollected("1234"), NOW)
    assert run.path == ("a", "done")
    assert run.variables["entered"] == "1234"


@pytest.mark.parametrize(
    ("pattern", "why"),
    [
        (r"(\d)\1", "not supported by the linear-time pattern engine"),  # backreference
        ("(?=1)1", "not supported by the linear-time pattern engine"),  # lookahead
        ("[0-9", "bad regular expression"),
        ("((1{100}){100}){10}", "bad regular expression"),  # RE2 refuses huge repetitions
        ("1" * 201, "longer than 200 characters"),
    ],
)
def test_patterns_the_engine_cannot_run_are_refused_naming_the_node(pattern: str, why: str) -> None:
    (message,) = problems(collect_flow(pattern))
    assert message.startswith("node 'a': field 'pattern': ")
    assert why in message


def chain_of_sets(count: int, expression: str) -> dict[str, Any]:
    """`count` set nodes each applying `expression` to `x`, then a say of `x`."""
    nodes: dict[str, Any] = {}
    for i in range(count):
        nodes[f"s{i}"] = {"type": "set", "expressions": {"x": expression}, "next": f"s{i + 1}"}
    nodes[f"s{count}"] = {"type": "say", "text": "{x}", "next": "end"}
    nodes["end"] = HANGUP
    return document(nodes, start="s0", description="doubling")


def test_a_value_doubled_by_set_nodes_stays_bounded() -> None:
    # Each node makes x more than twice as long (quotes are escaped again at every level):
    # 16 nodes already make megabytes, a few more would exhaust the memory.
    flow = load_flow(chain_of_sets(16, "str((x, x, 'padding'))"))
    run = FlowRun(flow)
    actions, spent = timed(run.handle, Started("+4930111", "+4930123"), NOW)
    assert spent < STEP_SECONDS
    (say,) = actions
    assert isinstance(say, Say) and len(say.text) <= expressions.MAX_TEXT_CHARS
    assert all(len(str(value)) <= expressions.MAX_TEXT_CHARS for value in run.variables.values())


def test_outside_values_are_cut_to_the_bound() -> None:
    lookup = {
        "type": "lookup",
        "webhook": "https://crm.example/orders",
        "key": "caller",
        "into": {"status": "status"},
        "found": "say",
        "not_found": "end",
        "error": "end",
    }
    say = {"type": "say", "text": "{status} {status} {status}", "next": "end"}
    run = FlowRun(load_flow(document({"a": lookup, "say": say, "end": HANGUP})))
    run.handle(Started("+4930111", "+4930123", variables={"note": "n" * 10**6}), NOW)
    assert len(str(run.variables["note"])) <= expressions.MAX_TEXT_CHARS
    actions, spent = timed(run.handle, LookupResult(True, {"status": "s" * 10**6}), NOW)
    assert spent < STEP_SECONDS
    assert len(str(run.variables["status"])) <= expressions.MAX_TEXT_CHARS
    (say_action,) = actions
    assert isinstance(say_action, Say) and len(say_action.text) <= expressions.MAX_TEXT_CHARS
    run.handle(PromptDone(), NOW)
    assert run.ended


def test_long_literals_and_texts_are_refused_naming_the_node() -> None:
    doc = document(
        {
            "a": {"type": "set", "variables": {"x": "v" * 5000}, "next": "b"},
            "b": {"type": "say", "text": "t" * 5000, "next": "c"},
            "c": HANGUP,
        }
    )
    found = problems(doc)
    assert found[0].startswith("node 'a': field 'variables.x': ")
    assert "longer than" in found[0]
    assert found[1].startswith("node 'b': field 'text': ")
    assert "longer than" in found[1]


def test_too_many_expressions_in_one_node_are_refused() -> None:
    many = {f"v{i}": f"len(caller) == {i}" for i in range(10_000)}
    doc = document({"a": {"type": "set", "expressions": many, "next": "b"}, "b": HANGUP})
    from seatline.flows import FlowValidationError, validate_flow

    before = time.process_time()
    with pytest.raises(FlowValidationError) as caught:
        validate_flow(doc)
    assert time.process_time() - before < STEP_SECONDS
    (issue,) = caught.value.issues
    assert issue.node == "a" and issue.field == "expressions"
