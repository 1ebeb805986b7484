"""Typed views of the SIP headers the stack acts on (RFC 3261 §20).

Via (with RFC 3581 rport), name-addr headers (From, To, Contact, Route, Record-Route), CSeq
and Max-Forwards. Each type parses from and renders to the header *value*; the header block
itself is `message.Headers`. URIs stay strings here: `uri.py` parses them when needed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Literal

from seatline.sip.errors import SipParseError
from seatline.sip.syntax import (
    Params,
    format_host_port,
    format_params,
    get_param,
    has_param,
    is_digits,
    is_token,
    parse_params,
    quote,
    set_param,
    split_commas,
    split_host_port,
    unquote,
)

_QVALUE = re.compile(r"0(\.[0-9]{0,3})?|1(\.0{0,3})?")
MAX_CSEQ = 2**31 - 1  # §8.1.1.5: the sequence number MUST be less than 2**31
MAX_DELTA = 2**32 - 1  # §25.1 delta-seconds: values beyond this are not representable


@dataclass(frozen=True, slots=True)
class Via:
    """One Via entry: transport, sent-by and parameters (§20.42, RFC 3581)."""

    transport: str
    host: str
    port: int | None = None
    params: Params = ()
    protocol: str = "SIP/2.0"

    @property
    def branch(self) -> str | None:
        """The branch parameter, or None."""
        return get_param(self.params, "branch")

    @property
    def received(self) -> str | None:
        """The received parameter (source address seen by the next hop), or None."""
        return get_param(self.params, "received")

    @property
    def has_rport(self) -> bool:
        """Whether the rport parameter is present (with or without a value)."""
        return has_param(self.params, "rport")

    @property
    def rport(self) -> int | None:
        """The numeric rport value, or None if absent or still empty."""
        value = get_param(self.params, "rport")
        if not value:
            return None
        if not is_digits(value) or len(value) > 5 or int(value) > 65535:
            raise SipParseError(f"bad rport {value[:20]!r}")
        return int(value)

    @property
    def sent_by(self) -> str:
        """`host[:port]` as written in the Via."""
        return format_host_port(self.host, self.port)

    def with_param(self, name: str, value: str | None) -> Via:
        """A copy with parameter `name` set (replaced in place if present)."""
        return replace(self, params=set_param(self.params, name, value))

    def __str__(self) -> str:
        return f"{self.protocol}/{self.transport} {self.sent_by}{format_params(self.params)}"


# The same Via, From, To and CSeq strings are parsed many times per message (validation,
# matching, rport); results are immutable, so a small memo is safe and saves most of it.
# Only short values are memoised, so a hostile peer cannot pin megabytes in the cache.
_MEMO = 4096
_MEMO_MAX_LEN = 300


def parse_via(text: str) -> Via:
    """Parse one via-parm such as `SIP/2.0/UDP host:5060;branch=z9hG4bK1`."""
    return _via_memo(text) if len(text) <= _MEMO_MAX_LEN else _parse_via(text)


def _parse_via(text: str) -> Via:
    """Parse one via-parm such as `SIP/2.0/UDP host:5060;branch=z9hG4bK1`."""
    semi = text.find(";")
    sent, params_text = (text, "") if semi == -1 else (text[:semi], text[semi:])
    parts = sent.split("/", 2)
    if len(parts) != 3:
        raise SipParseError(f"bad Via {text[:60]!r}")
    name, version = parts[0].strip(), parts[1].strip()
    rest = parts[2].split(None, 1)
    if len(rest) != 2 or not is_token(name) or not is_token(version) or not is_token(rest[0]):
        raise SipParseError(f"bad Via {text[:60]!r}")
    transport = rest[0].upper()
    host, port = split_host_port(rest[1].strip())
    params = parse_params(params_text) if params_text else ()
    return Via(transport, host, port, params, f"{name}/{version}")


def parse_vias(value: str) -> list[Via]:
    """Parse a Via header value that may carry several comma-separated entries."""
    if "," not in value:
        return [parse_via(value.strip())]
    vias = [parse_via(part) for part in split_commas(value)]
    if not vias:  # "Via: ," names no hop: there is nowhere to answer
        raise SipParseError("empty Via")
    return vias


@dataclass(frozen=True, slots=True)
class NameAddr:
    """A name-addr or addr-spec with header parameters: From, To, Contact, Route (§20)."""

    uri: str
    display_name: str | None = None
    params: Params = ()

    @property
    def tag(self) -> str | None:
        """The tag parameter (From/To), or None."""
        return get_param(self.params, "tag")

    @property
    def expires(self) -> int | None:
        """The expires parameter of a Contact, or None."""
        value = get_param(self.params, "expires")
        return None if value is None else parse_expires(value)

    @property
    def q(self) -> float | None:
        """The q parameter of a Contact, or None."""
        value = get_param(self.params, "q")
        if value is None:
            return None
        # §25.1 qvalue: float() would also take '٠.٥', 'nan' and '1e-1'.
        if _QVALUE.fullmatch(value) is None:
            raise SipParseError(f"bad q {value[:20]!r}")
        return float(value)

    def param(self, name: str) -> str | None:
        """Value of a header parameter ('' for a flag), or None."""
        return get_param(self.params, name)

    def with_param(self, name: str, value: str | None) -> NameAddr:
        """A copy with parameter `name` set."""
        return replace(self, params=set_param(self.params, name, value))

    def with_tag(self, tag: str) -> NameAddr:
        """A copy carrying `tag`."""
        return self.with_param("tag", tag)

    def __str__(self) -> str:
        # Always bracket: an addr-spec with ';' would otherwise hand URI params to the header.
        name = ""
        if self.display_name is not None:
            dn = self.display_name
            name = (dn if dn and all(is_token(w) for w in dn.split(" ")) else quote(dn)) + " "
        return f"{name}<{self.uri}>{format_params(self.params)}"


def parse_name_addr(text: str) -> NameAddr:
    """Parse one name-addr / addr-spec with its parameters (§20.10 bracket rules)."""
    return _name_addr_memo(text) if len(text) <= _MEMO_MAX_LEN else _parse_name_addr(text)


def _parse_name_addr(text: str) -> NameAddr:
    """Parse one name-addr / addr-spec with its parameters (§20.10 bracket rules)."""
    text = text.strip()
    display: str | None = None
    rest = text
    if text.startswith('"'):
        i = 1
        n = len(text)
        while i < n and text[i] != '"':
            i += 2 if text[i] == "\\" else 1
        if i >= n:
            raise SipParseError("unterminated display name")
        display = unquote(text[: i + 1])
        rest = text[i + 1 :].lstrip()
        if not rest.startswith("<"):
            raise SipParseError("quoted display name without <URI>")
    lt = rest.find("<")
    if lt != -1:
        if display is None:
            words = rest[:lt].split()
            if any(not is_token(w) for w in words):
                raise SipParseError(f"bad display name {rest[:lt][:40]!r}")
            display = " ".join(words) if words else None
        gt = rest.find(">", lt)
        if gt == -1:
            raise SipParseError("unterminated <URI>")
        uri = rest[lt + 1 : gt]
        if uri != uri.strip():  # RFC 4475 §3.1.2.14: no LWS inside the brackets
            raise SipParseError(f"whitespace inside <URI> {uri[:60]!r}")
        tail = rest[gt + 1 :].strip()
    else:
        semi = rest.find(";")
        uri, tail = (rest, "") if semi == -1 else (rest[:semi], rest[semi:])
        uri = uri.strip()
        if " " in uri or "\t" in uri or "," in uri or "?" in uri:
            raise SipParseError(f"addr-spec needs <> {rest[:60]!r}")
    if not uri or ":" not in uri or " " in uri.strip():
        raise SipParseError(f"bad URI in name-addr {uri[:60]!r}")
    if tail and not tail.startswith(";"):
        raise SipParseError(f"junk after name-addr {tail[:40]!r}")
    params = parse_params(tail) if tail else ()
    return NameAddr(uri.strip(), display, params)


def parse_name_addrs(value: str) -> list[NameAddr]:
    """Parse a comma-separated list of name-addrs (Route, Record-Route, Contact)."""
    return [parse_name_addr(part) for part in split_commas(value)]


def parse_contacts(value: str) -> Literal["*"] | list[NameAddr]:
    """Parse a Contact value: `*` (REGISTER wildcard, §10.2.2) or a list of name-addrs."""
    if value.strip() == "*":
        return "*"
    return parse_name_addrs(value)


@dataclass(frozen=True, slots=True)
class CSeq:
    """A CSeq: sequence number and method (§20.16)."""

    seq: int
    method: str

    def __str__(self) -> str:
        return f"{self.seq} {self.method}"


def parse_cseq(value: str) -> CSeq:
    """Parse `4711 INVITE`; the number must fit in 31 bits (§8.1.1.5)."""
    return _cseq_memo(value) if len(value) <= _MEMO_MAX_LEN else _parse_cseq(value)


def _parse_cseq(value: str) -> CSeq:
    """Parse `4711 INVITE`; the number must fit in 31 bits (§8.1.1.5)."""
    parts = value.split()
    if len(parts) != 2:
        raise SipParseError(f"bad CSeq {value[:40]!r}")
    number, method = parts
    if not is_digits(number) or len(number.lstrip("0")) > 10:
        raise SipParseError(f"bad CSeq number {number[:20]!r}")
    seq = int(number)
    if seq > MAX_CSEQ:
        raise SipParseError(f"CSeq number out of range {number[:20]!r}")
    if not is_token(method):
        raise SipParseError(f"bad CSeq method {method[:40]!r}")
    return CSeq(seq, method)


def parse_max_forwards(value: str) -> int:
    """Parse Max-Forwards (§20.22), 0..255."""
    text = value.strip()
    if not is_digits(text) or len(text.lstrip("0")) > 3 or int(text) > 255:
        raise SipParseError(f"bad Max-Forwards {text[:20]!r}")
    return int(text)


def parse_expires(value: str) -> int:
    """Parse an Expires header value (§20.19) as seconds."""
    text = value.strip()
    if not is_digits(text) or len(text.lstrip("0")) > 10:
        raise SipParseError(f"bad Expires {text[:20]!r}")
    if int(text) > MAX_DELTA:
        raise SipParseError(f"bad Expires {text[:20]!r}")
    return int(text)


_via_memo = lru_cache(maxsize=_MEMO)(_parse_via)
_name_addr_memo = lru_cache(maxsize=_MEMO)(_parse_name_addr)
_cseq_memo = lru_cache(maxsize=_MEMO)(_parse_cseq)
