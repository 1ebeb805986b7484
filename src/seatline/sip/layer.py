"""The transaction layer: matches messages to transactions and owns their timers (§17).

Feed it datagrams or framed messages with `now`, ask `next_timer()` when to call
`handle_timer(now)`, and drain `next_event()` and `datagrams_to_send()`. It validates incoming
requests and answers the broken ones itself (400, 416, 505), stamps Via received/rport
(RFC 3581), absorbs retransmissions, and creates server transactions for new requests.
It knows nothing of dialogs or calls: that is the TU's business.
"""

from __future__ import annotations

import hashlib
import heapq
import itertools
from collections import deque

from seatline.sip.errors import SipParseError, SipStateError
from seatline.sip.events import (
    Address,
    MessageRejected,
    Outgoing,
    RequestReceived,
    ResponseReceived,
    TransactionEvent,
    TransactionKey,
    TransportError,
)
from seatline.sip.message import Headers, SipMessage, SipRequest, SipResponse, parse_message
from seatline.sip.responses import make_response, response_for_bad_request
from seatline.sip.rport import response_address, stamp_via
from seatline.sip.transaction import (
    RELIABLE_TRANSPORTS,
    Kind,
    State,
    TimerConfig,
    Transaction,
)
from seatline.sip.validate import validate_request, validate_response

MAGIC_COOKIE = "z9hG4bK"  # §8.1.1.7


def is_rfc3261_branch(branch: str | None) -> bool:
    """Whether a branch carries the magic cookie and something after it (RFC 4475 badbranch)."""
    return branch is not None and branch.startswith(MAGIC_COOKIE) and len(branch) > 7


def server_key(request: SipRequest) -> TransactionKey:
    """The server transaction key of a request (§17.2.3, ACK folded onto its INVITE)."""
    via = request.top_via
    method = "INVITE" if request.method == "ACK" else request.method
    if is_rfc3261_branch(via.branch):
        return TransactionKey(via.branch or "", method, via.sent_by, server=True)
    # RFC 2543 peers: identify by Request-URI, From tag, Call-ID, CSeq number and top Via.
    legacy = "|".join(
        (request.uri, request.from_addr.tag or "", request.call_id, str(request.cseq.seq))
    )
    return TransactionKey(f"2543:{legacy}:{via.branch or ''}", method, via.sent_by, server=True)


def client_key(message: SipMessage) -> TransactionKey:
    """The client transaction key: top Via branch and CSeq method (§17.1.3)."""
    method = message.cseq.method
    if method == "ACK":
        method = "INVITE"
    return TransactionKey(message.top_via.branch or "", method)


def make_cancel(invite: SipRequest) -> SipRequest:
    """The CANCEL for a pending INVITE (§9.1): same branch, Request-URI, tags and Route."""
    headers = Headers()
    first_via = invite.headers.get("Via") or ""
    headers.add("Via", first_via.split(",", 1)[0].strip())
    for value in invite.headers.get_all("Route"):
        headers.add("Route", value)
    headers.add("Max-Forwards", "70")
    headers.add("From", invite.headers.get("From") or "")
    headers.add("To", invite.headers.get("To") or "")
    headers.add("Call-ID", invite.call_id)
    headers.add("CSeq", f"{invite.cseq.seq} CANCEL")
    return SipRequest("CANCEL", invite.uri, headers)


class TransactionLayer:
    """Owns every client and server transaction of one SIP endpoint."""

    def __init__(self, config: TimerConfig | None = None, *, auto_trying: bool = True) -> None:
        self.config = config or TimerConfig()
        self.auto_trying = auto_trying
        self._txns: dict[TransactionKey, Transaction] = {}
        self._accepted: dict[tuple[str, int], Transaction] = {}
        # Heap entries name the transaction by key, so a stale entry (timer disarmed, or
        # transaction gone) costs a few bytes instead of keeping a whole call's messages alive.
        self._heap: list[tuple[float, int, TransactionKey, str]] = []
        self._seq = itertools.count()
        self._events: deque[TransactionEvent] = deque()
        self._outbox: list[Outgoing] = []
        self._pending_cancels: dict[TransactionKey, TransactionKey] = {}

    # -- sink for transactions -------------------------------------------------------------

    def output(self, data: bytes, address: Address, transport: str) -> None:
        """Queue bytes for the I/O layer."""
        self._outbox.append(Outgoing(data, address, transport))

    def emit(self, event: TransactionEvent) -> None:
        """Queue an event for the TU."""
        self._events.append(event)

    def schedule(self, txn: Transaction, name: str, deadline: float) -> None:
        """Arm a timer in the heap (stale entries are skipped when they surface)."""
        heap = self._heap
        heapq.heappush(heap, (deadline, next(self._seq), txn.key, name))
        if len(heap) > 8 * len(self._txns) + 4096:
            self._compact()

    def _compact(self) -> None:
        # Long guard timers (U, L) leave many stale entries behind answered transactions.
        live = [
            (deadline, next(self._seq), key, name)
            for key, txn in self._txns.items()
            for name, deadline in txn.timers.items()
        ]
        heapq.heapify(live)
        self._heap = live

    def _live(self, key: TransactionKey, name: str, deadline: float) -> Transaction | None:
        txn = self._txns.get(key)
        if txn is None or txn.terminated or txn.timers.get(name) != deadline:
            return None
        return txn

    # -- outputs ---------------------------------------------------------------------------

    def next_event(self) -> TransactionEvent | None:
        """The oldest undelivered event, or None."""
        return self._events.popleft() if self._events else None

    def datagrams_to_send(self) -> list[Outgoing]:
        """Everything queued for sending since the last call."""
        out, self._outbox = self._outbox, []
        return out

    def next_timer(self) -> float | None:
        """When `handle_timer` must next be called, or None if no timer is armed."""
        heap = self._heap
        while heap:
            deadline, _, key, name = heap[0]
            if self._live(key, name, deadline) is not None:
                return deadline
            heapq.heappop(heap)
        return None

    def handle_timer(self, now: float) -> None:
        """Fire every timer due at or before `now`, in deadline order."""
        while self._heap and self._heap[0][0] <= now:
            deadline, _, key, name = heapq.heappop(self._heap)
            txn = self._live(key, name, deadline)
            if txn is None:
                continue
            # Retransmission intervals run from the deadline, so a late call catches up exactly.
            txn.on_timer(name, deadline)
            self._forget_if_done(txn)

    def transaction(self, key: TransactionKey) -> Transaction | None:
        """The live transaction for `key`, if any."""
        return self._txns.get(key)

    def __len__(self) -> int:
        return len(self._txns)

    # -- incoming --------------------------------------------------------------------------

    def receive_datagram(self, data: bytes, source: Address, transport: str, now: float) -> None:
        """Parse one datagram and process it; unparseable requests are answered statelessly."""
        if not data.strip(b"\r\n\x00 "):
            return  # a keep-alive (CRLF or NUL padding) many phones send over UDP
        try:
            msg = parse_message(data)
        except SipParseError as exc:
            self._reject(data, exc, source, transport)
            return
        self.receive_message(msg, source, transport, now)

    def receive_message(self, msg: SipMessage, source: Address, transport: str, now: float) -> None:
        """Process one parsed message (from `receive_datagram` or a stream framer)."""
        if isinstance(msg, SipResponse):
            try:
                validate_response(msg)
            except SipParseError as exc:
                self.emit(MessageRejected(source, 0, exc.reason))
                return
            self._on_response(msg, now)
            return
        try:
            validate_request(msg)
        except SipParseError as exc:
            self._reject(bytes(msg), exc, source, transport)
            return
        stamp_via(msg, source)
        self._on_request(msg, source, transport, now)

    def _reject(self, data: bytes, exc: SipParseError, source: Address, transport: str) -> None:
        answer = None
        if not data.startswith(b"ACK "):  # §17: an ACK is never answered
            # §8.2.6.2 wants a To tag; derive it from the bytes so a retransmission gets the
            # same answer without keeping any state.
            tag = hashlib.blake2s(data, digest_size=5).hexdigest()
            answer = response_for_bad_request(data, exc, to_tag=tag)
        if answer is None:
            self.emit(MessageRejected(source, 0, exc.reason))
            return
        self.output(bytes(answer), source, transport)
        self.emit(MessageRejected(source, answer.status, exc.reason))

    def _on_request(self, req: SipRequest, source: Address, transport: str, now: float) -> None:
        key = server_key(req)
        txn = self._txns.get(key)
        if txn is not None:
            txn.on_retransmission(req, now)
            self._forget_if_done(txn)
            return
        if req.method == "ACK":
            accepted = self._accepted.get((req.call_id, req.cseq.seq))
            if accepted is not None:
                accepted.on_2xx_ack(now)
            self.emit(RequestReceived(req, None, source, transport))
            return
        transport = transport.upper()
        reliable = transport in RELIABLE_TRANSPORTS
        via = req.top_via
        # §18.2.2 names the Via's sent-by only for a response on the transport the Via names;
        # a request whose Via claims TLS but came over UDP is answered where it came from.
        address = source if reliable or via.transport != transport else response_address(via)
        kind = Kind.INVITE_SERVER if req.method == "INVITE" else Kind.NON_INVITE_SERVER
        txn = Transaction(key, kind, req, address, transport, self.config, self)
        self._txns[key] = txn
        txn.start_server(now)
        cancels = None
        if req.method == "CANCEL":
            target = TransactionKey(key.branch, "INVITE", key.sent_by, server=True)
            if target in self._txns:
                cancels = target
        self.emit(RequestReceived(req, key, source, transport, cancels))
        if kind is Kind.INVITE_SERVER and self.auto_trying:
            txn.send_response(make_response(req, 100), now)  # §17.2.1

    def _on_response(self, resp: SipResponse, now: float) -> None:
        key = client_key(resp)
        txn = self._txns.get(key)
        if txn is None:
            if key.method == "INVITE" and 200 <= resp.status < 300:
                self.emit(ResponseReceived(resp, None))  # a 2xx after Timer M: TU re-ACKs
            return
        txn.on_response(resp, now)
        cancel = self._pending_cancels.get(key)
        if cancel is not None and txn.state is not State.CALLING:
            del self._pending_cancels[key]
            if txn.state is State.PROCEEDING:
                self._start_client(make_cancel(txn.request), txn.address, txn.transport, now)
        self._forget_if_done(txn)

    # -- outgoing --------------------------------------------------------------------------

    def send_request(
        self, request: SipRequest, destination: Address, transport: str, now: float
    ) -> TransactionKey:
        """Start a client transaction; the top Via must carry a fresh RFC 3261 branch."""
        if request.method == "ACK":
            raise ValueError("an ACK for a 2xx is sent with send_stateless, not in a transaction")
        if not is_rfc3261_branch(request.top_via.branch):
            raise ValueError("the top Via needs a branch starting with z9hG4bK")
        return self._start_client(request, destination, transport, now)

    def _start_client(
        self, request: SipRequest, destination: Address, transport: str, now: float
    ) -> TransactionKey:
        key = client_key(request)
        if key in self._txns:
            raise SipStateError(f"client transaction {key.branch!r} {key.method} already exists")
        kind = Kind.INVITE_CLIENT if request.method == "INVITE" else Kind.NON_INVITE_CLIENT
        txn = Transaction(key, kind, request, destination, transport, self.config, self)
        self._txns[key] = txn
        txn.start_client(now)
        return key

    def send_response(
        self, response: SipResponse, now: float, key: TransactionKey | None = None
    ) -> None:
        """Answer through the server transaction `key` (found from the response's Via if None)."""
        if key is None:
            via = response.top_via
            key = TransactionKey(via.branch or "", response.cseq.method, via.sent_by, server=True)
        txn = self._txns.get(key)
        if txn is None:
            raise SipStateError(f"no server transaction {key.branch!r} {key.method}")
        txn.send_response(response, now)
        if txn.state is State.ACCEPTED:
            self._accepted[(txn.request.call_id, txn.request.cseq.seq)] = txn
        self._forget_if_done(txn)

    def send_stateless(self, message: SipMessage, destination: Address, transport: str) -> None:
        """Send outside any transaction: the ACK for a 2xx, or a stateless response."""
        self.output(bytes(message), destination, transport)

    def cancel(self, invite_key: TransactionKey, now: float) -> TransactionKey | None:
        """CANCEL a pending INVITE (§9.1): now if a provisional came, else once one comes.

        Returns the CANCEL's client transaction key, or None if the INVITE is already final.
        """
        txn = self._txns.get(invite_key)
        if txn is None or txn.kind is not Kind.INVITE_CLIENT:
            return None
        cancel_key = TransactionKey(invite_key.branch, "CANCEL")
        if cancel_key in self._txns or invite_key in self._pending_cancels:
            return cancel_key  # already under way: CANCEL is idempotent for the TU
        if txn.state is State.CALLING:
            self._pending_cancels[invite_key] = cancel_key
            return cancel_key
        if txn.state is State.PROCEEDING:
            return self._start_client(make_cancel(txn.request), txn.address, txn.transport, now)
        return None

    def transport_error(self, key: TransactionKey, reason: str) -> None:
        """The I/O layer failed to send for `key`: end it and tell the TU (§17.1.4)."""
        txn = self._txns.get(key)
        if txn is None:
            return
        txn.terminate()
        self._forget_if_done(txn)
        self.emit(TransportError(key, reason))

    def _forget_if_done(self, txn: Transaction) -> None:
        if not txn.terminated:
            return
        self._txns.pop(txn.key, None)
        self._pending_cancels.pop(txn.key, None)
        if txn.kind is Kind.INVITE_SERVER:
            self._accepted.pop((txn.request.call_id, txn.request.cseq.seq), None)
