"""Build responses from requests (RFC 3261 §8.2.6) and answer unparseable requests.

Knows the standard reason phrases; knows nothing of dialogs (a UAS that creates a dialog adds
Contact and Record-Route itself, see `dialog.py`).
"""

from __future__ import annotations

from collections.abc import Iterable

from seatline.sip.errors import SipParseError
from seatline.sip.message import (
    Headers,
    SipRequest,
    SipResponse,
    find_head_end,
    header_key,
)

REASON_PHRASES: dict[int, str] = {
    100: "Trying",
    180: "Ringing",
    181: "Call Is Being Forwarded",
    182: "Queued",
    183: "Session Progress",
    200: "OK",
    202: "Accepted",
    300: "Multiple Choices",
    301: "Moved Permanently",
    302: "Moved Temporarily",
    305: "Use Proxy",
    380: "Alternative Service",
    400: "Bad Request",
    401: "Unauthorized",
    402: "Payment Required",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    407: "Proxy Authentication Required",
    408: "Request Timeout",
    410: "Gone",
    413: "Request Entity Too Large",
    414: "Request-URI Too Long",
    415: "Unsupported Media Type",
    416: "Unsupported URI Scheme",
    420: "Bad Extension",
    421: "Extension Required",
    423: "Interval Too Brief",
    480: "Temporarily Unavailable",
    481: "Call/Transaction Does Not Exist",
    482: "Loop Detected",
    483: "Too Many Hops",
    484: "Address Incomplete",
    485: "Ambiguous",
    486: "Busy Here",
    487: "Request Terminated",
    488: "Not Acceptable Here",
    491: "Request Pending",
    493: "Undecipherable",
    500: "Server Internal Error",
    501: "Not Implemented",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Server Time-out",
    505: "Version Not Supported",
    513: "Message Too Large",
    600: "Busy Everywhere",
    603: "Decline",
    604: "Does Not Exist Anywhere",
    606: "Not Acceptable",
}


def reason_phrase(status: int) -> str:
    """The standard reason phrase for `status` (a class default for unknown codes)."""
    return REASON_PHRASES.get(status) or REASON_PHRASES.get(status // 100 * 100, "Unknown")


_COPIED = ("via", "from", "to", "call-id", "cseq")


def make_response(
    request: SipRequest,
    status: int,
    reason: str | None = None,
    *,
    to_tag: str | None = None,
    headers: Iterable[tuple[str, str]] = (),
    body: bytes = b"",
) -> SipResponse:
    """A response to `request` with Via, From, To, Call-ID and CSeq copied (§8.2.6.2).

    `to_tag` is added to To unless it already has one (§8.2.6.2: not on 100 Trying).
    """
    out = Headers()
    for name, value in request.headers.items():
        key = header_key(name)
        if key not in _COPIED:
            continue
        if key == "to" and to_tag is not None and status != 100 and not _has_tag(value):
            value = f"{value};tag={to_tag}"
        out.add(name, value)
    if status == 100 and "timestamp" in request.headers:  # §8.2.6.1
        out.add("Timestamp", request.headers.get("Timestamp") or "")
    for name, value in headers:
        out.add(name, value)
    return SipResponse(status, reason or reason_phrase(status), out, body)


def _has_tag(name_addr: str) -> bool:
    # Header params follow the closing '>' (or the whole addr-spec when unbracketed).
    gt = name_addr.rfind(">")
    tail = name_addr[gt + 1 :] if gt != -1 else name_addr
    return any(p.split("=", 1)[0].strip().lower() == "tag" for p in tail.split(";")[1:])


def response_for_bad_request(
    data: bytes, error: SipParseError, to_tag: str | None = None
) -> SipResponse | None:
    """Best-effort error response for a request that failed to parse or validate.

    Returns None when no answer is possible: a response (never answered), or a request without
    a Via (nowhere to send it). Whatever of From, To, Call-ID and CSeq exists is copied, so the
    peer can match the answer (RFC 4475 §3.3.1 asks for a 400 even when they are missing).
    """
    head_end, _ = find_head_end(data)
    head = data if head_end == -1 else data[:head_end]
    text = head.decode("utf-8", "surrogateescape").replace("\r\n", "\n")
    lines = text.lstrip("\n").split("\n")
    if not lines or lines[0].startswith("SIP/") or " " not in lines[0]:
        return None
    found = Headers()
    for line in lines[1:]:
        if line[:1] in (" ", "\t") and len(found):
            items = found._items
            key, name, value = items[-1]
            items[-1] = (key, name, f"{value} {line.strip()}")
            continue
        name, colon, value = line.partition(":")
        if colon and header_key(name.strip()) in _COPIED:
            found.add(name.strip(), value.strip())
    if "via" not in found:
        return None
    status = error.status_hint if 400 <= error.status_hint < 700 else 400
    reason = reason_phrase(status)
    fake = SipRequest(lines[0].split(" ", 1)[0], "sip:invalid", found)
    warning = [("Warning", _warning(error.reason))]
    return make_response(fake, status, reason, to_tag=to_tag, headers=warning)


def _warning(text: str) -> str:
    # §20.43: 399 is the catch-all warn-code; the agent is us ("-" when unnamed).
    clean = "".join(c for c in text if c.isprintable() and c not in '"\\')[:120]
    return f'399 - "{clean}"'
