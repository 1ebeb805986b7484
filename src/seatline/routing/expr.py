"""The requirement language: a tiny, safe expression over agent skills and contact attributes.

    sales >= 3 and (contact.lang == "fr" or french > 0) and not trainee

Grammar (hand-written tokenizer + recursive descent; nothing is ever passed to `eval`):

    expr    := and ("or" and)*
    and     := not ("and" not)*
    not     := "not" not | compare
    compare := primary (("=="|"!="|"<"|"<="|">"|">=") primary)?
    primary := "(" expr ")" | NUMBER | STRING | "true" | "false" | NAME | "contact" "." NAME

A bare NAME is an agent skill level (missing skill = 0); `contact.NAME` is a contact attribute
(missing = None). Ordering between a number and a string is simply false, never an error.

Each expression compiles twice into closures: `matches(skills, attributes)` gives the exact
answer, and `could_match(skills)` answers with contact attributes unknown (three-valued logic),
which is how the engine precomputes the queues an agent may serve before any contact exists.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .errors import RequirementSyntaxError

Skills = Mapping[str, int]
Attributes = Mapping[str, Any]
_Value = Callable[[Skills, Attributes], Any]


class _Unknown:
    """A contact attribute whose value is not known yet (membership precomputation)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Any = _Unknown()

_KEYWORDS = {"and", "or", "not", "true", "false", "contact"}
_OPERATORS = ("==", "!=", "<=", ">=", "<", ">")
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # NUM, STR, NAME, OP, LP, RP, DOT, KW, END
    text: str
    position: int
    value: Any = None


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch.isdigit() or (ch == "." and i + 1 < n and text[i + 1].isdigit()):
            start = i
            while i < n and (text[i].isdigit() or text[i] == "."):
                i += 1
            literal = text[start:i]
            try:
                value: Any = float(literal) if "." in literal else int(literal)
            except ValueError:
                raise RequirementSyntaxError(f"bad number {literal!r}", text, start) from None
            tokens.append(_Token("NUM", literal, start, value))
        elif ch.isalpha() or ch == "_":
            start = i
            while i < n and (text[i].isalnum() or text[i] in "_-"):
                i += 1
            word = text[start:i]
            tokens.append(_Token("KW" if word in _KEYWORDS else "NAME", word, start))
        elif ch in "\"'":
            start = i
            end = text.find(ch, i + 1)
            if end < 0:
                raise RequirementSyntaxError("unterminated string", text, start)
            tokens.append(_Token("STR", text[start : end + 1], start, text[i + 1 : end]))
            i = end + 1
        elif ch == "(":
            tokens.append(_Token("LP", ch, i))
            i += 1
        elif ch == ")":
            tokens.append(_Token("RP", ch, i))
            i += 1
        elif ch == ".":
            tokens.append(_Token("DOT", ch, i))
            i += 1
        else:
            op = next((o for o in _OPERATORS if text.startswith(o, i)), None)
            if op is None:
                raise RequirementSyntaxError(f"unexpected character {ch!r}", text, i)
            tokens.append(_Token("OP", op, i))
            i += len(op)
    tokens.append(_Token("END", "", n))
    return tokens


# The parse tree is plain tuples: ("num", v) ("str", v) ("bool", v) ("skill", name)
# ("attr", name) ("cmp", op, left, right) ("and", l, r) ("or", l, r) ("not", x).
_Node = tuple[Any, ...]


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.index = 0

    def peek(self) -> _Token:
        return self.tokens[self.index]

    def take(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def fail(self, message: str, token: _Token) -> RequirementSyntaxError:
        found = "end of expression" if token.kind == "END" else repr(token.text)
        return RequirementSyntaxError(f"{message}, found {found}", self.text, token.position)

    def parse(self) -> _Node:
        node = self.parse_or()
        if self.peek().kind != "END":
            raise self.fail("expected 'and', 'or' or end", self.peek())
        return node

    def parse_or(self) -> _Node:
        node = self.parse_and()
        while self.peek().kind == "KW" and self.peek().text == "or":
            self.take()
            node = ("or", node, self.parse_and())
        return node

    def parse_and(self) -> _Node:
        node = self.parse_not()
        while self.peek().kind == "KW" and self.peek().text == "and":
            self.take()
            node = ("and", node, self.parse_not())
        return node

    def parse_not(self) -> _Node:
        if self.peek().kind == "KW" and self.peek().text == "not":
            self.take()
            return ("not", self.parse_not())
        return self.parse_compare()

    def parse_compare(self) -> _Node:
        left = self.parse_primary()
        if self.peek().kind == "OP":
            op = self.take().text
            return ("cmp", op, left, self.parse_primary())
        return left

    def parse_primary(self) -> _Node:
        token = self.take()
        if token.kind == "LP":
            node = self.parse_or()
            if self.peek().kind != "RP":
                raise self.fail("expected ')'", self.peek())
            self.take()
            return node
        if token.kind == "NUM":
            return ("num", token.value)
        if token.kind == "STR":
            return ("str", token.value)
        if token.kind == "NAME":
            return ("skill", token.text)
        if token.kind == "KW" and token.text in ("true", "false"):
            return ("bool", token.text == "true")
        if token.kind == "KW" and token.text == "contact":
            if self.peek().kind != "DOT":
                raise self.fail("expected '.' after 'contact'", self.peek())
            self.take()
            name = self.take()
            if name.kind not in ("NAME", "KW"):
                raise self.fail("expected an attribute name", name)
            return ("attr", name.text)
        raise self.fail("expected a value, a name or '('", token)


def _ordered(op: str) -> Callable[[Any, Any], bool]:
    compare = _COMPARE[op]
    if op in ("==", "!="):
        return compare

    def safe(left: Any, right: Any) -> bool:
        # Numbers compare with numbers and strings with strings; anything else is just false.
        left_num = isinstance(left, (int, float)) and not isinstance(left, bool)
        right_num = isinstance(right, (int, float)) and not isinstance(right, bool)
        if (left_num and right_num) or (isinstance(left, str) and isinstance(right, str)):
            return compare(left, right)
        return False

    return safe


def _truthy(value: Any) -> Any:
    if value is UNKNOWN:
        return UNKNOWN
    return bool(value)


def _compile(node: _Node, partial: bool) -> _Value:
    """Build a closure; with `partial`, contact attributes evaluate to UNKNOWN (Kleene logic)."""
    kind = node[0]
    if kind in ("num", "str", "bool"):
        constant = node[1]
        return lambda skills, attrs: constant
    if kind == "skill":
        name = node[1]
        return lambda skills, attrs: skills.get(name, 0)
    if kind == "attr":
        name = node[1]
        if partial:
            return lambda skills, attrs: UNKNOWN
        return lambda skills, attrs: attrs.get(name)
    if kind == "cmp":
        compare = _ordered(node[1])
        left, right = _compile(node[2], partial), _compile(node[3], partial)
        if not partial:
            return lambda skills, attrs: compare(left(skills, attrs), right(skills, attrs))

        def compare_partial(skills: Skills, attrs: Attributes) -> Any:
            a, b = left(skills, attrs), right(skills, attrs)
            return UNKNOWN if a is UNKNOWN or b is UNKNOWN else compare(a, b)

        return compare_partial
    if kind == "not":
        inner = _compile(node[1], partial)

        def negate(skills: Skills, attrs: Attributes) -> Any:
            value = _truthy(inner(skills, attrs))
            return UNKNOWN if value is UNKNOWN else not value

        return negate
    left, right = _compile(node[1], partial), _compile(node[2], partial)
    if kind == "and":

        def both(skills: Skills, attrs: Attributes) -> Any:
            a = _truthy(left(skills, attrs))
            if a is False:
                return False
            b = _truthy(right(skills, attrs))
            if b is False:
                return False
            return UNKNOWN if UNKNOWN in (a, b) else True

        return both

    def either(skills: Skills, attrs: Attributes) -> Any:
        a = _truthy(left(skills, attrs))
        if a is True:
            return True
        b = _truthy(right(skills, attrs))
        if b is True:
            return True
        return UNKNOWN if UNKNOWN in (a, b) else False

    return either


def _names(node: _Node, kind: str) -> list[str]:
    if node[0] == kind:
        return [node[1]]
    found: list[str] = []
    for child in node[1:]:
        if isinstance(child, tuple):
            found.extend(_names(child, kind))
    return found


_EMPTY: Mapping[str, Any] = {}


class Requirement:
    """A compiled requirement expression (parse once, evaluate many times)."""

    __slots__ = ("_exact", "_partial", "skills", "text", "uses_contact")

    def __init__(self, text: str) -> None:
        tree = _Parser(text).parse()
        self.text = text
        self.skills: tuple[str, ...] = tuple(dict.fromkeys(_names(tree, "skill")))
        self.uses_contact = bool(_names(tree, "attr"))
        self._exact = _compile(tree, partial=False)
        self._partial = _compile(tree, partial=True)

    def matches(self, skills: Skills, attributes: Attributes = _EMPTY) -> bool:
        """Exact answer for this agent's skills and this contact's attributes."""
        return bool(self._exact(skills, attributes))

    def could_match(self, skills: Skills) -> bool:
        """False only if no contact at all could satisfy it with these skills."""
        return _truthy(self._partial(skills, _EMPTY)) is not False

    def __repr__(self) -> str:
        return f"Requirement({self.text!r})"


def compile_requirement(text: str) -> Requirement:
    """Parse and compile `text`; raise `RequirementSyntaxError` naming the position."""
    return Requirement(text)
