"""SIP, SIPS and tel URIs: parse, render and compare (RFC 3261 §19.1, RFC 3966).

User and password are kept escaped as written (so rendering is faithful); comparison
unescapes them first, as §19.1.4 requires. Any other scheme parses to `AbsoluteUri`, which a
UAS answers with 416 when it appears as a Request-URI.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from seatline.sip.errors import SipParseError
from seatline.sip.syntax import (
    Params,
    check_list_size,
    format_host_port,
    format_params,
    get_param,
    set_param,
    split_host_port,
)

_SCHEME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.")
_HOST_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._")
_IPV6_CHARS = frozenset("0123456789abcdefABCDEF:.")
_HEX = frozenset("0123456789abcdefABCDEF")
# §19.1.4: these parameters must match when present in either URI.
_STRICT_PARAMS = ("user", "ttl", "method", "maddr", "transport")
_TEL_SEPARATORS = str.maketrans("", "", "-.()")


def unescape(text: str) -> str:
    """Resolve %HH escapes (as UTF-8 where possible); a malformed escape raises."""
    if "%" not in text:
        return text
    out = bytearray()
    i = 0
    raw = text.encode("utf-8", "surrogateescape")
    n = len(raw)
    while i < n:
        b = raw[i]
        if b == 0x25:  # "%"
            pair = raw[i + 1 : i + 3].decode("ascii", "replace")
            if len(pair) != 2 or not set(pair) <= _HEX:
                raise SipParseError(f"bad %-escape in {text[:60]!r}")
            out.append(int(pair, 16))
            i += 3
        else:
            out.append(b)
            i += 1
    return out.decode("utf-8", "surrogateescape")


_USER_SAFE = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.!~*'()&=+$,;?/"
)


def escape_user(text: str) -> str:
    """Escape a user part for use in a SIP URI (§25.1 `user`)."""
    if all(c in _USER_SAFE for c in text):
        return text
    return "".join(
        c if c in _USER_SAFE else "".join(f"%{b:02X}" for b in c.encode("utf-8")) for c in text
    )


def _check_host(host: str) -> None:
    if host.startswith("["):
        if not host.endswith("]") or not set(host[1:-1]) <= _IPV6_CHARS or ":" not in host:
            raise SipParseError(f"bad IPv6 reference {host[:60]!r}")
    elif not set(host) <= _HOST_CHARS:
        raise SipParseError(f"bad host {host[:60]!r}")


@dataclass(frozen=True, slots=True)
class SipUri:
    """A `sip:` or `sips:` URI with user, password, host, port, params and headers."""

    host: str
    user: str | None = None
    port: int | None = None
    params: Params = ()
    headers: tuple[tuple[str, str], ...] = ()
    password: str | None = None
    scheme: str = "sip"

    @property
    def transport(self) -> str | None:
        """The transport parameter, lower-cased, or None."""
        value = get_param(self.params, "transport")
        return value.lower() if value else None

    @property
    def lr(self) -> bool:
        """Whether this is a loose-routing URI (Route entries, §16.12)."""
        return get_param(self.params, "lr") is not None

    @property
    def maddr(self) -> str | None:
        """The maddr parameter, or None."""
        return get_param(self.params, "maddr")

    @property
    def host_port(self) -> str:
        """`host[:port]` as it appears in the URI."""
        return format_host_port(self.host, self.port)

    def param(self, name: str) -> str | None:
        """A URI parameter's value ('' for a flag), or None."""
        return get_param(self.params, name)

    def with_param(self, name: str, value: str | None) -> SipUri:
        """A copy with parameter `name` set."""
        return replace(self, params=set_param(self.params, name, value))

    def without_headers(self) -> SipUri:
        """A copy without the `?header` part (what a Request-URI may carry, §19.1.5)."""
        return replace(self, headers=())

    def equivalent(self, other: object) -> bool:
        """URI equality by the rules of RFC 3261 §19.1.4."""
        if not isinstance(other, SipUri) or self.scheme != other.scheme:
            return False
        if _unesc(self.user) != _unesc(other.user):
            return False
        if _unesc(self.password) != _unesc(other.password):
            return False
        if self.host.lower() != other.host.lower() or self.port != other.port:
            return False
        mine = _param_map(self.params)
        theirs = _param_map(other.params)
        for name in _STRICT_PARAMS:
            if mine.get(name) != theirs.get(name):
                return False
        for name in mine.keys() & theirs.keys():
            if mine[name] != theirs[name]:
                return False
        return _header_map(self.headers) == _header_map(other.headers)

    def __str__(self) -> str:
        userinfo = ""
        if self.user is not None:
            userinfo = self.user
            if self.password is not None:
                userinfo += ":" + self.password
            userinfo += "@"
        text = f"{self.scheme}:{userinfo}{self.host_port}{format_params(self.params)}"
        if self.headers:
            text += "?" + "&".join(f"{k}={v}" for k, v in self.headers)
        return text


def _unesc(text: str | None) -> str | None:
    return None if text is None else unescape(text)


def _param_map(params: Params) -> dict[str, str | None]:
    return {unescape(k).lower(): (None if v is None else unescape(v).lower()) for k, v in params}


def _header_map(headers: tuple[tuple[str, str], ...]) -> dict[str, str]:
    return {unescape(k).lower(): unescape(v) for k, v in headers}


@dataclass(frozen=True, slots=True)
class TelUri:
    """A `tel:` URI (RFC 3966): a number with parameters."""

    number: str
    params: Params = ()

    @property
    def is_global(self) -> bool:
        """Whether the number is global (starts with '+')."""
        return self.number.startswith("+")

    def equivalent(self, other: object) -> bool:
        """Equality per RFC 3966 §4: separators ignored, parameters compared as a set."""
        if not isinstance(other, TelUri):
            return False
        if _digits(self.number) != _digits(other.number):
            return False
        return _param_map(self.params) == _param_map(other.params)

    def __str__(self) -> str:
        return f"tel:{self.number}{format_params(self.params)}"


def _digits(number: str) -> str:
    return number.translate(_TEL_SEPARATORS).lower()


@dataclass(frozen=True, slots=True)
class AbsoluteUri:
    """A URI of a scheme this stack does not interpret (kept as scheme and opaque text)."""

    scheme: str
    rest: str

    def equivalent(self, other: object) -> bool:
        """Plain textual equality with a case-insensitive scheme."""
        return isinstance(other, AbsoluteUri) and (self.scheme, self.rest) == (
            other.scheme,
            other.rest,
        )

    def __str__(self) -> str:
        return f"{self.scheme}:{self.rest}"


Uri = SipUri | TelUri | AbsoluteUri


def parse_uri(text: str) -> Uri:
    """Parse any URI: SIP/SIPS and tel are interpreted, other schemes kept opaque."""
    scheme, colon, rest = text.partition(":")
    if not colon or not scheme or not scheme[0].isalpha() or not set(scheme) <= _SCHEME_CHARS:
        raise SipParseError(f"bad URI {text[:60]!r}")
    low = scheme.lower()
    if low in ("sip", "sips"):
        return _parse_sip(low, rest, text)
    if low == "tel":
        return _parse_tel(rest, text)
    if not rest or not rest.isprintable() or " " in rest:
        raise SipParseError(f"bad URI {text[:60]!r}")
    return AbsoluteUri(low, rest)


def parse_sip_uri(text: str) -> SipUri:
    """Parse a URI that must be SIP or SIPS; another scheme gives 416 (§8.2.2.1)."""
    uri = parse_uri(text)
    if not isinstance(uri, SipUri):
        raise SipParseError(f"unsupported URI scheme {text[:30]!r}", 416)
    return uri


def _parse_sip(scheme: str, rest: str, text: str) -> SipUri:
    if not rest or " " in rest or "\t" in rest:
        raise SipParseError(f"bad SIP URI {text[:60]!r}")
    user: str | None = None
    password: str | None = None
    at = rest.find("@")
    if at != -1:
        userinfo, rest = rest[:at], rest[at + 1 :]
        user, colon, pw = userinfo.partition(":")
        password = pw if colon else None
        unescape(userinfo)  # validates the escapes
    headers: tuple[tuple[str, str], ...] = ()
    q = rest.find("?")
    if q != -1:
        rest, header_text = rest[:q], rest[q + 1 :]
        check_list_size(header_text, "&")
        pairs = []
        for part in header_text.split("&"):
            name, _, value = part.partition("=")
            if not name:
                raise SipParseError(f"bad URI header in {text[:60]!r}")
            pairs.append((name, value))
        headers = tuple(pairs)
    semi = rest.find(";")
    hostport, param_text = (rest, "") if semi == -1 else (rest[:semi], rest[semi + 1 :])
    host, port = split_host_port(hostport)
    _check_host(host)
    params: Params = ()
    if param_text:
        check_list_size(param_text, ";")
        plist = []
        for part in param_text.split(";"):
            name, eq, value = part.partition("=")
            if not name:
                raise SipParseError(f"empty URI parameter in {text[:60]!r}")
            plist.append((name, value if eq else None))
        params = tuple(plist)
    return SipUri(host, user, port, params, headers, password, scheme)


def _parse_tel(rest: str, text: str) -> TelUri:
    number, _, param_text = rest.partition(";")
    if not number or not number.isprintable() or " " in number:
        raise SipParseError(f"bad tel URI {text[:60]!r}")
    params: Params = ()
    if param_text:
        check_list_size(param_text, ";")
        params = tuple(
            (n, v if eq else None) for n, eq, v in (p.partition("=") for p in param_text.split(";"))
        )
    return TelUri(number, params)


def uris_equivalent(a: str, b: str) -> bool:
    """Compare two URI strings by the rules of their scheme (§19.1.4, RFC 3966 §4)."""
    return parse_uri(a).equivalent(parse_uri(b))
