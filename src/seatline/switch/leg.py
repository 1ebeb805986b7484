"""A call leg: one SIP dialog of a call (RFC 3261 §12) and its explicit state machine."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING

from seatline.sip import SipParseError, SipRequest, SipUri, parse_name_addr, parse_name_addrs
from seatline.sip.events import TransactionKey
from seatline.sip.message import SipMessage
from seatline.sip.sdp import AudioOffer
from seatline.sip.uri import parse_uri
from seatline.switch.errors import CallStateError

if TYPE_CHECKING:
    from seatline.switch.call import Call
    from seatline.switch.config import TrunkConfig
    from seatline.switch.media import RtpSession

Address = tuple[str, int]


class LegState(Enum):
    """Where a leg's INVITE dialog stands."""

    INCOMING = "incoming"  # INVITE received, not answered
    CALLING = "calling"  # INVITE sent, nothing back yet
    EARLY = "early"  # provisional response sent or received
    CONFIRMED = "confirmed"  # 2xx sent or received
    TERMINATED = "terminated"


_TRANSITIONS: dict[LegState, dict[str, LegState]] = {
    LegState.INCOMING: {
        "ring": LegState.EARLY,
        "answer": LegState.CONFIRMED,
        "end": LegState.TERMINATED,
    },
    LegState.CALLING: {
        "ring": LegState.EARLY,
        "answer": LegState.CONFIRMED,
        "end": LegState.TERMINATED,
    },
    LegState.EARLY: {
        "ring": LegState.EARLY,
        "answer": LegState.CONFIRMED,
        "end": LegState.TERMINATED,
    },
    LegState.CONFIRMED: {"end": LegState.TERMINATED},
    LegState.TERMINATED: {},
}


@dataclass(eq=False)
class Leg:
    """The dialog state of one leg: identifiers, peer address, CSeq and media."""

    call_id: str
    local_tag: str
    local_uri: str  # name-addr written in our From/To, without tag
    remote_uri: str
    remote_target: str  # Request-URI of in-dialog requests (the peer's Contact)
    address: Address  # where the peer's signalling comes from and goes to
    transport: str
    inbound: bool
    remote_tag: str = ""
    cseq: int = 0
    state: LegState = LegState.INCOMING
    invite: SipRequest | None = None
    invite_key: TransactionKey | None = None
    media: RtpSession | None = None
    remote_media: AudioOffer | None = None
    sdp_version: int = 1
    call: Call | None = None
    route_set: list[str] = field(default_factory=list)
    trunk: TrunkConfig | None = None  # the carrier trunk this leg goes out or came in through
    auth_sent: bool = False  # we answered one digest challenge already (no loops)

    def move(self, event: str) -> LegState:
        """Apply `event` through the transition table; raise `CallStateError` if illegal."""
        new = _TRANSITIONS[self.state].get(event)
        if new is None:
            raise CallStateError(f"leg {self.call_id}", self.state, event)
        self.state = new
        return new

    @property
    def ended(self) -> bool:
        """Whether the dialog is over."""
        return self.state is LegState.TERMINATED

    def matches(self, request: SipRequest) -> bool:
        """Whether `request` from the peer belongs to this dialog (RFC 3261 §12.2.2).

        Whichever side began the dialog, the peer's requests carry its tag in From and ours
        in To; a Call-ID alone is no proof (it travels in clear and is often guessable).
        """
        try:
            from_tag = request.from_addr.tag or ""
            to_tag = request.to_addr.tag or ""
        except SipParseError:
            return False
        return (
            request.call_id == self.call_id
            and to_tag == self.local_tag
            and from_tag == self.remote_tag
        )

    def expects_source(self, host: str, port: int) -> bool:
        """Whether a datagram from `host`:`port` may come from this leg's peer.

        The peer's own address, the next hop of the route set (a proxy in the path), or any
        address of the leg's carrier trunk (a carrier may answer from another of its hosts).
        A peer known only by name cannot be checked here (no DNS): its tags must do.
        """
        if (host, port) == self.address or (host, port) == next_hop(self):
            return True
        trunk = self.trunk
        if trunk is not None and (trunk.matches_source(host, port) or host == trunk.outbound_host):
            return True
        return not _is_ip(self.address[0])


def record_route(message: SipMessage) -> list[str]:
    """The Record-Route entries of a message, topmost first (RFC 3261 §12.1)."""
    out: list[str] = []
    for value in message.headers.get_all("Record-Route"):
        try:
            out.extend(str(addr) for addr in parse_name_addrs(value))
        except SipParseError:
            continue  # a broken entry is skipped rather than failing the call
    return out


def request_target(leg: Leg) -> tuple[str, list[str]]:
    """Request-URI and Route values of a request inside `leg`'s dialog (RFC 3261 §12.2.1.1)."""
    if not leg.route_set:
        return leg.remote_target, []
    first = _route_uri(leg.route_set[0])
    if first is None or first.lr:
        return leg.remote_target, list(leg.route_set)
    # A strict router (RFC 2543): it becomes the Request-URI, the remote target the last Route.
    return str(first.without_headers()), [*leg.route_set[1:], f"<{leg.remote_target}>"]


def next_hop(leg: Leg) -> Address:
    """Where `leg`'s in-dialog requests go: the first route, else where the peer sent from.

    Without a route set the source address is kept rather than the remote target (Contact):
    a phone behind NAT advertises a private Contact but is reachable where it sends from.
    A route given by name rather than address also falls back to it (no DNS here).
    """
    if leg.route_set:
        uri = _route_uri(leg.route_set[0])
        if uri is not None:
            host = uri.maddr or uri.host
            host = host[1:-1] if host.startswith("[") else host
            try:
                ipaddress.ip_address(host)
            except ValueError:
                return leg.address
            return host, uri.port or 5060
    return leg.address


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def _route_uri(route: str) -> SipUri | None:
    try:
        uri = parse_uri(parse_name_addr(route).uri)
    except SipParseError:
        return None
    return uri if isinstance(uri, SipUri) else None
