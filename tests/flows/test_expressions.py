"""The expression language: what it computes, and everything it refuses."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from seatline.flows import ExpressionError, compile_expression, compile_template


@dataclass
class Env:
    """A context with plain variables and a fixed set of open calendars."""

    variables: dict[str, Any] = field(default_factory=dict)
    open_calendars: frozenset[str] = frozenset()
    holidays: frozenset[str] = frozenset()

    def variable(self, name: str) -> Any:
        return self.variables.get(name)

    def is_open(self, calendar: str) -> bool:
        return calendar in self.open_calendars

    def is_holiday(self, calendar: str) -> bool:
        return calendar in self.holidays


ENV = Env(
    {"caller": "+4930555", "vip": True, "order": "12345678", "tries": 2, "status": "shipped"},
    frozenset({"support-hours"}),
    frozenset({"xmas"}),
)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("vip", True),
        ("not vip", False),
        ("tries >= 2 and tries < 3", True),
        ("1 < tries < 2", False),
        ("caller == '+4930555'", True),
        ("status in ['shipped', 'delivered']", True),
        ("status not in ('lost',)", True),
        ("'ship' in status", True),
        ("starts_with(caller, '+49')", True),
        ("ends_with(caller, '555') and contains(caller, '305')", True),
        ("len(order) == 8", True),
        ("int(order) > 1000", True),
        ("int('12x')", None),
        ("upper(status)", "SHIPPED"),
        ("lower('ABC')", "abc"),
        ("str(tries)", "2"),
        ("open('support-hours')", True),
        ("open('other')", False),
        ("holiday('xmas') or false", True),
        ("missing", None),
        ("missing == none", True),
        ("missing or 'default'", "default"),
        ("vip and status", "shipped"),
        ("-3 < 0", True),
        ("1.5 >= 1", True),
        ("true != false", True),
        ("True and None", None),
    ],
)
def test_values(text: str, value: Any) -> None:
    assert compile_expression(text).evaluate(ENV) == value


@pytest.mark.parametrize(
    "text",
    [
        "tries > 'abc'",  # ordering mixed kinds is False, not an error
        "missing < 3",
        "len(tries) > 0",
        "starts_with(tries, 1)",
        "vip in 3",
    ],
)
def test_mixed_kinds_are_false_not_errors(text: str) -> None:
    assert compile_expression(text).test(ENV) is False


def test_names_and_calendars_are_known_after_compiling() -> None:
    expression = compile_expression("vip or (open('support-hours') and len(order) > 3)")
    assert expression.names == {"vip", "order"}
    assert expression.calendars == {"support-hours"}


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("caller.upper()", "attribute access is not allowed"),
        ("caller.__class__", "attribute access is not allowed"),
        ("().__class__.__bases__[0].__subclasses__()", "attribute access is not allowed"),
        ("__import__('os').system('id')", "attribute access is not allowed"),
        ("__import__('os')", "unknown function '__import__'"),
        ("__builtins__", "name '__builtins__' is not allowed"),
        ("_secret", "name '_secret' is not allowed"),
        ("eval('1')", "unknown function 'eval'"),
        ("exec('x=1')", "unknown function 'exec'"),
        ("getattr(caller, 'upper')", "unknown function 'getattr'"),
        ("open('/etc/passwd', 'r')", "open() takes one calendar name in quotes"),
        ("open(caller)", "open() takes one calendar name in quotes"),
        ("len(order, 2)", "len() takes 1 argument(s)"),
        ("len(*order)", "len() takes plain arguments only"),
        ("starts_with(s=caller, p='+')", "starts_with() takes plain arguments only"),
        ("order[0]", "indexing is not allowed"),
        ("lambda: 1", "lambdas are not allowed"),
        ("(x := 1)", "assignment is not allowed"),
        ("f'{caller}'", "f-strings are not allowed"),
        ("2 ** 1000000", "arithmetic is not allowed"),
        ("[x for x in order]", "ListComp is not allowed"),
        ("{'a': 1}", "Dict is not allowed"),
        ("1 if vip else 2", "conditional expressions are not allowed"),
        ("b'bytes'", "literal b'bytes' is not allowed"),
        ("1 is 1", "comparison Is is not allowed"),
        ("-vip", "only 'not' and a minus sign before a number are allowed"),
        ("vip and", "syntax error"),
        ("", "empty expression"),
        ("x = 1", "syntax error"),
        ("1; 2", "syntax error"),
    ],
)
def test_rejected(text: str, reason: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        compile_expression(text)
    assert caught.value.reason.startswith(reason)


def test_errors_point_at_the_offending_place() -> None:
    with pytest.raises(ExpressionError) as caught:
        compile_expression("  vip and caller.real")
    assert caught.value.position == 10
    assert str(caught.value) == (
        "attribute access is not allowed at position 10 in '  vip and caller.real'"
    )


def test_size_limits() -> None:
    with pytest.raises(ExpressionError, match="longer than"):
        compile_expression("vip or " * 100 + "vip")
    with pytest.raises(ExpressionError):
        compile_expression("(" * 400 + "1" + ")" * 400)
    with pytest.raises(ExpressionError, match="more than"):
        compile_expression("[" + "1," * 210 + "]")


def test_templates_render_values_for_speech() -> None:
    template = compile_template("Order {order} is {status}; VIP: {vip}; {{braces}} {missing}.")
    assert template.render(ENV) == "Order 12345678 is shipped; VIP: yes; {braces} ."
    assert template.names == {"order", "status", "vip", "missing"}
    assert compile_template("no placeholders").render(ENV) == "no placeholders"


@pytest.mark.parametrize(
    ("text", "position"),
    [("Hello {caller", 6), ("Hello } there", 6), ("Hi {caller.x}", 4), ("Hi {len()}", 4)],
)
def test_bad_templates_point_into_the_text(text: str, position: int) -> None:
    with pytest.raises(ExpressionError) as caught:
        compile_template(text)
    assert caught.value.position == position
    assert caught.value.text == text
