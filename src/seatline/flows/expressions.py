"""The flow expression language: a safe subset of Python expressions, never passed to `eval`.

    vip or (open('support-hours') and starts_with(caller, '+49') and len(order) == 8)

Python's own parser (`ast.parse`) reads the text; a whitelist walk then compiles each node into
a closure. Allowed: literals (str, int, float, True/False/None, also true/false/none), variable
names, lists/tuples, `and` `or` `not`, comparisons (also chained) with `in` / `not in`, unary
minus on a number, and calls of the functions in `FUNCTIONS`. Everything else (attributes,
indexing, keywords, lambdas, comprehensions, f-strings, names starting with `_`) is rejected
when the flow is validated, so a running flow never meets it.

Evaluation is total: a missing variable is None, ordering values of different types is False,
and functions given the wrong kind of value return a neutral result. A caller's input can
therefore never raise inside a running flow.

Evaluation is also bounded: there is no arithmetic (so no huge powers or repeated strings), an
expression has at most `MAX_NODES` parts, and every text an expression makes or a template
renders is cut at `MAX_TEXT_CHARS`. A flow that feeds a value back into itself through `set`
nodes therefore cannot grow it past that bound, however many times it goes round.
"""

from __future__ import annotations

import ast
import operator
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from .errors import ExpressionError

Value = str | int | float | bool | None | tuple[Any, ...]

MAX_LENGTH = 500  # expressions are written by people; a longer one is a mistake or an attack
MAX_NODES = 200
MAX_TEMPLATE_LENGTH = 2000  # a spoken text; longer ones belong in a recorded prompt
MAX_TEXT_CHARS = 2000  # the longest text a value may hold or a template may render
_CONSTANT_NAMES: dict[str, Value] = {"true": True, "false": False, "none": None}


class Context(Protocol):
    """What an expression may read: variables and the tenant's calendars at the current time."""

    def variable(self, name: str) -> Value:
        """The value of a variable (None when unset)."""
        ...

    def is_open(self, calendar: str) -> bool:
        """Whether the named calendar is open now (an unknown calendar is closed)."""
        ...

    def is_holiday(self, calendar: str) -> bool:
        """Whether today is a holiday in the named calendar."""
        ...


_Compiled = Callable[[Context], Value]


def clip(text: str) -> str:
    """`text` cut to `MAX_TEXT_CHARS`."""
    return text if len(text) <= MAX_TEXT_CHARS else text[:MAX_TEXT_CHARS]


def as_text(value: Value) -> str:
    """How a value reads in speech and in string functions (at most `MAX_TEXT_CHARS`)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return clip(str(int(value)) if value.is_integer() else str(value))
    if isinstance(value, int):
        return _integer_text(value)
    if isinstance(value, tuple):
        return _joined(", ", (as_text(item) for item in value))
    return clip(str(value))


def _integer_text(value: int) -> str:
    # str() refuses integers past 4300 digits; an integer that long is no number a caller hears.
    if value.bit_length() > 4 * MAX_TEXT_CHARS:
        return ""
    return clip(str(value))


def _joined(separator: str, pieces: Iterable[str]) -> str:
    """Join `pieces` until the text is `MAX_TEXT_CHARS` long (later pieces are not made)."""
    out: list[str] = []
    size = 0
    for piece in pieces:
        if out:
            out.append(separator)
            size += len(separator)
        out.append(piece)
        size += len(piece)
        if size >= MAX_TEXT_CHARS:
            break
    return clip("".join(out))


def _to_int(value: Value) -> Value:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value == value and abs(value) < 1e18 else None
    if isinstance(value, str):
        digits = value.strip()
        body = digits[1:] if digits[:1] in ("-", "+") else digits
        if body.isascii() and body.isdigit() and len(body) <= 18:
            return int(digits)
    return None


def _length(value: Value) -> Value:
    return len(value) if isinstance(value, str | tuple) else 0


def _strings(function: Callable[[str, str], bool]) -> Callable[[Value, Value], Value]:
    def call(text: Value, part: Value) -> Value:
        if isinstance(text, str) and isinstance(part, str):
            return function(text, part)
        return False

    return call


def _lower(value: Value) -> Value:
    return clip(value.lower()) if isinstance(value, str) else ""


def _upper(value: Value) -> Value:
    # Some letters grow when cased ('ß' → 'SS'), so the result is cut again.
    return clip(value.upper()) if isinstance(value, str) else ""


def _str(value: Value) -> Value:
    return as_text(value)


@dataclass(frozen=True, slots=True)
class _Function:
    arity: int
    call: Callable[..., Value]


#: The functions an expression may call, by name (calendar functions are handled apart).
FUNCTIONS: dict[str, _Function] = {
    "len": _Function(1, _length),
    "int": _Function(1, _to_int),
    "str": _Function(1, _str),
    "lower": _Function(1, _lower),
    "upper": _Function(1, _upper),
    "starts_with": _Function(2, _strings(str.startswith)),
    "ends_with": _Function(2, _strings(str.endswith)),
    "contains": _Function(2, _strings(operator.contains)),
}
#: Functions taking a calendar name as a literal string, answered by the `Context`.
CALENDAR_FUNCTIONS = ("open", "holiday")


def _ordered(compare: Callable[[Any, Any], bool]) -> Callable[[Value, Value], bool]:
    def call(left: Value, right: Value) -> bool:
        numbers = (int, float)
        if isinstance(left, numbers) and isinstance(right, numbers):
            return compare(left, right)
        if isinstance(left, str) and isinstance(right, str):
            return compare(left, right)
        return False  # None, bools and mixed kinds have no order

    return call


def _contained(item: Value, container: Value) -> bool:
    if isinstance(container, str):
        return isinstance(item, str) and item in container
    if isinstance(container, tuple):
        return item in container
    return False


_COMPARE: dict[type[ast.cmpop], Callable[[Value, Value], bool]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: _ordered(operator.lt),
    ast.LtE: _ordered(operator.le),
    ast.Gt: _ordered(operator.gt),
    ast.GtE: _ordered(operator.ge),
    ast.In: _contained,
    ast.NotIn: lambda item, container: not _contained(item, container),
}
_FORBIDDEN_TEXT = {
    ast.Attribute: "attribute access is not allowed",
    ast.Subscript: "indexing is not allowed",
    ast.Lambda: "lambdas are not allowed",
    ast.NamedExpr: "assignment is not allowed",
    ast.JoinedStr: "f-strings are not allowed",
    ast.BinOp: "arithmetic is not allowed",
    ast.IfExp: "conditional expressions are not allowed",
}


@dataclass(frozen=True, slots=True)
class Expression:
    """A compiled expression: its text, what it reads, and a safe evaluator."""

    text: str
    names: frozenset[str]
    calendars: frozenset[str]
    _run: _Compiled

    def evaluate(self, context: Context) -> Value:
        """The expression's value in `context` (never raises)."""
        return self._run(context)

    def test(self, context: Context) -> bool:
        """The expression's truth in `context` (for conditions)."""
        return bool(self._run(context))


class _Compiler:
    """One whitelist walk over a parsed expression."""

    def __init__(self, text: str, offset: int) -> None:
        self.text = text
        self.offset = offset  # blanks cut before parsing, so positions point into `text`
        self.names: set[str] = set()
        self.calendars: set[str] = set()

    def fail(self, reason: str, node: ast.AST | None = None) -> ExpressionError:
        column = getattr(node, "col_offset", None)
        position = None if column is None else self.offset + column
        return ExpressionError(reason, self.text, position)

    def compile(self, node: ast.AST) -> _Compiled:
        if isinstance(node, ast.Constant):
            return self._constant(node)
        if isinstance(node, ast.Name):
            return self._name(node)
        if isinstance(node, ast.BoolOp):
            return self._bool(node)
        if isinstance(node, ast.UnaryOp):
            return self._unary(node)
        if isinstance(node, ast.Compare):
            return self._compare(node)
        if isinstance(node, ast.Call):
            return self._call(node)
        if isinstance(node, ast.List | ast.Tuple):
            items = [self.compile(element) for element in node.elts]
            return lambda context: tuple(item(context) for item in items)
        reason = _FORBIDDEN_TEXT.get(type(node), f"{type(node).__name__} is not allowed")
        raise self.fail(reason, node)

    def _constant(self, node: ast.Constant) -> _Compiled:
        value = node.value
        if value is not None and not isinstance(value, str | int | float | bool):
            raise self.fail(f"literal {value!r} is not allowed", node)
        return lambda context: value

    def _name(self, node: ast.Name) -> _Compiled:
        name = node.id
        if name in _CONSTANT_NAMES:
            constant = _CONSTANT_NAMES[name]
            return lambda context: constant
        if name.startswith("_"):
            raise self.fail(f"name {name!r} is not allowed (names may not start with '_')", node)
        self.names.add(name)
        return lambda context: context.variable(name)

    def _bool(self, node: ast.BoolOp) -> _Compiled:
        parts = [self.compile(value) for value in node.values]
        if isinstance(node.op, ast.And):

            def both(context: Context) -> Value:
                result: Value = True
                for part in parts:
                    result = part(context)
                    if not result:
                        return result
                return result

            return both

        def either(context: Context) -> Value:
            result: Value = False
            for part in parts:
                result = part(context)
                if result:
                    return result
            return result

        return either

    def _unary(self, node: ast.UnaryOp) -> _Compiled:
        if isinstance(node.op, ast.Not):
            operand = self.compile(node.operand)
            return lambda context: not operand(context)
        literal = node.operand
        if (
            isinstance(node.op, ast.USub)
            and isinstance(literal, ast.Constant)
            and isinstance(literal.value, int | float)
            and not isinstance(literal.value, bool)
        ):
            negative = -literal.value
            return lambda context: negative
        raise self.fail("only 'not' and a minus sign before a number are allowed", node)

    def _compare(self, node: ast.Compare) -> _Compiled:
        operands = [self.compile(node.left)] + [self.compile(c) for c in node.comparators]
        tests: list[Callable[[Value, Value], bool]] = []
        for op in node.ops:
            test = _COMPARE.get(type(op))
            if test is None:
                raise self.fail(f"comparison {type(op).__name__} is not allowed", node)
            tests.append(test)

        def compare(context: Context) -> Value:
            left = operands[0](context)
            for test, operand in zip(tests, operands[1:], strict=True):
                right = operand(context)
                if not test(left, right):
                    return False
                left = right
            return True

        return compare

    def _call(self, node: ast.Call) -> _Compiled:
        if isinstance(node.func, ast.Attribute):
            raise self.fail("attribute access is not allowed", node.func)
        if not isinstance(node.func, ast.Name):
            raise self.fail("only plain function names can be called", node)
        name = node.func.id
        if node.keywords or any(isinstance(arg, ast.Starred) for arg in node.args):
            raise self.fail(f"{name}() takes plain arguments only", node)
        if name in CALENDAR_FUNCTIONS:
            return self._calendar(name, node)
        function = FUNCTIONS.get(name)
        if function is None:
            known = ", ".join(sorted([*FUNCTIONS, *CALENDAR_FUNCTIONS]))
            raise self.fail(f"unknown function {name!r} (known: {known})", node)
        if len(node.args) != function.arity:
            raise self.fail(f"{name}() takes {function.arity} argument(s)", node)
        args = [self.compile(arg) for arg in node.args]
        call = function.call
        return lambda context: call(*(arg(context) for arg in args))

    def _calendar(self, name: str, node: ast.Call) -> _Compiled:
        args = node.args
        if len(args) != 1 or not (
            isinstance(args[0], ast.Constant) and isinstance(args[0].value, str)
        ):
            raise self.fail(f"{name}() takes one calendar name in quotes", node)
        calendar = args[0].value
        self.calendars.add(calendar)
        if name == "open":
            return lambda context: context.is_open(calendar)
        return lambda context: context.is_holiday(calendar)


def _start(text: str) -> str:
    """The beginning of an over-long text, enough to recognise it in an error message."""
    return text[:60] + "…"


def _parse(text: str) -> tuple[ast.expr, int]:
    """The parsed body and how many leading blanks were cut (to report true positions)."""
    if not text.strip():
        raise ExpressionError("empty expression", text)
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"expression longer than {MAX_LENGTH} characters", _start(text))
    leading = len(text) - len(text.lstrip())
    try:
        with warnings.catch_warnings():
            # Python warns about odd literals ('\d', 1if); a tenant's text must not reach the log.
            warnings.simplefilter("ignore")
            tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as error:
        position = None if error.offset is None else leading + max(error.offset - 1, 0)
        raise ExpressionError(f"syntax error ({error.msg})", text, position) from None
    except (ValueError, RecursionError, MemoryError) as error:
        raise ExpressionError(f"cannot parse ({type(error).__name__})", text) from None
    if sum(1 for _ in ast.walk(tree)) > MAX_NODES:
        raise ExpressionError(f"expression has more than {MAX_NODES} parts", text)
    return tree.body, leading


def compile_expression(text: str) -> Expression:
    """Compile an expression, raising `ExpressionError` for anything outside the language."""
    if not isinstance(text, str):
        raise ExpressionError(f"expected text, got {type(text).__name__}", repr(text))
    body, leading = _parse(text)
    compiler = _Compiler(text, leading)
    run = compiler.compile(body)
    return Expression(text, frozenset(compiler.names), frozenset(compiler.calendars), run)


@dataclass(frozen=True, slots=True)
class Template:
    """Text with `{expression}` placeholders (`{{` and `}}` for literal braces)."""

    text: str
    parts: tuple[str | Expression, ...]

    @property
    def names(self) -> frozenset[str]:
        """The variables the template reads."""
        return frozenset().union(*(p.names for p in self.parts if isinstance(p, Expression)))

    @property
    def calendars(self) -> frozenset[str]:
        """The calendars the template consults."""
        return frozenset().union(*(p.calendars for p in self.parts if isinstance(p, Expression)))

    def render(self, context: Context) -> str:
        """The text with every placeholder replaced by its value (never raises; bounded)."""
        pieces = (p if isinstance(p, str) else as_text(p.evaluate(context)) for p in self.parts)
        return _joined("", pieces)


def _split_template(text: str) -> list[tuple[str, int, bool]]:
    """Cut a template into (text, position, is_expression) pieces."""
    pieces: list[tuple[str, int, bool]] = []
    literal: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in "{}" and text[i : i + 2] == ch * 2:
            literal.append(ch)
            i += 2
        elif ch == "}":
            raise ExpressionError("single '}' (write '}}' for a brace)", text, i)
        elif ch == "{":
            end = text.find("}", i + 1)
            if end < 0:
                raise ExpressionError("unclosed '{'", text, i)
            if literal:
                pieces.append(("".join(literal), i, False))
                literal = []
            pieces.append((text[i + 1 : end], i + 1, True))
            i = end + 1
        else:
            literal.append(ch)
            i += 1
    if literal:
        pieces.append(("".join(literal), n, False))
    return pieces


def compile_template(text: str) -> Template:
    """Compile a `say` text, raising `ExpressionError` for a bad placeholder."""
    if len(text) > MAX_TEMPLATE_LENGTH:
        raise ExpressionError(f"text longer than {MAX_TEMPLATE_LENGTH} characters", _start(text))
    parts: list[str | Expression] = []
    for piece, position, is_expression in _split_template(text):
        if not is_expression:
            parts.append(piece)
            continue
        try:
            expression = compile_expression(piece)
        except ExpressionError as error:
            inner = error.position
            where = position + inner if inner is not None else position
            raise ExpressionError(error.reason, text, where) from None
        parts.append(expression)
    return Template(text, tuple(parts))
