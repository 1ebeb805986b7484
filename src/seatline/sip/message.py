"""SIP messages on the wire: parse and serialize requests and responses (RFC 3261 §7).

Owns the start line, the header block (case-insensitive, multi-valued, compact forms, line
folding) and body framing by Content-Length for datagrams. Stream framing for TCP lives in
`framing.py`; the meaning of individual header values lives in `headers.py`. Nothing here
knows about transactions or sockets.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from seatline.sip.errors import SipParseError
from seatline.sip.headers import CSeq, NameAddr, Via, parse_cseq, parse_name_addr, parse_vias
from seatline.sip.syntax import is_digits, is_token, split_commas

# RFC 3261 §7.3.3 plus the compact forms registered later (RFC 3265, 3515, 3892, 4028, 4474...).
COMPACT_FORMS: dict[str, str] = {
    "a": "accept-contact",
    "b": "referred-by",
    "c": "content-type",
    "d": "request-disposition",
    "e": "content-encoding",
    "f": "from",
    "i": "call-id",
    "j": "reject-contact",
    "k": "supported",
    "l": "content-length",
    "m": "contact",
    "n": "identity-info",
    "o": "event",
    "r": "refer-to",
    "s": "subject",
    "t": "to",
    "u": "allow-events",
    "v": "via",
    "x": "session-expires",
    "y": "identity",
}

_MAX_CONTENT_LENGTH_DIGITS = 9  # 999 MB: anything longer is hostile, not a real body


_KEYS: dict[str, str] = {}
_KEYS_MAX = 4096  # names come from the network: bound the memo


def header_key(name: str) -> str:
    """Lower-case long form of a header name, used for every lookup."""
    key = _KEYS.get(name)
    if key is None:
        low = name.lower()
        key = COMPACT_FORMS.get(low, low)
        if len(_KEYS) < _KEYS_MAX and is_token(name):  # parse_head trusts memoised names
            _KEYS[name] = key
    return key


class Headers:
    """An ordered, case-insensitive, multi-valued header collection that keeps names as written."""

    __slots__ = ("_items",)

    def __init__(self, items: Iterable[tuple[str, str]] = ()) -> None:
        self._items: list[tuple[str, str, str]] = [(header_key(n), n, v) for n, v in items]

    def get(self, name: str, default: str | None = None) -> str | None:
        """Value of the first header line called `name`, or `default`."""
        key = header_key(name)
        for k, _, v in self._items:
            if k == key:
                return v
        return default

    def get_all(self, name: str) -> list[str]:
        """Values of every header line called `name`, in order (one entry per line)."""
        key = header_key(name)
        return [v for k, _, v in self._items if k == key]

    def get_list(self, name: str) -> list[str]:
        """Elements of a comma-separated header, across all its lines (§7.3.1)."""
        out: list[str] = []
        for value in self.get_all(name):
            out.extend(split_commas(value))
        return out

    def add(self, name: str, value: str) -> None:
        """Append a header line."""
        self._items.append((header_key(name), name, value))

    def prepend(self, name: str, value: str) -> None:
        """Insert a header line before the first line of the same name (or at the top)."""
        key = header_key(name)
        for i, (k, _, _) in enumerate(self._items):
            if k == key:
                self._items.insert(i, (key, name, value))
                return
        self._items.insert(0, (key, name, value))

    def set(self, name: str, value: str) -> None:
        """Replace every line called `name` by one line, kept where the first one was."""
        key = header_key(name)
        for i, (k, _, _) in enumerate(self._items):
            if k == key:
                self._items[i] = (key, name, value)
                self._items[i + 1 :] = [t for t in self._items[i + 1 :] if t[0] != key]
                return
        self._items.append((key, name, value))

    def replace_first(self, name: str, value: str) -> None:
        """Replace the value of the first line called `name` (e.g. the top Via) only."""
        key = header_key(name)
        for i, (k, n, _) in enumerate(self._items):
            if k == key:
                self._items[i] = (key, n, value)
                return
        raise KeyError(name)

    def remove_first(self, name: str) -> str | None:
        """Remove and return the first line called `name` (e.g. the top Via on a response)."""
        key = header_key(name)
        for i, (k, _, v) in enumerate(self._items):
            if k == key:
                del self._items[i]
                return v
        return None

    def remove(self, name: str) -> int:
        """Remove every line called `name`; return how many were removed."""
        key = header_key(name)
        before = len(self._items)
        self._items = [t for t in self._items if t[0] != key]
        return before - len(self._items)

    def copy(self) -> Headers:
        """A shallow copy that can be changed independently."""
        new = Headers()
        new._items = list(self._items)
        return new

    def items(self) -> list[tuple[str, str]]:
        """All `(name, value)` lines in order, names as written."""
        return [(n, v) for _, n, v in self._items]

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        key = header_key(name)
        return any(k == key for k, _, _ in self._items)

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self.items())

    def __len__(self) -> int:
        return len(self._items)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Headers):
            return NotImplemented
        return [(k, v) for k, _, v in self._items] == [(k, v) for k, _, v in other._items]

    def __repr__(self) -> str:
        return f"Headers({self.items()!r})"


class _MessageBase:
    """Header accessors shared by requests and responses."""

    headers: Headers
    body: bytes

    def start_line(self) -> str:
        """The Request-Line or Status-Line without its CRLF."""
        raise NotImplementedError

    def __bytes__(self) -> bytes:
        return _serialize(self.start_line(), self.headers, self.body)

    def _required(self, name: str) -> str:
        value = self.headers.get(name)
        if value is None:
            raise SipParseError(f"missing {name} header")
        return value

    @property
    def call_id(self) -> str:
        """The Call-ID (§20.8)."""
        return self._required("Call-ID")

    @property
    def cseq(self) -> CSeq:
        """The parsed CSeq (§20.16)."""
        return parse_cseq(self._required("CSeq"))

    @property
    def from_addr(self) -> NameAddr:
        """The parsed From header (§20.20)."""
        return parse_name_addr(self._required("From"))

    @property
    def to_addr(self) -> NameAddr:
        """The parsed To header (§20.39)."""
        return parse_name_addr(self._required("To"))

    @property
    def vias(self) -> list[Via]:
        """Every Via, top first, across all Via lines (§20.42)."""
        out: list[Via] = []
        for value in self.headers.get_all("Via"):
            out.extend(parse_vias(value))
        if not out:
            raise SipParseError("missing Via header")
        return out

    @property
    def top_via(self) -> Via:
        """The topmost Via."""
        first = self._required("Via")
        return parse_vias(first)[0]

    @property
    def branch(self) -> str | None:
        """The branch parameter of the top Via, if any."""
        return self.top_via.branch

    @property
    def content_type(self) -> str | None:
        """The media type of the body without parameters, lower-cased."""
        value = self.headers.get("Content-Type")
        if value is None:
            return None
        return value.split(";", 1)[0].strip().lower()


@dataclass(slots=True, eq=True)
class SipRequest(_MessageBase):
    """A SIP request: method, Request-URI, headers and body."""

    method: str
    uri: str
    headers: Headers = field(default_factory=Headers)
    body: bytes = b""
    version: str = "SIP/2.0"

    @classmethod
    def parse(cls, data: bytes) -> SipRequest:
        """Parse one request from a datagram; raise `SipParseError` if it is not a request."""
        msg = parse_message(data)
        if not isinstance(msg, SipRequest):
            raise SipParseError("expected a request, got a response")
        return msg

    def start_line(self) -> str:
        """The Request-Line without its CRLF."""
        return f"{self.method} {self.uri} {self.version}"


@dataclass(slots=True, eq=True)
class SipResponse(_MessageBase):
    """A SIP response: status code, reason phrase, headers and body."""

    status: int
    reason: str = ""
    headers: Headers = field(default_factory=Headers)
    body: bytes = b""
    version: str = "SIP/2.0"

    @classmethod
    def parse(cls, data: bytes) -> SipResponse:
        """Parse one response from a datagram; raise `SipParseError` if it is not a response."""
        msg = parse_message(data)
        if not isinstance(msg, SipResponse):
            raise SipParseError("expected a response, got a request")
        return msg

    def start_line(self) -> str:
        """The Status-Line without its CRLF."""
        return f"{self.version} {self.status} {self.reason}"


SipMessage = SipRequest | SipResponse


def _serialize(start: str, headers: Headers, body: bytes) -> bytes:
    # Content-Length is always written and always true: a stale value would break TCP framing.
    length = str(len(body))
    lines = [start]
    seen_length = False
    for key, name, value in headers._items:
        if key == "content-length":
            if seen_length:
                continue
            seen_length = True
            value = length
        lines.append(f"{name}: {value}")
    if not seen_length:
        lines.append(f"Content-Length: {length}")
    lines.append("\r\n")
    return "\r\n".join(lines).encode("utf-8", "surrogateescape") + body


def find_head_end(data: bytes | bytearray, start: int = 0) -> tuple[int, int]:
    """Return (end of header block, start of body), or (-1, -1) if the blank line is missing.

    CRLF is the rule; bare LF is tolerated because RFC 5118's examples (and some phones) use it.
    """
    crlf = data.find(b"\r\n\r\n", start)
    lf = data.find(b"\n\n", start)
    if crlf == -1 and lf == -1:
        return -1, -1
    if lf == -1 or (crlf != -1 and crlf < lf):
        return crlf, crlf + 4
    if data[lf - 1 : lf] == b"\r":  # "\r\n\n"
        return lf - 1, lf + 2
    return lf, lf + 2


def parse_head(head: bytes) -> SipMessage:
    """Parse a start line and header block (without the blank line); the body is left empty."""
    text = head.decode("utf-8", "surrogateescape")
    if "\r" in text:
        text = text.replace("\r\n", "\n")
    lines = text.split("\n")
    msg = _parse_start_line(lines[0])
    items = msg.headers._items
    for line in lines[1:]:
        if not line:
            raise SipParseError("empty line inside the header block")
        first = line[0]
        if first == " " or first == "\t":
            if not items:
                raise SipParseError("continuation line before the first header")
            key, name, value = items[-1]
            # §7.3.1: a folded line is equivalent to one SP joining the two parts.
            items[-1] = (key, name, f"{value} {line.strip()}" if value else line.strip())
            continue
        name, colon, value = line.partition(":")
        if not colon:
            raise SipParseError(f"header line without a colon: {line[:40]!r}")
        name = name.rstrip(" \t")
        known = _KEYS.get(name)  # memoised names were validated when first seen
        if known is None:
            if not is_token(name):
                raise SipParseError(f"bad header name {name[:40]!r}")
            known = header_key(name)
        items.append((known, name, value.strip(" \t")))
    return msg


def _parse_start_line(line: str) -> SipMessage:
    if line.startswith("SIP/"):
        parts = line.split(" ", 2)
        if len(parts) < 2:
            raise SipParseError("malformed status line")
        version, code = parts[0], parts[1]
        _check_version(version)
        if len(code) != 3 or not is_digits(code) or code[0] == "0":
            raise SipParseError(f"bad status code {code[:20]!r}")
        reason = parts[2] if len(parts) == 3 else ""
        return SipResponse(int(code), reason, Headers(), b"", version)
    parts = line.split(" ")
    if len(parts) != 3:
        raise SipParseError("malformed request line")
    method, uri, version = parts
    if not is_token(method):
        raise SipParseError(f"bad method {method[:40]!r}")
    if ":" not in uri or not uri[0].isalpha() or not uri.isprintable():
        raise SipParseError(f"bad Request-URI {uri[:60]!r}")
    _check_version(version)
    return SipRequest(method, uri, Headers(), b"", version)


def _check_version(version: str) -> None:
    if version == "SIP/2.0":
        return
    upper = version.upper()
    if upper == "SIP/2.0":
        return
    major, dot, minor = upper[4:].partition(".")
    if upper.startswith("SIP/") and dot and is_digits(major) and is_digits(minor):
        raise SipParseError(f"unsupported SIP version {version[:20]!r}", 505)
    raise SipParseError(f"malformed SIP version {version[:20]!r}")


def content_length(msg: SipMessage) -> int | None:
    """The Content-Length as an int, None if absent; `SipParseError` if malformed or conflicting."""
    values = msg.headers.get_all("Content-Length")
    if not values:
        return None
    if any(v != values[0] for v in values[1:]):
        raise SipParseError("conflicting Content-Length headers")
    text = values[0]
    if not is_digits(text):
        raise SipParseError(f"bad Content-Length {text[:20]!r}")
    if len(text.lstrip("0")) > _MAX_CONTENT_LENGTH_DIGITS:
        raise SipParseError("Content-Length too large", 413)
    return int(text)


def parse_message(data: bytes) -> SipMessage:
    """Parse one SIP message from a datagram (§18.3: bytes past Content-Length are dropped)."""
    start = 0
    while data.startswith(b"\r\n", start):  # §7.5: ignore CRLFs before the start line
        start += 2
    head_end, body_start = find_head_end(data, start)
    if head_end == -1:
        raise SipParseError("no blank line after the header block")
    msg = parse_head(data[start:head_end])
    length = content_length(msg)
    if length is None:
        msg.body = data[body_start:]
    else:
        if len(data) - body_start < length:
            raise SipParseError("message shorter than its Content-Length")
        msg.body = data[body_start : body_start + length]
    return msg
