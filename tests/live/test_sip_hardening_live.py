"""Findings 5 and 6 of issue 11 on real calls: a `seatline up --demo` node with two tenants.

Finding 5: SIPp calls the demo prompt loop (9000) with its media on a socket of this test; a
stranger on 127.0.0.2 who knows the Call-ID sends a re-INVITE that would move the RTP to
itself, a BYE and a REFER, all with wrong tags: each gets 481, no RTP ever reaches the
stranger, the call's RTP keeps flowing where it was, and SIPp's own BYE still ends the call.

Finding 6: a baresip phone of the second tenant registers through a UDP relay of this test,
which captures its authenticated REGISTER. Replayed with the attacker's Contact from another
address, and again from the relay's own address, it is refused, and the registrar's answer
to an honest query lists the phone's contact only.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import secrets
import socket
import urllib.request
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from seatline.sip import SipResponse, parse_message
from seatline.sip.auth import DigestChallenge, authorize
from switch.conftest import needs_baresip, needs_sipp
from switch.harness import Baresip, free_port, run_sipp
from switch.raw_sip import Dialog, raw_peer, sdp

from .node import Node

pytestmark = [needs_sipp, needs_baresip, pytest.mark.slow]

BETA_DOMAIN = "beta.seatline.test"
BETA_EXTENSION = "2001"
BETA_PASSWORD = "beta-2001-secret"


@pytest.fixture(autouse=True)
def _loopback_alias() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.bind(("127.0.0.2", 0))
        except OSError:
            pytest.skip("127.0.0.2 is not a loopback address here")


def api(node: Node, method: str, path: str, token: str, body: object, tenant: str = "") -> Any:
    """A JSON request as the platform admin, optionally acting in `tenant`."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{node.http}{path}", data=json.dumps(body).encode(), method=method
    )
    request.add_header("authorization", f"Bearer {token}")
    request.add_header("content-type", "application/json")
    if tenant:
        request.add_header("X-Seatline-Tenant", tenant)
    with urllib.request.urlopen(request, timeout=5) as answer:
        return json.load(answer)


@pytest.fixture
async def node(tmp_path: Path) -> AsyncIterator[Node]:
    """The demo node plus a second tenant, Beta, with one agent who has a SIP password."""
    (tmp_path / "data").mkdir()
    running = Node(tmp_path / "data")
    await running.start(demo=True)
    try:
        token = await asyncio.to_thread(running.login, "platform@demo", "demo-platform")
        beta = await asyncio.to_thread(
            api,
            running,
            "POST",
            "/api/tenants",
            token,
            {"name": "Beta", "slug": "beta", "sip_domain": BETA_DOMAIN, "seat_count": 5},
        )
        await asyncio.to_thread(
            api,
            running,
            "POST",
            "/api/agents",
            token,
            {"extension": BETA_EXTENSION, "display_name": "Bea", "sip_password": BETA_PASSWORD},
            beta["id"],
        )
        tenants = await asyncio.to_thread(running.get, "/api/tenants", token)
        assert {t["sip_domain"] for t in tenants} >= {BETA_DOMAIN, "demo.seatline.test"}
        yield running
    finally:
        await running.stop()


# -- finding 5 -------------------------------------------------------------------------------
class Counter(asyncio.DatagramProtocol):
    """Counts the RTP packets that reach a socket."""

    def __init__(self) -> None:
        self.count = 0

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        if len(data) >= 12 and data[0] & 0xC0 == 0x80:
            self.count += 1


@contextlib.asynccontextmanager
async def rtp_counter(host: str) -> AsyncIterator[tuple[Counter, int]]:
    loop = asyncio.get_running_loop()
    transport, counter = await loop.create_datagram_endpoint(Counter, local_addr=(host, 0))
    try:
        yield counter, transport.get_extra_info("sockname")[1]
    finally:
        transport.close()


def caller_scenario(path: Path, media_port: int, hold_ms: int) -> Path:
    """A SIPp caller whose SDP names this test's RTP socket; it hangs up after `hold_ms`."""
    path.write_text(f"""<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="caller with media here">
  <send retrans="500">
    <![CDATA[
      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: sip:sipp@[local_ip]:[local_port]
      Max-Forwards: 70
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=user1 1 1 IN IP4 127.0.0.1
      s=-
      c=IN IP4 127.0.0.1
      t=0 0
      m=audio {media_port} RTP/AVP 0
      a=rtpmap:0 PCMU/8000
    ]]>
  </send>
  <recv response="100" optional="true"></recv>
  <recv response="180" optional="true"></recv>
  <recv response="200" rtd="true"></recv>
  <send>
    <![CDATA[
      ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Max-Forwards: 70
      Content-Length: 0
    ]]>
  </send>
  <pause milliseconds="{hold_ms}"/>
  <send retrans="500">
    <![CDATA[
      BYE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 2 BYE
      Max-Forwards: 70
      Content-Length: 0
    ]]>
  </send>
  <recv response="200" crlf="true"></recv>
</scenario>
""")
    return path


async def until(predicate: Any, timeout: float, what: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise TimeoutError(what)
        await asyncio.sleep(0.05)


async def test_a_strangers_wrong_tags_neither_end_nor_move_a_call(
    node: Node, tmp_path: Path
) -> None:
    call_id = f"hijack-{secrets.token_hex(4)}"
    async with (
        rtp_counter("127.0.0.1") as (media, media_port),
        rtp_counter("127.0.0.2") as (
            stolen,
            stolen_port,
        ),
    ):
        scenario = caller_scenario(tmp_path / "caller.xml", media_port, hold_ms=6000)
        sipp = asyncio.ensure_future(
            run_sipp(scenario, node.sip, free_port(), "-m", "1", "-cid_str", call_id, timeout=30)
        )
        await until(lambda: media.count > 20, 10, "no RTP from the demo prompt")
        stranger = await raw_peer(node.sip, host="127.0.0.2")
        try:
            forged = Dialog(
                call_id,
                "evil",
                "guessed",
                "<sip:sipp@127.0.0.1>",
                f"<sip:9000@127.0.0.1:{node.sip}>",
            )
            stranger.in_dialog(forged, "INVITE", body=sdp("127.0.0.2", stolen_port))
            assert (await stranger.final(call_id, "INVITE")).status == 481
            stranger.in_dialog(forged, "REFER", extra=("Refer-To: <sip:9001@127.0.0.1>",))
            assert (await stranger.final(call_id, "REFER")).status == 481
            stranger.in_dialog(forged, "BYE")
            assert (await stranger.final(call_id, "BYE")).status == 481
        finally:
            stranger.close()
        before = media.count
        await until(lambda: media.count > before + 50, 5, "the call's RTP stopped")
        result = await sipp
        assert result.returncode == 0, result.errors[:2000] + node.log()
        assert stolen.count == 0  # not one packet was redirected to the stranger


# -- finding 6 -------------------------------------------------------------------------------
@dataclass
class Relay(asyncio.DatagramProtocol):
    """A UDP relay between a phone and the node that keeps a copy of what the phone sends."""

    node: tuple[str, int]
    phone: tuple[str, int] | None = None
    sent: list[bytes] = field(default_factory=list)
    answers: asyncio.Queue[bytes] = field(default_factory=asyncio.Queue)
    transport: asyncio.DatagramTransport | None = None
    tapped: bool = False  # replies to our own replays are kept here, not sent to the phone

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        assert self.transport is not None
        if addr == self.node:
            if self.tapped:
                self.answers.put_nowait(data)
            elif self.phone is not None:
                self.transport.sendto(data, self.phone)
            return
        self.phone = addr
        self.sent.append(data)
        self.transport.sendto(data, self.node)

    def replay(self, data: bytes) -> None:
        """Send `data` to the node from the relay's own address (the phone's, to the node)."""
        assert self.transport is not None
        self.tapped = True
        self.transport.sendto(data, self.node)


def authorized_register(sent: list[bytes]) -> bytes:
    """The last REGISTER the phone sent with an Authorization header."""
    for data in reversed(sent):
        if data.startswith(b"REGISTER ") and b"\nAuthorization:" in data:
            return data
    raise AssertionError(f"no authorized REGISTER among {len(sent)} datagrams")


def forged(captured: bytes, contact: str) -> bytes:
    """The captured REGISTER with a new branch and the attacker's Contact (not covered by the
    digest), so it is a new request rather than a retransmission."""
    text = captured.decode()
    text = re.sub(r"branch=[^;\r\n]+", f"branch=z9hG4bK{secrets.token_hex(8)}", text, count=1)
    text = re.sub(r"(?m)^Contact: .*$", f"Contact: {contact}\r", text, count=1)
    text = re.sub(r"(?m)^CSeq: (\d+)", lambda m: f"CSeq: {int(m.group(1)) + 10}", text, count=1)
    return text.replace("\r\r\n", "\r\n").encode()


async def test_a_captured_register_replayed_adds_no_binding(node: Node, tmp_path: Path) -> None:
    loop = asyncio.get_running_loop()
    relay_port = free_port()
    _, relay = await loop.create_datagram_endpoint(
        lambda: Relay(("127.0.0.1", node.sip)), local_addr=("127.0.0.1", relay_port)
    )
    (tmp_path / "bea").mkdir()
    phone = Baresip(
        tmp_path / "bea",
        BETA_EXTENSION,
        BETA_PASSWORD,
        BETA_DOMAIN,
        node.sip,
        proxy=f"127.0.0.1:{relay_port}",
    )
    attacker = await raw_peer(node.sip, host="127.0.0.2")
    evil = f"<sip:{BETA_EXTENSION}@127.0.0.2:{attacker.local[1]}>"
    try:
        await phone.start()
        await phone.wait_registered()
        captured = authorized_register(relay.sent)

        attacker.send(forged(captured, evil))  # from another address
        from_elsewhere = await attacker.final()
        assert from_elsewhere.status == 401, from_elsewhere

        relay.replay(forged(captured, evil))  # from the address the nonce was issued to
        again = parse_message(await asyncio.wait_for(relay.answers.get(), 3))
        assert isinstance(again, SipResponse) and again.status == 401, again
        assert "stale=true" in (again.headers.get("WWW-Authenticate") or "")

        contacts = await bindings(attacker, node.sip)
        assert not any("127.0.0.2" in c for c in contacts), contacts
        assert contacts, "the phone's own binding is gone"
    finally:
        attacker.close()
        await phone.stop()
        if relay.transport is not None:
            relay.transport.close()


async def bindings(peer: Any, port: int) -> list[str]:
    """The Contacts the registrar holds for Beta's agent: an authenticated REGISTER query
    (no Contact), sent as someone who knows the password."""

    def query(cseq: int, auth: str = "") -> bytes:
        text = peer.request_text(
            "REGISTER",
            f"sip:{BETA_DOMAIN}",
            call_id="binding-query",
            from_=f"<sip:{BETA_EXTENSION}@{BETA_DOMAIN}>;tag=q",
            to=f"<sip:{BETA_EXTENSION}@{BETA_DOMAIN}>",
            cseq=cseq,
            extra=(f"Authorization: {auth}",) if auth else (),
        )
        lines = [line for line in text.split("\r\n") if not line.startswith("Contact:")]
        return "\r\n".join(lines).encode()

    peer.send(query(1))
    challenge = await peer.final("binding-query")
    assert challenge.status == 401
    parsed = DigestChallenge.parse(challenge.headers.get("WWW-Authenticate") or "")
    creds = authorize(parsed, "REGISTER", f"sip:{BETA_DOMAIN}", BETA_EXTENSION, BETA_PASSWORD, "q1")
    peer.send(query(2, str(creds)))
    ok = await peer.final("binding-query")
    assert ok.status == 200, ok
    return ok.headers.get_all("Contact")
