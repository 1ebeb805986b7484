"""In-memory pair harness: a UAC and a UAS transaction layer joined by a fake link and a
hand-driven clock, so transaction and dialog tests need no sockets and no sleeps."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from seatline.sip import Headers, SipRequest
from seatline.sip.events import Address, Outgoing, TransactionEvent
from seatline.sip.layer import TransactionLayer
from seatline.sip.transaction import TimerConfig

UAC_ADDR: Address = ("192.0.2.1", 5060)
UAS_ADDR: Address = ("192.0.2.2", 5060)


@dataclass
class Pair:
    """Two layers, a clock, and a log of what crossed the link."""

    transport: str = "UDP"
    auto_trying: bool = True
    uac: TransactionLayer = field(init=False)
    uas: TransactionLayer = field(init=False)
    now: float = 0.0
    sent_by_uac: list[tuple[float, bytes]] = field(default_factory=list)
    sent_by_uas: list[tuple[float, bytes]] = field(default_factory=list)
    drop: Callable[[str, Outgoing], bool] = lambda side, out: False
    uac_source: Address = UAC_ADDR

    def __post_init__(self) -> None:
        self.uac = TransactionLayer(TimerConfig())
        self.uas = TransactionLayer(TimerConfig(), auto_trying=self.auto_trying)

    def pump(self) -> None:
        """Deliver queued datagrams both ways until the link is quiet."""
        moved = True
        while moved:
            moved = False
            for out in self.uac.datagrams_to_send():
                moved = True
                self.sent_by_uac.append((self.now, out.data))
                if not self.drop("uac", out):
                    self.uas.receive_datagram(out.data, self.uac_source, self.transport, self.now)
            for out in self.uas.datagrams_to_send():
                moved = True
                self.sent_by_uas.append((self.now, out.data))
                if not self.drop("uas", out):
                    self.uac.receive_datagram(out.data, UAS_ADDR, self.transport, self.now)

    def advance(self, until: float) -> None:
        """Move the clock to `until`, firing every timer on the way."""
        while True:
            deadlines = [t for t in (self.uac.next_timer(), self.uas.next_timer()) if t is not None]
            due = min(deadlines) if deadlines else None
            if due is None or due > until:
                break
            self.now = due
            self.uac.handle_timer(due)
            self.uas.handle_timer(due)
            self.pump()
        self.now = until
        self.pump()


def drain(layer: TransactionLayer) -> list[TransactionEvent]:
    """Every pending event of `layer`."""
    out = []
    while (event := layer.next_event()) is not None:
        out.append(event)
    return out


def request(
    method: str, branch: str = "z9hG4bK-1", transport: str = "UDP", cseq: int = 1
) -> SipRequest:
    """A minimal valid request from the UAC to the UAS."""
    headers = Headers(
        [
            ("Via", f"SIP/2.0/{transport} 192.0.2.1:5060;branch={branch};rport"),
            ("Max-Forwards", "70"),
            ("From", "<sip:alice@example.com>;tag=a1"),
            ("To", "<sip:bob@example.com>"),
            ("Call-ID", "call-1@192.0.2.1"),
            ("CSeq", f"{cseq} {method}"),
            ("Contact", "<sip:alice@192.0.2.1:5060>"),
        ]
    )
    return SipRequest(method, "sip:bob@example.com", headers)
