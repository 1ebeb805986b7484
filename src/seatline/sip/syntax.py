"""Small lexical helpers shared by the SIP parsers (RFC 3261 §25.1).

Tokens, quoted strings with backslash escapes, comma lists and `;name=value` parameter
lists. Everything works on `str` and splits with `str` methods: no per-character loops
on the hot path.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from seatline.sip.errors import SipParseError

# RFC 3261 §25.1: token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~")
# One C-level fullmatch per token is far cheaper than a Python loop over its characters.
_TOKEN = re.compile(r"[A-Za-z0-9\-.!%*_+`'~]+")

Params = tuple[tuple[str, str | None], ...]


def is_digits(text: str) -> bool:
    """Whether `text` is one or more ASCII digits (`str.isdigit` also takes '²' and '٣')."""
    return text.isascii() and text.isdigit()


def is_token(text: str) -> bool:
    """Whether `text` is a non-empty RFC 3261 token."""
    return _TOKEN.fullmatch(text) is not None


def quote(text: str) -> str:
    """Wrap `text` in double quotes, escaping backslash and double quote."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def unquote(text: str) -> str:
    """Remove surrounding double quotes and resolve `\\x` escapes; other text is returned as is."""
    if len(text) < 2 or text[0] != '"' or text[-1] != '"':
        return text
    inner = text[1:-1]
    if "\\" not in inner:
        return inner
    out: list[str] = []
    i = 0
    while i < len(inner):
        c = inner[i]
        if c == "\\" and i + 1 < len(inner):
            out.append(inner[i + 1])
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


# One scan finds, left to right, a whole quoted string (with its \\-escapes), a whole
# <...> URI, a separator, or a lone opening quote / bracket that never closes. Separators
# inside the first two are skipped as a block, so splitting is one linear pass however
# many elements the value has (finding 18 of issue 11: a rescan per element was quadratic).
MAX_LIST = 1000  # elements of one header value, or parameters of one element or URI


def check_list_size(text: str, sep: str) -> None:
    """Refuse a value with more than `MAX_LIST` parts: no real message comes near, and each
    part costs Python work, so 10,000 of them would hold the event loop for tens of ms."""
    if text.count(sep) >= MAX_LIST:
        raise SipParseError(f"more than {MAX_LIST} list elements or parameters")


def _scanner(sep: str) -> re.Pattern[str]:
    return re.compile(r'(?s)"[^"\\]*(?:\\.[^"\\]*)*"|<[^>]*>|' + re.escape(sep) + r'|["<]')


_SCANNERS = {sep: _scanner(sep) for sep in ",;"}


def split_unquoted(text: str, sep: str) -> list[str]:
    """Split `text` on `sep` outside quoted strings and angle brackets, stripping each part.

    An unterminated quoted string raises `SipParseError`; an unterminated `<` runs to the end.
    """
    if sep not in text:
        return [text.strip()]
    check_list_size(text, sep)
    if '"' not in text and "<" not in text:
        return [part.strip() for part in text.split(sep)]
    scanner = _SCANNERS.get(sep) or _scanner(sep)
    parts: list[str] = []
    start = 0
    for match in scanner.finditer(text):
        found = match.group()
        if found == sep:
            parts.append(text[start : match.start()].strip())
            start = match.end()
        elif found == '"':
            raise SipParseError("unbalanced quotes")
        elif found == "<":
            break
    parts.append(text[start:].strip())
    return parts


def split_commas(text: str) -> list[str]:
    """Split a comma-separated header value into its non-empty elements (§7.3.1)."""
    return [p for p in split_unquoted(text, ",") if p]


def parse_params(text: str) -> Params:
    """Parse `;a=1;b;c="x"` (leading `;` optional) into `(name, value)` pairs, names as written."""
    out: list[tuple[str, str | None]] = []
    for part in split_unquoted(text, ";"):
        if not part:
            continue
        name, eq, value = part.partition("=")
        name = name.strip()
        if not is_token(name):
            raise SipParseError(f"bad parameter name {name!r}")
        out.append((name, value.strip() if eq else None))
    return tuple(out)


def format_params(params: Iterable[tuple[str, str | None]]) -> str:
    """Render parameter pairs as `;a=1;b`."""
    return "".join(f";{k}" if v is None else f";{k}={v}" for k, v in params)


def get_param(params: Params, name: str) -> str | None:
    """Value of the first parameter called `name` (case-insensitive); '' for a bare flag."""
    low = name.lower()
    for k, v in params:
        if k.lower() == low:
            return "" if v is None else v
    return None


def has_param(params: Params, name: str) -> bool:
    """Whether a parameter called `name` (case-insensitive) is present."""
    low = name.lower()
    return any(k.lower() == low for k, _ in params)


def set_param(params: Params, name: str, value: str | None) -> Params:
    """Return `params` with `name` set to `value`, replacing an existing entry in place."""
    low = name.lower()
    out = list(params)
    for i, (k, _) in enumerate(out):
        if k.lower() == low:
            out[i] = (k, value)
            return tuple(out)
    out.append((name, value))
    return tuple(out)


def split_host_port(text: str) -> tuple[str, int | None]:
    """Split `host[:port]` (IPv6 references in brackets) into host and port; validate the port."""
    if text.startswith("["):
        end = text.find("]")
        if end == -1:
            raise SipParseError(f"unterminated IPv6 reference {text[:60]!r}")
        host, rest = text[: end + 1], text[end + 1 :]
        if rest and not rest.startswith(":"):
            raise SipParseError(f"junk after IPv6 reference {text[:60]!r}")
        port_text = rest[1:] if rest else None
    else:
        host, colon, port_text_ = text.partition(":")
        port_text = port_text_ if colon else None
    if not host:
        raise SipParseError("empty host")
    if port_text is None:
        return host, None
    if not is_digits(port_text) or len(port_text) > 5:
        raise SipParseError(f"bad port {port_text[:20]!r}")
    port = int(port_text)
    if port > 65535:
        raise SipParseError(f"port out of range {port}")
    return host, port


def format_host_port(host: str, port: int | None) -> str:
    """Render host and optional port; a bare IPv6 address gets its brackets."""
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return host if port is None else f"{host}:{port}"
