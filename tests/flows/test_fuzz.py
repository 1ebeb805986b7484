"""Fuzz: the flow validator and the expression language take any input a tenant can send.

Whatever the document or expression — random text, non-ASCII digits, very long strings,
deep nesting, 10,000-element lists, YAML aliases — the only exceptions are the package's own
(`FlowError` family), and no single step takes more than 50 ms of CPU time
(`time.process_time()`, so other processes on the machine do not count). The example counts
are fixed, so the whole file runs in a few seconds.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import os
import time
from collections.abc import Callable
from typing import Any, TypeVar

import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from seatline.flows import (
    CallerHungUp,
    DigitsCollected,
    DigitsTimedOut,
    FlowError,
    FlowRun,
    LookupFailed,
    LookupResult,
    PromptDone,
    QueueOutcome,
    QueueResult,
    Started,
    calendar_from_dict,
    compile_expression,
    compile_template,
    validate_flow,
)
from seatline.flows.document import NODE_TYPES

STEP_SECONDS = 0.05
NOW = dt.datetime(2026, 1, 13, 10, 0, tzinfo=dt.UTC)
# SEATLINE_FUZZ_EXAMPLES=5000 runs a deeper, random search (the suite's run is fixed).
EXAMPLES = int(os.environ.get("SEATLINE_FUZZ_EXAMPLES", "0"))
FUZZ = settings(
    max_examples=EXAMPLES or 150,
    deadline=None,  # timed below with CPU time, which load on the machine does not inflate
    derandomize=not EXAMPLES,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
T = TypeVar("T")

# Digits that str.isdigit() accepts but are not ASCII, and other look-alikes.
ODD_DIGITS = "²³¹٣٠۹०১๓１𝟘⁰₀½Ⅻ"
PIECES = [
    "caller", "number", "vip", "priority", "x", "_x", "true", "none", "open('h')",
    "holiday('h')", "len(", "int(", "str(", "lower(", "upper(", "starts_with(", "contains(",
    "ends_with(", "and", "or", "not", "in", "not in", "==", "!=", "<", "<=", ">", ">=", "(",
    ")", "[", "]", ",", "'", '"', "1", "-1", "1.5", "1e308", "9" * 30, "**", "*", "+", "x.y",
    "x[0]", "lambda: 1", "f'{x}'", ":=", "{", "}", "{{", "}}", " ", ODD_DIGITS,
]  # fmt: skip


def timed(call: Callable[..., T], *args: Any, again: bool = True) -> T:
    """Run one step; it may raise only the package's errors, and within the CPU budget.

    The collector is off meanwhile (a collection of everyone's garbage is not the step's
    cost), and a pure step over the budget is timed once more before it fails, so a rare
    stall of the machine is told apart from a step that is really slow.
    """
    spent, result, error = _once(call, args)
    if spent >= STEP_SECONDS and again:
        spent, result, error = _once(call, args)
    assert spent < STEP_SECONDS, f"{call.__name__} took {spent * 1000:.0f} ms"
    if error is not None:
        raise error
    return result  # type: ignore[return-value]


def _once(
    call: Callable[..., T], args: tuple[Any, ...]
) -> tuple[float, T | None, Exception | None]:
    gc.disable()
    before = time.process_time()
    try:
        result = call(*args)
        return time.process_time() - before, result, None
    except Exception as error:
        return time.process_time() - before, None, error
    finally:
        gc.enable()


def attempt(call: Callable[..., T], *args: Any, again: bool = True) -> T | None:
    """A timed step whose `FlowError` is a fine answer (None)."""
    try:
        return timed(call, *args, again=again)
    except FlowError:
        return None


texts = st.one_of(
    st.text(max_size=200),
    st.text(alphabet=ODD_DIGITS + "0123456789+-*#() '\"", max_size=200),
    st.lists(st.sampled_from(PIECES), max_size=80).map(" ".join),
    st.lists(st.sampled_from(PIECES), max_size=80).map("".join),
    st.integers(1, 5000).map(lambda n: "(" * n + "x" + ")" * n),
    st.integers(1, 5000).map(lambda n: "[" * n + "1" + "]" * n),
    st.integers(1, 5000).map(lambda n: "not " * n + "x"),
    st.integers(1, 3000).map(lambda n: " or ".join(["x"] * n)),
    st.integers(1, 3000).map(lambda n: "x" + " < x" * n),
    st.integers(1, 200_000).map(lambda n: "'" + "a" * n + "'"),
    st.integers(1, 200_000).map(lambda n: "9" * n),
    st.integers(1, 10_000).map(lambda n: "{x}" * n),
)
values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=50)
    | st.integers(0, 1_000_000).map(lambda n: "v" * n)
    | st.just(10**4000),
    lambda inner: st.lists(inner, max_size=5).map(tuple),
    max_leaves=20,
)


class Context:
    """Variables and calendars an expression may read."""

    def __init__(self, variables: dict[str, Any]) -> None:
        self.variables = variables

    def variable(self, name: str) -> Any:
        """A variable's value."""
        return self.variables.get(name)

    def is_open(self, calendar: str) -> bool:
        """Open on even-length names."""
        return len(calendar) % 2 == 0

    def is_holiday(self, calendar: str) -> bool:
        """Never."""
        return False


@FUZZ
@given(text=texts, variables=st.dictionaries(st.sampled_from(["x", "caller", "y"]), values))
def test_expressions_compile_and_evaluate_within_bounds(
    text: str, variables: dict[str, Any]
) -> None:
    context = Context(variables)
    expression = attempt(compile_expression, text)
    if expression is not None:
        timed(expression.evaluate, context)
    template = attempt(compile_template, text)
    if template is not None:
        timed(template.render, context)


# -- documents --------------------------------------------------------------------------------
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=15,
)
FIELDS = sorted({name for kind in NODE_TYPES.values() for name in kind.model_fields} - {"type"})
big = st.sampled_from(
    [
        ["1"] * 10_000,
        list(range(10_000)),
        {f"k{i}": "v" for i in range(10_000)},
        {str(i % 10): "a" for i in range(10_000)},
        [{"when": "x", "goto": "a"}] * 10_000,
        "x" * 1_000_000,
        "²" * 64,
        "١٢٣",
        10**4000,
    ]
)
field_values = st.one_of(json_values, texts, big, st.sampled_from(["a", "b", "c"]))
nodes = st.fixed_dictionaries(
    {"type": st.sampled_from([*NODE_TYPES, "dance", 1, None])},
    optional={name: field_values for name in FIELDS},
)
documents = st.fixed_dictionaries(
    {
        "name": st.one_of(st.just("fuzz"), field_values),
        "start": st.sampled_from(["a", "b", "zz"]),
        "nodes": st.one_of(
            st.dictionaries(st.sampled_from(["a", "b", "c", "d é", "x" * 70]), nodes, max_size=5),
            field_values,
        ),
    },
    optional={"version": field_values, "description": field_values, "extra": field_values},
)
keys = st.sampled_from(["1", "2", "#", "*", "x", "²"])
names = st.sampled_from(["x", "y", "entered", "caller", "bad name", "x" * 70])
GOOD_EXPRESSIONS = [
    "x", "caller == '1'", "len(x) > 2", "str((x, x, x))", "upper(x) + 1", "int(x) < 10",
    "contains(str(x), '²')", "[x, [x, [x]]]", "not open('h') or holiday('h')", "{x} and {y}",
    "Your order {x} is {str((x, x))}", "lower(entered) in ('1', '²')",
]  # fmt: skip
expressions = st.one_of(st.sampled_from(GOOD_EXPRESSIONS), texts)
patterns = st.one_of(
    st.sampled_from(["(0*)*1", "[0-9]{4}", r"(\d)\1", "(?=1)", "1+", "²", "((1*)*)*2"]),
    st.text(alphabet="()*+?[]{}|\\^$.0123456789²", max_size=40),
)


def shaped(targets: st.SearchStrategy[str]) -> st.SearchStrategy[dict[str, Any]]:
    """Nodes with the right fields, so that many documents pass validation and also run."""
    shapes = {
        "say": st.fixed_dictionaries({"text": expressions, "next": targets}),
        "menu": st.fixed_dictionaries(
            {"say": expressions, "options": st.dictionaries(keys, targets, min_size=1, max_size=3)}
        ),
        "collect": st.fixed_dictionaries(
            {"into": names, "ok": targets, "pattern": patterns, "invalid": targets}
        ),
        "condition": st.fixed_dictionaries(
            {
                "cases": st.lists(
                    st.fixed_dictionaries({"when": expressions, "goto": targets}), max_size=3
                ),
                "default": targets,
            }
        ),
        "set": st.fixed_dictionaries(
            {
                "expressions": st.dictionaries(names, expressions, max_size=3),
                "variables": st.dictionaries(names, values.filter(_plain), max_size=3),
                "next": targets,
            }
        ),
        "lookup": st.fixed_dictionaries(
            {
                "webhook": st.sampled_from(
                    [
                        "https://crm.example/x",
                        "https://0177.0.0.1/",
                        "x",
                        "https://[::1/",
                        "https://h:p/",
                    ]
                ),
                "key": expressions,
                "into": st.dictionaries(names, st.text(max_size=5), max_size=3),
                "found": targets,
                "not_found": targets,
                "error": targets,
            }
        ),
        "callback": st.fixed_dictionaries({"queue": st.just("q"), "number": expressions}),
    }
    kinds = st.sampled_from(sorted(shapes))
    return kinds.flatmap(lambda kind: shapes[kind].map(lambda fields: {"type": kind, **fields}))


def _plain(value: Any) -> bool:
    return not isinstance(value, tuple)


shaped_documents = st.fixed_dictionaries(
    {
        "name": st.just("fuzz"),
        "start": st.just("a"),
        "nodes": st.fixed_dictionaries(
            {
                "a": shaped(st.sampled_from(["b", "c"])),
                "b": shaped(st.just("c")),
                "c": st.just({"type": "hangup"}),
            }
        ),
    }
)
yaml_texts = st.one_of(
    st.text(max_size=300),
    st.integers(1, 20_000).map(lambda n: "[" * n + "]" * n),
    st.integers(1, 20_000).map(lambda n: "{a: " * n + "1" + "}" * n),
    st.integers(1, 20_000).map(lambda n: "- " * n + "x"),
    st.just("name: x\nstart: a\nnodes:\n  a: {type: set, variables: {x: " + "1" * 5000 + "}}\n"),
    st.just("a: !!python/object/apply:os.system ['true']\n"),
    st.just(
        "name: bomb\nstart: a\nb0: &b0 [x, x, x, x, x, x, x, x, x, x]\n"
        + "".join(
            f"b{i}: &b{i} [*b{i - 1}, *b{i - 1}, *b{i - 1}, *b{i - 1}]\n" for i in range(1, 12)
        )
        + "nodes:\n  a: {type: condition, default: a, cases: *b11, description: *b11}\n"
    ),
    st.just("&a [*a]"),
    st.just("a: &a {b: *a}\nname: x\nstart: a\nnodes: *a\n"),
)


def check(document: Any) -> None:
    """Validate a document; run what passes for a few events."""
    checked = attempt(validate_flow, document)
    event("valid" if checked is not None else "refused")
    if checked is None:
        return
    run = FlowRun(checked.flow)
    happenings = [
        Started("+4930111", "+4930123", variables={"x": "v" * 100_000}),
        PromptDone(),
        DigitsCollected("1" * 64),
        DigitsCollected("²"),
        DigitsTimedOut(),
        LookupResult(True, {"a": "b" * 100_000}),
        LookupFailed("down"),
        QueueOutcome(QueueResult.TIMEOUT),
        CallerHungUp(),
    ]
    for happening in happenings:
        attempt(run.handle, happening, NOW, again=False)  # a run moves on: time it once


@FUZZ
@given(document=st.one_of(documents, shaped_documents))
def test_documents_validate_within_bounds(document: dict[str, Any]) -> None:
    check(document)
    try:
        text = json.dumps(document)
    except (ValueError, OverflowError):
        return  # not JSON (e.g. an integer past Python's digit limit)
    check(text)


@FUZZ
@given(text=yaml_texts)
def test_yaml_texts_validate_within_bounds(text: str) -> None:
    check(text)


@FUZZ
@given(document=st.one_of(documents, shaped_documents))
def test_yaml_dumps_validate_within_bounds(document: dict[str, Any]) -> None:
    try:
        text = yaml.dump(document, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper))
    except (yaml.YAMLError, ValueError):
        return
    check(text)


times = st.one_of(
    st.sampled_from(["08:00-18:00", "22:00-06:00", "00:00-24:00", "²8:00-18:00", "٠٨:00-18:00"]),
    st.text(alphabet="0123456789:-²٠٨ x", max_size=20),
    texts,
)


@FUZZ
@given(
    weekly=st.dictionaries(st.sampled_from(["mon", "sun", "xyz", ""]), st.lists(times, max_size=4)),
    zone=st.sampled_from(["Europe/Berlin", "UTC", "Mars/Base", "../etc", "", "x" * 300]),
    holidays=st.lists(st.one_of(st.dates().map(str), texts), max_size=3),
)
def test_calendars_build_within_bounds(
    weekly: dict[str, list[str]], zone: str, holidays: list[str]
) -> None:
    data = {"name": "h", "time_zone": zone, "weekly": weekly, "holidays": holidays}
    calendar = attempt(calendar_from_dict, data)
    if calendar is not None:
        timed(calendar.is_open, NOW)
