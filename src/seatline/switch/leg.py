"""A call leg: one SIP dialog of a call (RFC 3261 §12) and its explicit state machine."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING

from seatline.sip import SipRequest
from seatline.sip.events import TransactionKey
from seatline.switch.errors import CallStateError
from seatline.switch.sdp import MediaDescription

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
    remote_media: MediaDescription | None = None
    sdp_version: int = 1
    call: Call | None = None
    route_set: list[str] = field(default_factory=list)
    trunk: TrunkConfig | None = None  # outbound legs through a carrier trunk
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
