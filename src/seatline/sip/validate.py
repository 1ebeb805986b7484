"""Semantic checks a UAS applies to a parsed message before acting on it (RFC 3261 §8.2).

`parse_message` only frames and splits; these functions parse the headers the stack relies
on and raise `SipParseError` carrying the status to answer (400, 416, 505...). They are
separate so a proxy-like caller can choose how strict to be, and so the torture tests can
tell a framing error from a semantic one.
"""

from __future__ import annotations

from seatline.sip.errors import SipParseError
from seatline.sip.headers import (
    parse_contacts,
    parse_cseq,
    parse_expires,
    parse_max_forwards,
    parse_name_addr,
    parse_vias,
)
from seatline.sip.message import Headers, SipRequest, SipResponse, content_length
from seatline.sip.uri import AbsoluteUri, SipUri, parse_uri

_MANDATORY = ("To", "From", "Call-ID", "CSeq", "Via")
_SINGLE = ("To", "From", "Call-ID", "CSeq", "Max-Forwards", "Content-Length", "Content-Type")
_WATCHED = frozenset(name.lower() for name in _MANDATORY + _SINGLE)


def validate_request(req: SipRequest) -> None:
    """Raise `SipParseError` with the status to answer if `req` cannot be processed."""
    _check_common(req.headers, "request")
    cseq = parse_cseq(req.headers.get("CSeq") or "")
    if cseq.method != req.method:
        raise SipParseError(f"CSeq method {cseq.method!r} does not match {req.method!r}")
    mf = req.headers.get("Max-Forwards")
    if mf is not None:
        parse_max_forwards(mf)
    uri = parse_uri(req.uri)
    if isinstance(uri, AbsoluteUri):
        raise SipParseError(f"unsupported Request-URI scheme {uri.scheme!r}", 416)
    if isinstance(uri, SipUri) and uri.headers:
        raise SipParseError("Request-URI carries headers (§19.1.5)")
    for value in req.headers.get_all("Contact"):
        contacts = parse_contacts(value)
        if contacts != "*":
            for contact in contacts:
                _ = contact.expires
    expires = req.headers.get("Expires")
    if expires is not None:
        parse_expires(expires)
    date = req.headers.get("Date")
    if date is not None and not date.rstrip().endswith(" GMT"):  # §20.17: always GMT
        raise SipParseError(f"Date not in GMT {date[:40]!r}")


def validate_response(resp: SipResponse) -> None:
    """Raise `SipParseError` if `resp` is too broken to hand to a transaction (it is dropped)."""
    _check_common(resp.headers, "response")
    parse_cseq(resp.headers.get("CSeq") or "")


def _check_common(headers: Headers, kind: str) -> None:
    # One pass over the header lines instead of a lookup per rule: this runs per message.
    seen: dict[str, list[str]] = {}
    for key, _, value in headers._items:
        if key in _WATCHED:
            seen.setdefault(key, []).append(value)
    for name in _MANDATORY:
        if name.lower() not in seen:
            raise SipParseError(f"{kind} without {name}")
    for name in _SINGLE:
        values = seen.get(name.lower())
        if values is not None and len(values) > 1:
            raise SipParseError(f"{kind} with several {name} headers")
    for value in seen["via"]:
        parse_vias(value)
    parse_name_addr(seen["from"][0])
    parse_name_addr(seen["to"][0])
    if not seen["call-id"][0]:
        raise SipParseError("empty Call-ID")


def unsupported_extensions(req: SipRequest, supported: frozenset[str]) -> list[str]:
    """Option tags in Require that we do not support: answer 420 listing them (§8.2.2.3)."""
    if req.method in ("ACK", "CANCEL"):
        return []
    return [tag for tag in req.headers.get_list("Require") if tag.lower() not in supported]


def body_length_ok(req: SipRequest | SipResponse) -> bool:
    """Whether the declared Content-Length matches the body held (after stream framing)."""
    length = content_length(req)
    return length is None or length == len(req.body)


def body_type_supported(req: SipRequest, supported: frozenset[str]) -> bool:
    """Whether a body, if any, is of a media type we understand; if not, answer 415."""
    if not req.body:
        return True
    media = req.content_type
    return media is not None and media in supported


def accepts(req: SipRequest, media_type: str) -> bool:
    """Whether the request's Accept allows `media_type` in the answer (§20.1; absent = SDP)."""
    values = req.headers.get_list("Accept")
    if not values:
        return media_type == "application/sdp"
    wanted = media_type.lower()
    major = wanted.split("/", 1)[0]
    for value in values:
        media = value.split(";", 1)[0].strip().lower()
        if media in (wanted, "*/*", f"{major}/*"):
            return True
    return False
