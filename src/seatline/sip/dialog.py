"""Dialogs (RFC 3261 §12): identity, tags, CSeq counters, route set and remote target.

A dialog is created from the INVITE and its 1xx/2xx (UAC side, §12.1.2) or from the INVITE
and our answer (UAS side, §12.1.1). It builds in-dialog requests (BYE, re-INVITE, REFER, the
ACK for a 2xx) with the right Request-URI and Route (§12.2.1.1, loose and strict routing) and
checks incoming in-dialog requests (§12.2.2). It does not send anything: the TU passes what
it builds to the transaction layer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

from seatline.sip.errors import SipStateError
from seatline.sip.headers import NameAddr, parse_contacts, parse_name_addr, parse_name_addrs
from seatline.sip.message import Headers, SipMessage, SipRequest, SipResponse
from seatline.sip.uri import SipUri, parse_uri

# §12.2.1.1: methods whose Contact refreshes the remote target (plus RFC 3311, 3265, 3515).
TARGET_REFRESH = frozenset({"INVITE", "UPDATE", "SUBSCRIBE", "NOTIFY", "REFER"})


@dataclass(frozen=True, slots=True)
class DialogId:
    """Call-ID plus local and remote tag (§12)."""

    call_id: str
    local_tag: str
    remote_tag: str


def uac_dialog_id(response: SipResponse) -> DialogId | None:
    """The id of the dialog a response belongs to, seen from the UAC (local tag = From tag)."""
    remote = response.to_addr.tag
    local = response.from_addr.tag
    if not remote or not local:
        return None
    return DialogId(response.call_id, local, remote)


def uas_dialog_id(request: SipRequest) -> DialogId | None:
    """The id of the dialog an in-dialog request belongs to, seen from the UAS."""
    local = request.to_addr.tag
    remote = request.from_addr.tag
    if not local or not remote:
        return None
    return DialogId(request.call_id, local, remote)


class DialogState(Enum):
    """Dialog states (§12): early after a 1xx with tag, confirmed after a 2xx."""

    EARLY = "early"
    CONFIRMED = "confirmed"
    TERMINATED = "terminated"


TRANSITIONS: dict[DialogState, frozenset[DialogState]] = {
    DialogState.EARLY: frozenset({DialogState.CONFIRMED, DialogState.TERMINATED}),
    DialogState.CONFIRMED: frozenset({DialogState.TERMINATED}),
    DialogState.TERMINATED: frozenset(),
}


def _contact_uri(message: SipMessage) -> str | None:
    value = message.headers.get("Contact")
    if value is None:
        return None
    contacts = parse_contacts(value)
    return None if contacts == "*" or not contacts else contacts[0].uri


def _record_route(message: SipMessage) -> list[str]:
    out: list[str] = []
    for value in message.headers.get_all("Record-Route"):
        out.extend(str(addr) for addr in parse_name_addrs(value))
    return out


class Dialog:
    """One dialog's state, from either side."""

    def __init__(
        self,
        dialog_id: DialogId,
        *,
        local_uri: NameAddr,
        remote_uri: NameAddr,
        remote_target: str,
        route_set: list[str],
        local_seq: int,
        remote_seq: int | None,
        local_contact: str,
        state: DialogState,
        secure: bool = False,
    ) -> None:
        self.id = dialog_id
        self.local_uri = local_uri
        self.remote_uri = remote_uri
        self.remote_target = remote_target
        self.route_set = route_set
        self.local_seq = local_seq
        self.remote_seq = remote_seq
        self.local_contact = local_contact
        self.state = state
        self.secure = secure

    # -- creation --------------------------------------------------------------------------

    @classmethod
    def from_uac(cls, request: SipRequest, response: SipResponse, local_contact: str) -> Dialog:
        """The UAC's dialog from its INVITE and a 1xx-with-tag or 2xx (§12.1.2)."""
        status = response.status
        if not 100 < status < 300:
            raise ValueError(f"status {status} does not create a dialog")
        dialog_id = uac_dialog_id(response)
        if dialog_id is None:
            raise ValueError("response without To tag cannot create a dialog")
        target = _contact_uri(response) or request.uri
        return cls(
            dialog_id,
            local_uri=request.from_addr,
            remote_uri=response.to_addr,
            remote_target=target,
            route_set=list(reversed(_record_route(response))),
            local_seq=request.cseq.seq,
            remote_seq=None,
            local_contact=local_contact,
            state=DialogState.CONFIRMED if status >= 200 else DialogState.EARLY,
            secure=request.uri.lower().startswith("sips:"),
        )

    @classmethod
    def from_uas(
        cls,
        request: SipRequest,
        local_tag: str,
        local_contact: str,
        *,
        confirmed: bool = False,
        local_seq: int = 0,
    ) -> Dialog:
        """The UAS's dialog from the INVITE it answers with `local_tag` (§12.1.1)."""
        remote_tag = request.from_addr.tag
        if not remote_tag:
            remote_tag = ""  # RFC 2543 peers: the dialog id then has an empty remote tag
        target = _contact_uri(request)
        if target is None:
            raise ValueError("a dialog-creating request needs a Contact")
        return cls(
            DialogId(request.call_id, local_tag, remote_tag),
            local_uri=request.to_addr.with_tag(local_tag),
            remote_uri=request.from_addr,
            remote_target=target,
            route_set=_record_route(request),
            local_seq=local_seq,
            remote_seq=request.cseq.seq,
            local_contact=local_contact,
            state=DialogState.CONFIRMED if confirmed else DialogState.EARLY,
            secure=request.uri.lower().startswith("sips:"),
        )

    # -- state -----------------------------------------------------------------------------

    def _move(self, new: DialogState) -> None:
        if new not in TRANSITIONS[self.state]:
            raise SipStateError(f"dialog {self.id}: illegal move {self.state.value} -> {new.value}")
        self.state = new

    def confirm(self, response: SipResponse | None = None) -> None:
        """A 2xx arrived (UAC) or was sent (UAS): the dialog is confirmed."""
        was_early = self.state is DialogState.EARLY
        if self.state is not DialogState.CONFIRMED:
            self._move(DialogState.CONFIRMED)
        if response is not None:
            target = _contact_uri(response)
            if target is not None:
                self.remote_target = target
            if was_early and response.headers.get("Record-Route"):
                self.route_set = list(reversed(_record_route(response)))  # §12.1.2: the 2xx wins

    def terminate(self) -> None:
        """BYE sent or received, or the dialog failed."""
        if self.state is not DialogState.TERMINATED:
            self._move(DialogState.TERMINATED)

    # -- requests inside the dialog --------------------------------------------------------

    def create_request(
        self,
        method: str,
        via: str,
        *,
        body: bytes = b"",
        content_type: str | None = None,
        headers: Iterable[tuple[str, str]] = (),
        cseq: int | None = None,
    ) -> SipRequest:
        """A request within the dialog (§12.2.1.1); `via` is the full Via value with branch."""
        if self.state is DialogState.TERMINATED and method != "ACK":
            raise SipStateError(f"dialog {self.id} is terminated; cannot send {method}")
        if cseq is None:
            if method in ("ACK", "CANCEL"):
                raise ValueError(f"{method} reuses the CSeq number of its INVITE: pass cseq")
            self.local_seq += 1
            cseq = self.local_seq
        uri, routes = self._request_uri_and_routes()
        out = Headers()
        out.add("Via", via)
        out.add("Max-Forwards", "70")
        for route in routes:
            out.add("Route", route)
        out.add("From", str(self.local_uri))
        out.add("To", str(self.remote_uri))
        out.add("Call-ID", self.id.call_id)
        out.add("CSeq", f"{cseq} {method}")
        if method in TARGET_REFRESH:
            out.add("Contact", f"<{self.local_contact}>")
        for name, value in headers:
            out.add(name, value)
        if body and content_type:
            out.add("Content-Type", content_type)
        return SipRequest(method, uri, out, body)

    def create_ack(self, invite_cseq: int, via: str, *, body: bytes = b"") -> SipRequest:
        """The ACK for a 2xx to the INVITE with CSeq `invite_cseq` (§13.2.2.4)."""
        content_type = "application/sdp" if body else None
        return self.create_request(
            "ACK", via, body=body, content_type=content_type, cseq=invite_cseq
        )

    def _request_uri_and_routes(self) -> tuple[str, list[str]]:
        if not self.route_set:
            return self.remote_target, []
        first = parse_name_addr(self.route_set[0])
        uri = parse_uri(first.uri)
        if isinstance(uri, SipUri) and uri.lr:
            return self.remote_target, list(self.route_set)
        # Strict routing (RFC 2543 proxies): first route becomes the Request-URI, the remote
        # target goes last in Route (§12.2.1.1).
        bare = uri.without_headers() if isinstance(uri, SipUri) else uri
        return str(bare), [*self.route_set[1:], f"<{self.remote_target}>"]

    def next_hop(self) -> str:
        """The URI a request in this dialog is sent to: the first route or the remote target."""
        if self.route_set:
            return parse_name_addr(self.route_set[0]).uri
        return self.remote_target

    def receive_request(self, request: SipRequest) -> int | None:
        """Check an incoming in-dialog request (§12.2.2); returns a status to reject it with."""
        seq = request.cseq.seq
        if request.method not in ("ACK", "CANCEL"):
            if self.remote_seq is not None and seq < self.remote_seq:
                return 500  # §12.2.2: out of order
            self.remote_seq = seq
        if request.method in TARGET_REFRESH:
            target = _contact_uri(request)
            if target is not None:
                self.remote_target = target
        return None
