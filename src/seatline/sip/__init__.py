"""seatline.sip: a sans-I/O SIP stack (RFC 3261 and friends).

Bytes and `now` go in; messages, events and bytes to send come out. No sockets, no clock.

Map: `message` (parse/serialize, `Headers`), `framing` (TCP stream framer), `headers` (Via,
name-addr, CSeq...), `uri` (SIP/SIPS/tel URIs, §19.1.4 comparison), `validate` (checks that
earn a 400/416/505), `responses` (§8.2.6 response building), `rport` (RFC 3581),
`transaction` (the four §17 state machines), `layer` (the transaction layer the switch
drives), `events`, `dialog` (§12), `sdp` (RFC 4566/3264), `auth` (digest, RFC 7616/8760).
"""

from seatline.sip.auth import (
    AuthResult,
    DigestChallenge,
    DigestCredentials,
    DigestServer,
    NonceCounts,
    authorize,
    compute_ha1,
    compute_response,
)
from seatline.sip.dialog import Dialog, DialogId, DialogState, uac_dialog_id, uas_dialog_id
from seatline.sip.errors import SipAuthError, SipError, SipParseError, SipStateError
from seatline.sip.events import (
    Address,
    MessageRejected,
    Outgoing,
    RequestReceived,
    ResponseReceived,
    TransactionEvent,
    TransactionKey,
    TransactionTimeout,
    TransportError,
)
from seatline.sip.framing import StreamFramer, parse_stream
from seatline.sip.headers import (
    CSeq,
    NameAddr,
    Via,
    parse_contacts,
    parse_cseq,
    parse_expires,
    parse_max_forwards,
    parse_name_addr,
    parse_name_addrs,
    parse_via,
    parse_vias,
)
from seatline.sip.layer import TransactionLayer, make_cancel
from seatline.sip.message import (
    COMPACT_FORMS,
    Headers,
    SipMessage,
    SipRequest,
    SipResponse,
    content_length,
    header_key,
    parse_message,
)
from seatline.sip.responses import (
    REASON_PHRASES,
    make_response,
    reason_phrase,
    response_for_bad_request,
)
from seatline.sip.rport import response_address, stamp_via
from seatline.sip.transaction import TimerConfig
from seatline.sip.uri import AbsoluteUri, SipUri, TelUri, Uri, parse_sip_uri, parse_uri
from seatline.sip.validate import unsupported_extensions, validate_request, validate_response

__all__ = [
    "COMPACT_FORMS",
    "REASON_PHRASES",
    "AbsoluteUri",
    "Address",
    "AuthResult",
    "CSeq",
    "Dialog",
    "DialogId",
    "DialogState",
    "DigestChallenge",
    "DigestCredentials",
    "DigestServer",
    "Headers",
    "MessageRejected",
    "NameAddr",
    "NonceCounts",
    "Outgoing",
    "RequestReceived",
    "ResponseReceived",
    "SipAuthError",
    "SipError",
    "SipMessage",
    "SipParseError",
    "SipRequest",
    "SipResponse",
    "SipStateError",
    "SipUri",
    "StreamFramer",
    "TelUri",
    "TimerConfig",
    "TransactionEvent",
    "TransactionKey",
    "TransactionLayer",
    "TransactionTimeout",
    "TransportError",
    "Uri",
    "Via",
    "authorize",
    "compute_ha1",
    "compute_response",
    "content_length",
    "header_key",
    "make_cancel",
    "make_response",
    "parse_contacts",
    "parse_cseq",
    "parse_expires",
    "parse_max_forwards",
    "parse_message",
    "parse_name_addr",
    "parse_name_addrs",
    "parse_sip_uri",
    "parse_stream",
    "parse_uri",
    "parse_via",
    "parse_vias",
    "reason_phrase",
    "response_address",
    "response_for_bad_request",
    "stamp_via",
    "uac_dialog_id",
    "uas_dialog_id",
    "unsupported_extensions",
    "validate_request",
    "validate_response",
]
