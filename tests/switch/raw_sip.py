"""A raw SIP peer over a real UDP socket, for tests that must send what no SIP stack would.

It writes requests by hand (wrong tags, foreign addresses, odd bodies) and reads back
whatever the switch sends, responses and requests alike, with bounded waits.
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass, field

from seatline.sip import SipMessage, SipParseError, SipRequest, SipResponse, parse_message

Address = tuple[str, int]


def branch() -> str:
    """A fresh RFC 3261 branch."""
    return "z9hG4bK" + secrets.token_hex(8)


def sdp(host: str, port: int, formats: str = "0 101", extra: str = "") -> str:
    """A small G.711 offer for `host`:`port`."""
    return (
        f"v=0\r\no=raw 1 1 IN IP4 {host}\r\ns=-\r\nc=IN IP4 {host}\r\nt=0 0\r\n"
        f"m=audio {port} RTP/AVP {formats}\r\na=rtpmap:0 PCMU/8000\r\n"
        f"a=rtpmap:101 telephone-event/8000\r\n{extra}"
    )


@dataclass
class Dialog:
    """What a raw peer knows of a dialog it set up: enough to forge requests inside it."""

    call_id: str
    local_tag: str
    remote_tag: str
    local_uri: str
    remote_uri: str
    cseq: int = 1


class _Protocol(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.inbox: asyncio.Queue[tuple[bytes, Address]] = asyncio.Queue()

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.inbox.put_nowait((data, addr))


@dataclass
class RawPeer:
    """A UDP socket that sends hand-written SIP to the switch and reads what comes back."""

    transport: asyncio.DatagramTransport
    protocol: _Protocol
    switch: Address
    seen: list[SipMessage] = field(default_factory=list)

    @property
    def local(self) -> Address:
        """The socket's own address."""
        host, port = self.transport.get_extra_info("sockname")[:2]
        return str(host), int(port)

    def send(self, text: str | bytes) -> None:
        """Send one datagram (str lines are sent as written; use CRLF)."""
        self.transport.sendto(text.encode() if isinstance(text, str) else text, self.switch)

    async def next_message(self, timeout: float = 3.0) -> SipMessage:
        """The next parseable message from the switch (keep-alives and junk skipped)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError("nothing from the switch")
            data, _ = await asyncio.wait_for(self.protocol.inbox.get(), remaining)
            try:
                msg = parse_message(data)
            except SipParseError:
                continue
            self.seen.append(msg)
            return msg

    async def response(
        self, call_id: str | None = None, method: str | None = None, timeout: float = 3.0
    ) -> SipResponse:
        """The next final-or-not response (for `call_id` / CSeq `method` if given)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            msg = await self.next_message(max(0.0, deadline - loop.time()))
            if not isinstance(msg, SipResponse):
                continue
            if call_id is not None and msg.call_id != call_id:
                continue
            if method is not None and msg.cseq.method != method:
                continue
            return msg

    async def final(
        self, call_id: str | None = None, method: str | None = None, timeout: float = 3.0
    ) -> SipResponse:
        """The next final (>= 200) response."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            resp = await self.response(call_id, method, max(0.0, deadline - loop.time()))
            if resp.status >= 200:
                return resp

    async def request(self, method: str, timeout: float = 3.0) -> SipRequest:
        """The next request of `method` the switch sends us."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            msg = await self.next_message(max(0.0, deadline - loop.time()))
            if isinstance(msg, SipRequest) and msg.method == method:
                return msg

    def quiet_for(self) -> int:
        """How many datagrams are waiting unread."""
        return self.protocol.inbox.qsize()

    def close(self) -> None:
        """Close the socket."""
        self.transport.close()

    # -- requests ---------------------------------------------------------------------------
    def request_text(
        self,
        method: str,
        uri: str,
        *,
        call_id: str,
        from_: str,
        to: str,
        cseq: int,
        body: str = "",
        content_type: str = "application/sdp",
        extra: tuple[str, ...] = (),
        via_transport: str = "UDP",
        rport: bool = True,
    ) -> str:
        """A request written out in full, Via naming this socket."""
        host, port = self.local
        lines = [
            f"{method} {uri} SIP/2.0",
            f"Via: SIP/2.0/{via_transport} {host}:{port};branch={branch()}"
            + (";rport" if rport else ""),
            "Max-Forwards: 70",
            f"From: {from_}",
            f"To: {to}",
            f"Call-ID: {call_id}",
            f"CSeq: {cseq} {method}",
            f"Contact: <sip:raw@{host}:{port}>",
            *extra,
        ]
        if body:
            lines.append(f"Content-Type: {content_type}")
        lines.append(f"Content-Length: {len(body.encode())}")
        return "\r\n".join(lines) + "\r\n\r\n" + body

    def invite(
        self,
        number: str,
        *,
        call_id: str | None = None,
        body: str | None = None,
        extra: tuple[str, ...] = (),
        content_type: str = "application/sdp",
    ) -> Dialog:
        """Send a new INVITE to `number` with an SDP offer naming this socket; its dialog."""
        host, port = self.local
        dialog = Dialog(
            call_id or f"raw-{secrets.token_hex(6)}",
            secrets.token_hex(4),
            "",
            f"<sip:raw@{host}:{port}>",
            f"<sip:{number}@{self.switch[0]}:{self.switch[1]}>",
        )
        text = self.request_text(
            "INVITE",
            f"sip:{number}@{self.switch[0]}:{self.switch[1]}",
            call_id=dialog.call_id,
            from_=f"{dialog.local_uri};tag={dialog.local_tag}",
            to=dialog.remote_uri,
            cseq=dialog.cseq,
            body=sdp(host, port + 2) if body is None else body,
            content_type=content_type,
            extra=extra,
        )
        self.send(text)
        return dialog

    def in_dialog(
        self,
        dialog: Dialog,
        method: str,
        *,
        body: str = "",
        from_tag: str | None = None,
        to_tag: str | None = None,
        extra: tuple[str, ...] = (),
        content_type: str = "application/sdp",
    ) -> int:
        """Send `method` inside `dialog` (tags overridable to forge); returns its CSeq."""
        dialog.cseq += 1
        self.send(
            self.request_text(
                method,
                dialog.remote_uri.strip("<>"),
                call_id=dialog.call_id,
                from_=f"{dialog.local_uri};tag={from_tag or dialog.local_tag}",
                to=f"{dialog.remote_uri};tag={to_tag or dialog.remote_tag}",
                cseq=dialog.cseq,
                body=body,
                content_type=content_type,
                extra=extra,
            )
        )
        return dialog.cseq

    def ack(self, dialog: Dialog, cseq: int = 1) -> None:
        """ACK a 2xx to the INVITE with CSeq `cseq`."""
        self.send(
            self.request_text(
                "ACK",
                dialog.remote_uri.strip("<>"),
                call_id=dialog.call_id,
                from_=f"{dialog.local_uri};tag={dialog.local_tag}",
                to=f"{dialog.remote_uri};tag={dialog.remote_tag}",
                cseq=cseq,
            )
        )

    def answer(self, request: SipRequest, status: int, to_tag: str = "rawtag") -> None:
        """Answer a request the switch sent us."""
        from seatline.sip import make_response

        self.send(bytes(make_response(request, status, to_tag=to_tag)))


async def raw_peer(switch_port: int, host: str = "127.0.0.1", port: int = 0) -> RawPeer:
    """A raw peer bound to `host`:`port` (0: any free port) talking to the switch on 127.0.0.1."""
    loop = asyncio.get_running_loop()
    transport, protocol = await loop.create_datagram_endpoint(_Protocol, local_addr=(host, port))
    return RawPeer(transport, protocol, ("127.0.0.1", switch_port))
