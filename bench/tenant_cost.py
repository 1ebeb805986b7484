"""Benchmark of what a tenant's flow costs the node at most: prints one JSON line of figures.

CPU time (`time.process_time`, milliseconds) of the worst inputs the bounds admit:

* `pattern_re_24_digits_ms` / `pattern_re2_64_digits_ms`: `(0*)*1` against zeros, in Python's
  backtracking `re` (24 digits, as 28 take seconds) and in RE2 (the collect maximum, 64);
* `largest_json_flow_ms`: validating a 1000-node flow whose expressions and spoken texts fill
  the flow's whole text budget (what the API checks before storing a flow);
* `largest_yaml_flow_ms`: reading and validating a YAML flow at the document limit;
* `refused_yaml_ms`: refusing a YAML alias bomb, deep nesting and a 100,000-entry list;
* `doubling_run_ms`: a run through 100 `set` nodes each doubling a value (bounded text).

Deterministic inputs; no randomness.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
import time
from collections.abc import Callable
from typing import Any

from seatline.flows import FlowError, FlowRun, Started, compile_pattern, validate_flow
from seatline.flows.build import MAX_FLOW_TEXT
from seatline.flows.validate import MAX_DOCUMENT_CHARS

NOW = dt.datetime(2026, 1, 13, 10, 0, tzinfo=dt.UTC)


def cpu_ms(call: Callable[[], Any], repeat: int = 3) -> float:
    """The least CPU time of `repeat` runs, in milliseconds."""
    best = float("inf")
    for _ in range(repeat):
        before = time.process_time()
        with contextlib.suppress(FlowError):
            call()
        best = min(best, time.process_time() - before)
    return round(best * 1000, 2)


def largest_json_flow() -> dict[str, Any]:
    """1000 nodes; conditions of dense 480-character expressions up to the text budget."""
    expression = " or ".join(f"starts_with(caller, '+49{i:03d}')" for i in range(14))
    nodes: dict[str, Any] = {}
    budget = MAX_FLOW_TEXT - 1000 * len("Hello {caller}.")  # what the say nodes take
    for i in range(999):
        cases = []
        while budget >= len(expression) and len(cases) < 50:
            cases.append({"when": expression, "goto": f"n{i + 1}"})
            budget -= len(expression)
        if cases:
            nodes[f"n{i}"] = {"type": "condition", "cases": cases, "default": f"n{i + 1}"}
        else:
            nodes[f"n{i}"] = {"type": "say", "text": "Hello {caller}.", "next": f"n{i + 1}"}
    nodes["n999"] = {"type": "hangup"}
    return {"name": "largest", "start": "n0", "nodes": nodes}


def largest_yaml_flow() -> str:
    """A YAML flow of 1000 say nodes (the node limit) with descriptions up to the size limit."""
    filler = "x" * (MAX_DOCUMENT_CHARS // 1000 - 90)
    nodes = [
        f"  n{i}:\n    type: say\n    description: {filler}\n    text: Hello {i}\n"
        f"    next: n{i + 1}"
        for i in range(999)
    ]
    return "name: largest\nstart: n0\nnodes:\n" + "\n".join(nodes) + "\n  n999: {type: hangup}\n"


def refused_yaml() -> list[str]:
    """Inputs refused before anything is built."""
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"b{i}: &b{i} [*{'a' if i == 0 else f'b{i - 1}'}] \n" for i in range(20)
    )
    return [bomb, "[" * 50_000 + "]" * 50_000, "[" + ", ".join(["1"] * 100_000) + "]"]


def doubling_flow() -> dict[str, Any]:
    """100 set nodes each making x twice as long, then a say of it."""
    nodes: dict[str, Any] = {
        f"s{i}": {"type": "set", "expressions": {"x": "str((x, x))"}, "next": f"s{i + 1}"}
        for i in range(99)
    }
    nodes["s99"] = {"type": "say", "text": "{x}"}
    return {"name": "doubling", "start": "s0", "nodes": nodes}


def main() -> None:
    """Print the figures."""
    backtracking = re.compile("(0*)*1")
    linear = compile_pattern("(0*)*1")
    json_flow, yaml_flow = largest_json_flow(), largest_yaml_flow()
    assert validate_flow(json_flow) and validate_flow(yaml_flow)  # both pass, in full
    doubling = validate_flow(doubling_flow()).flow
    figures = {
        "pattern_re_24_digits_ms": cpu_ms(lambda: backtracking.fullmatch("0" * 24), repeat=1),
        "pattern_re2_64_digits_ms": cpu_ms(lambda: linear.fullmatch("0" * 64)),
        "largest_json_flow_ms": cpu_ms(lambda: validate_flow(json_flow)),
        "largest_json_flow_bytes": len(json.dumps(json_flow)),
        "largest_yaml_flow_ms": cpu_ms(lambda: validate_flow(yaml_flow)),
        "largest_yaml_flow_chars": len(yaml_flow),
        "refused_yaml_ms": max(
            cpu_ms(lambda text=text: validate_flow(text)) for text in refused_yaml()
        ),
        "doubling_run_ms": cpu_ms(
            lambda: FlowRun(doubling).handle(Started("+4930111", "+4930123"), NOW)
        ),
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
