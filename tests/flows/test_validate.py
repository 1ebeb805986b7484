"""Validation: every problem is reported, and each message names its node (and field)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from seatline.flows import DialRules, FlowError, FlowValidationError, Issue, validate_flow
from seatline.flows.model import CollectNode, MenuNode

from .conftest import demo_text, document

HANGUP = {"type": "hangup"}


def problems(doc: Any, **kwargs: Any) -> list[str]:
    """The messages of the validation error a document raises."""
    with pytest.raises(FlowValidationError) as caught:
        validate_flow(doc, **kwargs)
    return [str(issue) for issue in caught.value.issues]


def test_demo_flow_validates_without_warnings() -> None:
    checked = validate_flow(demo_text(), calendars={"support-hours"})
    assert checked.warnings == ()
    assert checked.flow.start == "hours"
    menu = checked.flow.nodes["main-menu"]
    assert isinstance(menu, MenuNode) and menu.options == {"1": "ask-order", "2": "support"}
    collect = checked.flow.nodes["ask-order"]
    assert isinstance(collect, CollectNode) and collect.pattern is not None


def test_json_documents_are_read_too() -> None:
    text = json.dumps(document({"a": {"type": "say", "text": "hi", "next": "b"}, "b": HANGUP}))
    assert set(validate_flow(text).flow.nodes) == {"a", "b"}


def test_branch_to_unknown_node_names_node_and_branch() -> None:
    doc = document(
        {
            "main-menu": {"type": "menu", "say": "hi", "options": {"1": "x", "3": "billing"}},
            "x": HANGUP,
        },
        start="main-menu",
    )
    assert problems(doc) == ["node 'main-menu': branch '3' goes to unknown node 'billing'"]


def test_missing_start_node() -> None:
    assert problems(document({"b": HANGUP}, start="a")) == [
        "flow: field 'start': start node 'a' is not defined"
    ]


def test_unknown_and_missing_node_types() -> None:
    found = problems(document({"a": {"type": "dance"}, "b": {"next": "a"}}))
    assert found[0].startswith("node 'a': field 'type': unknown node type 'dance' (known: play")
    assert found[1].startswith("node 'b': field 'type': missing node type")


def test_shape_errors_name_node_and_field() -> None:
    found = problems(
        document(
            {
                "a": {"type": "play", "promt": "x.wav"},
                "b": {"type": "menu", "options": {"1": "a"}, "retries": -1},
            }
        )
    )
    assert "node 'a': field 'prompt': field required" in found
    assert "node 'a': field 'promt': unknown field" in found
    assert any(f.startswith("node 'b': field 'retries': input should be greater") for f in found)


def test_unreachable_nodes_are_warnings() -> None:
    checked = validate_flow(document({"a": HANGUP, "lonely": HANGUP}))
    assert [str(w) for w in checked.warnings] == ["node 'lonely': unreachable from the start node"]


def test_bad_regex_names_node_and_field() -> None:
    doc = document(
        {"a": {"type": "collect", "into": "pin", "pattern": "[0-9", "ok": "b"}, "b": HANGUP}
    )
    (message,) = problems(doc)
    assert message.startswith("node 'a': field 'pattern': bad regular expression '[0-9'")


def test_bad_expression_names_node_and_case() -> None:
    doc = document(
        {
            "a": {
                "type": "condition",
                "cases": [
                    {"when": "vip and", "goto": "b"},
                    {"when": "caller.upper()", "goto": "b"},
                ],
                "default": "b",
            },
            "b": HANGUP,
        }
    )
    found = problems(doc)
    assert found[0].startswith("node 'a': field 'cases[0].when': syntax error")
    assert found[1].startswith("node 'a': field 'cases[1].when': attribute access is not allowed")


def test_bad_template_names_node() -> None:
    doc = document({"a": {"type": "say", "text": "Order {order.__class__}"}})
    (message,) = problems(doc)
    assert message.startswith("node 'a': field 'text': attribute access is not allowed")


def test_loop_without_input_node_is_an_error() -> None:
    doc = document(
        {
            "a": {"type": "say", "text": "hello", "next": "b"},
            "b": {"type": "set", "variables": {"n": 1}, "next": "c"},
            "c": {"type": "condition", "cases": [{"when": "n == 1", "goto": "a"}], "default": "d"},
            "d": HANGUP,
        }
    )
    assert problems(doc) == [
        "node 'a': loop through 'a', 'b', 'c' has no menu or collect node, so it would never end"
    ]


def test_self_loop_without_input_node_is_an_error() -> None:
    doc = document({"a": {"type": "play", "prompt": "music.wav", "next": "a"}})
    assert problems(doc) == [
        "node 'a': loop through 'a' has no menu or collect node, so it would never end"
    ]


def test_loop_through_a_menu_is_fine() -> None:
    doc = document(
        {
            "a": {
                "type": "menu",
                "say": "1 for news, 9 to repeat",
                "options": {"1": "b", "9": "a"},
            },
            "b": {"type": "say", "text": "news", "next": "a"},
        }
    )
    assert validate_flow(doc).warnings == ()


def test_node_rules() -> None:
    found = problems(
        document(
            {
                "a": {"type": "menu", "say": "x", "prompt": "x.wav", "options": {"12": "b"}},
                "b": {
                    "type": "collect",
                    "into": "caller",
                    "ok": "c",
                    "min_length": 5,
                    "max_length": 4,
                    "terminator": "x",
                },
                "c": {"type": "set", "variables": {"vip": True, "2bad": 1}, "skills": {"s": 11}},
                "d": {"type": "enqueue", "queue": "support", "outcomes": {"answered": "a"}},
                "e": {"type": "enqueue", "queue": "support", "outcomes": {"lost": "a"}},
                "bad name!": HANGUP,
            }
        )
    )
    expected = [
        "node 'a': give either 'prompt' (a file) or 'say' (a text), not both",
        "node 'a': field 'options': option '12' is not one DTMF key (0-9, * or #)",
        "node 'b': field 'into': variable 'caller' is reserved",
        "node 'b': field 'min_length': min_length 5 > max_length 4",
        "node 'b': field 'terminator': terminator 'x' is not one DTMF key",
        "node 'c': field 'variables': variable 'vip' is reserved",
        "node 'c': field 'variables': bad variable name '2bad'",
        "node 'c': field 'skills': skill 's' level 11 is not in 0..10",
        "node 'd': field 'outcomes': an answered contact ends the flow; 'answered' takes no branch",
        "node 'bad name!': node names are 1-64 letters, digits, '_', '.' or '-'",
    ]
    for message in expected:
        assert message in found
    assert any(m.startswith("node 'e': field 'outcomes.lost.[key]'") for m in found)


def test_lookup_sources() -> None:
    def lookup(**source: Any) -> dict[str, Any]:
        node = {"type": "lookup", "key": "caller", "found": "z", "not_found": "z", "error": "z"}
        return document({"a": {**node, **source}, "z": HANGUP})

    assert problems(lookup(webhook="http://crm.example/orders")) == [
        "node 'a': field 'webhook': webhook 'http://crm.example/orders' must be an https URL"
        " with a host"
    ]
    assert problems(lookup()) == ["node 'a': give exactly one source: 'table' or 'webhook'"]
    assert problems(lookup(table="orders", webhook="https://x")) == [
        "node 'a': give exactly one source: 'table' or 'webhook'"
    ]
    assert validate_flow(lookup(webhook="https://crm.example/orders", timeout_seconds=2))
    assert problems(lookup(table="orders", into={"_x": "status"})) == [
        "node 'a': field 'into': bad variable name '_x'"
    ]


def test_transfers_follow_the_dial_rules() -> None:
    doc = document({"a": {"type": "transfer", "number": "+493012345"}})
    rules = DialRules(allowed=("+4930*",), denied=("+49309*",))
    assert validate_flow(doc, dial_rules=rules)
    assert problems(doc, dial_rules=DialRules(allowed=("+33*",))) == [
        "node 'a': field 'number': transfer to '+493012345' is not allowed by the dial rules"
    ]
    denied = document({"a": {"type": "transfer", "number": "+493091111"}})
    assert len(problems(denied, dial_rules=rules)) == 1
    assert problems(document({"a": {"type": "transfer", "number": "sip:x@y"}})) == [
        "node 'a': field 'number': 'sip:x@y' is not a phone number"
    ]


def test_unknown_calendar_when_calendars_are_known() -> None:
    doc = document(
        {
            "a": {
                "type": "condition",
                "cases": [{"when": "open('office')", "goto": "b"}],
                "default": "b",
            },
            "b": {"type": "say", "text": "{holiday('xmas')}"},
        }
    )
    assert validate_flow(doc)  # names are checked at run time when not given
    assert problems(doc, calendars={"support-hours"}) == [
        "node 'a': field 'cases[0].when': unknown calendar 'office'",
        "node 'b': field 'text': unknown calendar 'xmas'",
    ]


def test_every_problem_is_collected_at_once() -> None:
    doc = document(
        {
            "a": {"type": "say", "text": "{", "next": "b"},
            "b": {"type": "collect", "into": "x", "ok": "nowhere", "pattern": "("},
        }
    )
    found = problems(doc)
    assert len(found) == 3
    assert {f.split(":")[0] for f in found} == {"node 'a'", "node 'b'"}


def test_not_a_document() -> None:
    assert problems("a: [1, 2")[0].startswith("flow: not valid YAML or JSON")
    assert problems("- just a list") == ["flow: a flow document must be a mapping"]
    assert problems({"name": "x", "start": "a", "nodes": {}}) == [
        "flow: field 'nodes': dictionary should have at least 1 item after validation, not 0"
    ]


def test_error_classes() -> None:
    error = FlowValidationError([Issue("a", "broken", "next"), Issue(None, "odd")])
    assert isinstance(error, FlowError) and isinstance(error, ValueError)
    assert str(error) == "2 problems in flow:\n  - node 'a': field 'next': broken\n  - flow: odd"


def test_unquoted_menu_keys_and_odd_nodes() -> None:
    text = """
name: keys
start: menu
nodes:
  menu:
    type: menu
    say: Press 1
    options:
      1: bye
      "*": bye
  bye:
    type: hangup
"""
    menu = validate_flow(text).flow.nodes["menu"]
    assert isinstance(menu, MenuNode) and menu.options == {"1": "bye", "*": "bye"}
    assert problems(document({"a": "hangup"})) == [
        "node 'a': expected a mapping of fields, got str"
    ]


def test_huge_documents_are_refused() -> None:
    assert problems("#" * 256_001) == ["flow: a flow document is limited to 256000 characters"]


def test_aliases_and_deep_or_wide_yaml_are_refused_before_they_are_built() -> None:
    bomb = "a: &a [x, x]\nb: &b [*a, *a]\nname: x\nstart: a\nnodes: {a: {type: hangup}}\n"
    assert problems(bomb) == ["flow: YAML aliases (*name) are not allowed in a flow"]
    assert problems("[" * 40 + "]" * 40) == ["flow: the document nests deeper than 32 levels"]
    wide = "name: x\nnodes: [" + ", ".join(["1"] * 1001) + "]\n"
    assert problems(wide) == ["flow: a list or mapping has more than 1000 entries"]
    assert problems("a: " + "1" * 5000) == ["flow: not a usable document: ValueError"]
