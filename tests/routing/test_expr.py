"""The requirement language: parsing, evaluation, three-valued membership, syntax errors."""

from __future__ import annotations

import builtins

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seatline.routing import RequirementSyntaxError, RoutingError, compile_requirement


def test_comparisons_on_skill_levels_missing_skill_is_zero() -> None:
    requirement = compile_requirement("sales >= 3")
    assert requirement.matches({"sales": 3})
    assert not requirement.matches({"sales": 2})
    assert not requirement.matches({})
    assert compile_requirement("french == 0").matches({})


def test_and_binds_tighter_than_or_and_parentheses_override() -> None:
    loose = compile_requirement("a > 0 or b > 0 and c > 0")
    tight = compile_requirement("(a > 0 or b > 0) and c > 0")
    assert loose.matches({"a": 1})
    assert not tight.matches({"a": 1})
    assert tight.matches({"a": 1, "c": 1})


def test_not_and_bare_names_are_truthy_levels() -> None:
    requirement = compile_requirement("not trainee and support")
    assert requirement.matches({"support": 2})
    assert not requirement.matches({"support": 2, "trainee": 1})
    assert not requirement.matches({})


def test_contact_attributes_and_strings() -> None:
    requirement = compile_requirement("contact.lang == 'fr' and french >= 2 or contact.vip")
    assert requirement.matches({"french": 2}, {"lang": "fr"})
    assert not requirement.matches({"french": 1}, {"lang": "fr"})
    assert requirement.matches({}, {"vip": True})
    assert not requirement.matches({"french": 5}, {"lang": "de"})
    assert not requirement.matches({"french": 5}, {})  # missing attribute is None


def test_ordering_between_mismatched_types_is_false_not_an_error() -> None:
    assert not compile_requirement("contact.tier > 2").matches({}, {"tier": "gold"})
    assert compile_requirement('contact.tier == "gold"').matches({}, {"tier": "gold"})
    assert compile_requirement("contact.amount >= 10.5").matches({}, {"amount": 11})
    assert compile_requirement("true and not false").matches({})


def test_could_match_treats_contact_attributes_as_unknown() -> None:
    requirement = compile_requirement("sales >= 3 and (contact.lang == 'fr' or french > 0)")
    assert requirement.could_match({"sales": 3})  # a French-speaking contact would match
    assert not requirement.could_match({"sales": 2})  # no contact can make sales >= 3 true
    assert requirement.uses_contact
    assert requirement.skills == ("sales", "french")
    negated = compile_requirement("not contact.blocked")
    assert negated.could_match({})


@pytest.mark.parametrize(
    ("text", "position", "reason"),
    [
        ("sales >=", 8, "expected a value"),
        ("(sales > 1", 10, "expected ')'"),
        ("sales > 1)", 9, "expected 'and', 'or' or end"),
        ("sales @ 1", 6, "unexpected character '@'"),
        ("contact.", 8, "expected an attribute name"),
        ("contact lang", 8, "expected '.'"),
        ("'open", 0, "unterminated string"),
        ("sales > 1.2.3", 8, "bad number"),
        ("", 0, "expected a value"),
        ("a and or b", 6, "expected a value"),
    ],
)
def test_syntax_errors_name_the_position(text: str, position: int, reason: str) -> None:
    with pytest.raises(RequirementSyntaxError) as caught:
        compile_requirement(text)
    assert caught.value.position == position
    assert reason in caught.value.reason
    assert f"at position {position}" in str(caught.value)
    assert isinstance(caught.value, RoutingError)


def test_python_code_is_not_evaluated(monkeypatch: pytest.MonkeyPatch) -> None:
    def forbidden(*args: object) -> None:
        raise AssertionError("eval/exec must never be used")

    monkeypatch.setattr(builtins, "eval", forbidden)
    monkeypatch.setattr(builtins, "exec", forbidden)
    assert compile_requirement("a > 1 and contact.x == 'y'").matches({"a": 2}, {"x": "y"})
    for hostile in ("__import__('os').system('true')", "a.__class__", "[1]", "a + 1 > 0"):
        with pytest.raises(RequirementSyntaxError):
            compile_requirement(hostile)


@settings(max_examples=60, deadline=None)
@given(a=st.integers(0, 5), b=st.integers(0, 5), threshold=st.integers(0, 5))
def test_evaluation_agrees_with_python_semantics(a: int, b: int, threshold: int) -> None:
    text = f"not (a >= {threshold}) or b < {threshold} and a != b"
    expected = (not (a >= threshold)) or (b < threshold and a != b)
    assert compile_requirement(text).matches({"a": a, "b": b}) is expected


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet="ab01 ()<>=!'\".andortcx_", max_size=20))
def test_garbage_parses_or_raises_syntax_error(text: str) -> None:
    try:
        requirement = compile_requirement(text)
    except RequirementSyntaxError as error:
        assert 0 <= error.position <= len(text)
    else:
        requirement.matches({"a": 1}, {"x": "y"})
