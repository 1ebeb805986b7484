"""The four transaction state machines of RFC 3261 §17 (plus RFC 6026's Accepted state).

Rules of this file: a transaction knows its request, its peer address and transport, its
state and its timers; it never parses bytes off the wire, never owns a clock and never
matches messages to itself (that is `layer.py`). Every state change goes through `_move`,
which checks the transition table below: an illegal move raises `SipStateError`.

Theory of operation: the layer calls `on_request` / `on_response` / `on_timer` / `send_*`;
the transaction answers by calling back `sink.output(...)` and `sink.emit(...)` and by
setting deadlines in `timers`, which the layer keeps in its timer heap.
"""

from __future__ import annotations

from enum import Enum
from typing import Protocol

from seatline.sip.errors import SipStateError
from seatline.sip.events import (
    Address,
    RequestReceived,
    ResponseReceived,
    TransactionEvent,
    TransactionKey,
    TransactionTimeout,
)
from seatline.sip.message import Headers, SipRequest, SipResponse
from seatline.sip.responses import make_response

RELIABLE_TRANSPORTS = frozenset({"TCP", "TLS", "SCTP", "WS", "WSS"})


class Kind(Enum):
    """Which of the four machines (§17.1.1, §17.1.2, §17.2.1, §17.2.2)."""

    INVITE_CLIENT = "ict"
    NON_INVITE_CLIENT = "nict"
    INVITE_SERVER = "ist"
    NON_INVITE_SERVER = "nist"


class State(Enum):
    """Transaction states; ACCEPTED is RFC 6026's state after a 2xx to INVITE."""

    CALLING = "calling"
    TRYING = "trying"
    PROCEEDING = "proceeding"
    COMPLETED = "completed"
    CONFIRMED = "confirmed"
    ACCEPTED = "accepted"
    TERMINATED = "terminated"


_S = State
TRANSITIONS: dict[Kind, dict[State, frozenset[State]]] = {
    Kind.INVITE_CLIENT: {
        _S.CALLING: frozenset({_S.PROCEEDING, _S.COMPLETED, _S.ACCEPTED, _S.TERMINATED}),
        _S.PROCEEDING: frozenset({_S.COMPLETED, _S.ACCEPTED, _S.TERMINATED}),
        _S.COMPLETED: frozenset({_S.TERMINATED}),
        _S.ACCEPTED: frozenset({_S.TERMINATED}),
    },
    Kind.NON_INVITE_CLIENT: {
        _S.TRYING: frozenset({_S.PROCEEDING, _S.COMPLETED, _S.TERMINATED}),
        _S.PROCEEDING: frozenset({_S.COMPLETED, _S.TERMINATED}),
        _S.COMPLETED: frozenset({_S.TERMINATED}),
    },
    Kind.INVITE_SERVER: {
        _S.PROCEEDING: frozenset({_S.COMPLETED, _S.ACCEPTED, _S.TERMINATED}),
        _S.COMPLETED: frozenset({_S.CONFIRMED, _S.TERMINATED}),
        _S.CONFIRMED: frozenset({_S.TERMINATED}),
        _S.ACCEPTED: frozenset({_S.TERMINATED}),
    },
    Kind.NON_INVITE_SERVER: {
        _S.TRYING: frozenset({_S.PROCEEDING, _S.COMPLETED, _S.TERMINATED}),
        _S.PROCEEDING: frozenset({_S.COMPLETED, _S.TERMINATED}),
        _S.COMPLETED: frozenset({_S.TERMINATED}),
    },
}


class TimerConfig:
    """T1, T2 and T4 of §17.1.1.1 (seconds), and how long the TU may leave an INVITE unanswered.

    `invite_answer_timeout` is our own guard (timer "U"): a server transaction whose TU never
    answers would otherwise live forever. A non-INVITE one gets 64*T1, when the client has
    given up anyway (RFC 4320).
    """

    __slots__ = ("invite_answer_timeout", "t1", "t2", "t4")

    def __init__(
        self,
        t1: float = 0.5,
        t2: float = 4.0,
        t4: float = 5.0,
        invite_answer_timeout: float = 300.0,
    ) -> None:
        if not 0 < t1 <= t2:
            raise ValueError("need 0 < T1 <= T2")
        self.t1, self.t2, self.t4 = t1, t2, t4
        self.invite_answer_timeout = invite_answer_timeout


class Sink(Protocol):
    """What a transaction needs from its layer."""

    def output(self, data: bytes, address: Address, transport: str) -> None:
        """Queue bytes to send."""

    def emit(self, event: TransactionEvent) -> None:
        """Queue an event for the TU."""

    def schedule(self, txn: Transaction, name: str, deadline: float) -> None:
        """Arm timer `name` of `txn`."""


class Transaction:
    """One transaction: request, peer, state and timers."""

    def __init__(
        self,
        key: TransactionKey,
        kind: Kind,
        request: SipRequest,
        address: Address,
        transport: str,
        config: TimerConfig,
        sink: Sink,
    ) -> None:
        self.key = key
        self.kind = kind
        self.request = request
        self.address = address
        self.transport = transport.upper()
        self.reliable = self.transport in RELIABLE_TRANSPORTS
        self.config = config
        self.sink = sink
        self.timers: dict[str, float] = {}
        self.intervals: dict[str, float] = {}
        self.last_response: bytes | None = None
        self.request_bytes = b""
        self.acked = False
        self.state = {
            Kind.INVITE_CLIENT: State.CALLING,
            Kind.NON_INVITE_CLIENT: State.TRYING,
            Kind.INVITE_SERVER: State.PROCEEDING,
            Kind.NON_INVITE_SERVER: State.TRYING,
        }[kind]

    @property
    def terminated(self) -> bool:
        """Whether the transaction is over and may be forgotten."""
        return self.state is State.TERMINATED

    # -- machinery -------------------------------------------------------------------------

    def _move(self, new: State) -> None:
        allowed = TRANSITIONS[self.kind].get(self.state, frozenset())
        if new not in allowed:
            raise SipStateError(
                f"{self.kind.value} transaction {self.key.branch!r}: "
                f"illegal move {self.state.value} -> {new.value}"
            )
        self.state = new
        if new is State.TERMINATED:
            self.timers.clear()

    def _arm(self, name: str, now: float, delay: float) -> None:
        self.timers[name] = now + delay
        self.sink.schedule(self, name, now + delay)

    def _disarm(self, *names: str) -> None:
        for name in names:
            self.timers.pop(name, None)

    def _send(self, data: bytes) -> None:
        self.sink.output(data, self.address, self.transport)

    # -- client side (§17.1) ---------------------------------------------------------------

    def start_client(self, now: float) -> None:
        """Send the request and arm A/B (INVITE) or E/F (non-INVITE)."""
        t1 = self.config.t1
        self.request_bytes = bytes(self.request)
        self._send(self.request_bytes)
        retransmit, timeout = ("A", "B") if self.kind is Kind.INVITE_CLIENT else ("E", "F")
        if not self.reliable:
            self.intervals[retransmit] = t1
            self._arm(retransmit, now, t1)
        self._arm(timeout, now, 64 * t1)

    def on_response(self, response: SipResponse, now: float) -> None:
        """Feed a response that matched this client transaction."""
        status = response.status
        if self.kind is Kind.INVITE_CLIENT:
            self._ict_response(response, status, now)
        else:
            self._nict_response(response, status, now)

    def _ict_response(self, response: SipResponse, status: int, now: float) -> None:
        state = self.state
        if state in (State.CALLING, State.PROCEEDING):
            if status < 200:
                if state is State.CALLING:
                    self._move(State.PROCEEDING)
                self._disarm("A")
                self._deliver(response)
            elif status < 300:
                # RFC 6026 §8.4: wait in Accepted so 2xx retransmissions still reach the TU.
                self._move(State.ACCEPTED)
                self._disarm("A", "B")
                self._arm("M", now, 64 * self.config.t1)
                self._deliver(response)
            else:
                self._move(State.COMPLETED)
                self._disarm("A", "B")
                self._send(bytes(self._ack_for(response)))
                self._arm("D", now, 0.0 if self.reliable else max(32.0, 64 * self.config.t1))
                self._deliver(response)
        elif state is State.COMPLETED and status >= 300:
            self._send(bytes(self._ack_for(response)))  # §17.1.1.2: the ACK was lost
        elif state is State.ACCEPTED and 200 <= status < 300:
            self._deliver(response)

    def _nict_response(self, response: SipResponse, status: int, now: float) -> None:
        if self.state not in (State.TRYING, State.PROCEEDING):
            return  # COMPLETED absorbs retransmitted finals (§17.1.2.2)
        if status < 200:
            if self.state is State.TRYING:
                self._move(State.PROCEEDING)
            self._deliver(response)
            return
        self._move(State.COMPLETED)
        self._disarm("E", "F")
        self._arm("K", now, 0.0 if self.reliable else self.config.t4)
        self._deliver(response)

    def _deliver(self, response: SipResponse) -> None:
        self.sink.emit(ResponseReceived(response, self.key))

    def _ack_for(self, response: SipResponse) -> SipRequest:
        """The ACK for a non-2xx final response, built by the transaction (§17.1.1.3)."""
        req = self.request
        headers = Headers()
        via = req.headers.get("Via")
        if via is not None:
            headers.add("Via", via.split(",", 1)[0].strip() if "," in via else via)
        for name in ("Route",):
            for value in req.headers.get_all(name):
                headers.add(name, value)
        headers.add("Max-Forwards", "70")
        headers.add("From", req.headers.get("From") or "")
        headers.add("To", response.headers.get("To") or "")
        headers.add("Call-ID", req.headers.get("Call-ID") or "")
        headers.add("CSeq", f"{req.cseq.seq} ACK")
        return SipRequest("ACK", req.uri, headers)

    # -- server side (§17.2) ---------------------------------------------------------------

    def start_server(self, now: float) -> None:
        """Arm the unanswered-request guard (timer U)."""
        if self.kind is Kind.INVITE_SERVER:
            self._arm("U", now, self.config.invite_answer_timeout)
        else:
            self._arm("U", now, 64 * self.config.t1)

    def on_retransmission(self, request: SipRequest, now: float) -> None:
        """A retransmitted request (or the ACK for a non-2xx) matched this server transaction."""
        if self.kind is Kind.INVITE_SERVER and request.method == "ACK":
            if self.state is State.COMPLETED:
                self._move(State.CONFIRMED)
                self._disarm("G", "H")
                self._arm("I", now, 0.0 if self.reliable else self.config.t4)
            return
        if self.last_response is not None and self.state in (
            State.PROCEEDING,
            State.COMPLETED,
        ):
            self._send(self.last_response)

    def send_response(self, response: SipResponse, now: float) -> None:
        """The TU answers through this server transaction."""
        status = response.status
        if self.state in (State.COMPLETED, State.CONFIRMED, State.TERMINATED):
            raise SipStateError(
                f"{self.kind.value} transaction {self.key.branch!r} already answered "
                f"({self.state.value}); cannot send {status}"
            )
        if self.state is State.ACCEPTED:
            if 200 <= status < 300:  # RFC 6026 §8.7: the TU's 2xx retransmissions pass
                self.last_response = bytes(response)
                self._send(self.last_response)
                return
            raise SipStateError(f"ist {self.key.branch!r}: non-2xx after a 2xx")
        data = bytes(response)
        self.last_response = data
        self._send(data)
        if status >= 200:
            self._disarm("U")
        if status < 200:
            if self.kind is Kind.NON_INVITE_SERVER and self.state is State.TRYING:
                self._move(State.PROCEEDING)
            return
        t1 = self.config.t1
        if self.kind is Kind.INVITE_SERVER:
            if status < 300:
                self._move(State.ACCEPTED)
                # RFC 6026 Timer L; the 2xx is retransmitted until an ACK (§13.3.1.4).
                self._arm("L", now, 64 * t1)
                if not self.reliable:
                    self.intervals["2xx"] = t1
                    self._arm("2xx", now, t1)
                return
            self._move(State.COMPLETED)
            if not self.reliable:
                self.intervals["G"] = t1
                self._arm("G", now, t1)
            self._arm("H", now, 64 * t1)
            return
        self._move(State.COMPLETED)
        self._arm("J", now, 0.0 if self.reliable else 64 * t1)

    def on_2xx_ack(self, now: float) -> None:
        """The ACK for our 2xx arrived: stop retransmitting it (§13.3.1.4)."""
        self._disarm("2xx")
        self.intervals.pop("2xx", None)
        self.acked = True

    # -- timers ----------------------------------------------------------------------------

    def on_timer(self, name: str, now: float) -> None:
        """Timer `name` fired at `now` (the layer checked it is still armed)."""
        self.timers.pop(name, None)
        t2 = self.config.t2
        if name in ("A", "E", "G", "2xx"):
            interval = self.intervals[name] * 2
            if name != "A":  # §17.1.1.2: A doubles without bound; E and G cap at T2
                interval = min(interval, t2)
            if name == "E" and self.state is State.PROCEEDING:
                interval = t2  # §17.1.2.2
            self.intervals[name] = interval
            self._send(self.request_bytes if name in ("A", "E") else self.last_response or b"")
            self._arm(name, now, interval)
        elif name in ("B", "F", "H"):
            self._move(State.TERMINATED)
            self.sink.emit(TransactionTimeout(self.key, name))
        elif name == "U":
            self.sink.emit(TransactionTimeout(self.key, name))
            if self.kind is Kind.INVITE_SERVER:
                self.send_response(make_response(self.request, 408), now)  # caller still waits
            else:
                self._move(State.TERMINATED)
        elif name == "L":
            self._move(State.TERMINATED)
            if not self.acked:  # §13.3.1.4: the TU should now end the dialog with BYE
                self.sink.emit(TransactionTimeout(self.key, name))
        else:  # D, I, J, K, M: quiet ends
            self._move(State.TERMINATED)

    def terminate(self) -> None:
        """Force the end (transport error, shutdown)."""
        if self.state is not State.TERMINATED:
            self._move(State.TERMINATED)


def new_request_event(txn: Transaction, source: Address) -> RequestReceived:
    """The TU event for the request that created server transaction `txn`."""
    return RequestReceived(txn.request, txn.key, source, txn.transport)
