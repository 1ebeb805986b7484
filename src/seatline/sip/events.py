"""Events the transaction layer hands to its user (the transaction user, TU: the switch).

Small frozen dataclasses, one per thing that happened, plus `Outgoing` for bytes to send.
"""

from __future__ import annotations

from dataclasses import dataclass

from seatline.sip.message import SipRequest, SipResponse

Address = tuple[str, int]


@dataclass(frozen=True, slots=True)
class TransactionKey:
    """Identifies a transaction: branch, sent-by (server side only) and method (§17.1.3/§17.2.3)."""

    branch: str
    method: str
    sent_by: str = ""
    server: bool = False


@dataclass(frozen=True, slots=True)
class Outgoing:
    """Bytes the I/O layer must send to `address` over `transport` (UDP, TCP, TLS...)."""

    data: bytes
    address: Address
    transport: str


@dataclass(frozen=True, slots=True)
class RequestReceived:
    """A new request for the TU: `key` is its server transaction (None for an ACK to a 2xx).

    For a CANCEL, `cancels` is the INVITE server transaction it targets, if still known.
    """

    request: SipRequest
    key: TransactionKey | None
    source: Address
    transport: str
    cancels: TransactionKey | None = None


@dataclass(frozen=True, slots=True)
class ResponseReceived:
    """A response for the TU: `key` is its client transaction (None for a stray 2xx to INVITE)."""

    response: SipResponse
    key: TransactionKey | None


@dataclass(frozen=True, slots=True)
class TransactionTimeout:
    """Timer B/F (no final response) or H/L (no ACK) fired: the transaction is gone."""

    key: TransactionKey
    timer: str


@dataclass(frozen=True, slots=True)
class TransportError:
    """The I/O layer could not deliver a message of this transaction (§17.1.4, §17.2.4)."""

    key: TransactionKey
    reason: str


@dataclass(frozen=True, slots=True)
class MessageRejected:
    """An incoming message was unusable; `status` is what was answered (0: silently dropped)."""

    source: Address
    status: int
    reason: str


TransactionEvent = (
    RequestReceived | ResponseReceived | TransactionTimeout | TransportError | MessageRejected
)
