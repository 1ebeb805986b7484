"""Finding 5: an in-dialog request must match the whole dialog, and over UDP its source.

RFC 3261 §12.2.2: Call-ID, the peer's tag (From) and ours (To). A stranger who knows only the
Call-ID gets 481 for BYE, re-INVITE, REFER and INFO and the call goes on, its RTP where it was;
so does the right peer with swapped tags, and the right tags from an unexpected address. A
re-INVITE with the right tags moves the peer (its Contact and source become the target).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest

from seatline.sip import make_response
from seatline.switch import outbound
from seatline.switch.call import Call

from .conftest import SwitchUnderTest
from .raw_sip import Dialog, RawPeer, raw_peer, sdp


class RtpSink(asyncio.DatagramProtocol):
    """Counts the datagrams sent to a port (where a forged offer tried to move the RTP)."""

    def __init__(self) -> None:
        self.count = 0

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.count += 1


@contextlib.asynccontextmanager
async def rtp_sink(host: str) -> AsyncIterator[tuple[RtpSink, int]]:
    loop = asyncio.get_running_loop()
    transport, sink = await loop.create_datagram_endpoint(RtpSink, local_addr=(host, 0))
    try:
        yield sink, transport.get_extra_info("sockname")[1]
    finally:
        transport.close()


async def connected_call(switch: SwitchUnderTest, peer: RawPeer) -> Dialog:
    """Call the demo prompt loop (9000) from `peer` and confirm the dialog."""
    dialog = peer.invite("9000")
    answer = await peer.final(dialog.call_id, "INVITE")
    assert answer.status == 200, answer
    dialog.remote_tag = answer.to_addr.tag or ""
    peer.ack(dialog)
    return dialog


async def until(predicate: object, timeout: float = 3.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():  # type: ignore[operator]
        if loop.time() > deadline:
            raise TimeoutError("condition not met")
        await asyncio.sleep(0.02)


async def test_strangers_and_swapped_tags_get_481_and_the_call_goes_on(
    switch: SwitchUnderTest,
) -> None:
    core = switch.service.core
    caller = await raw_peer(switch.port, port=switch.sipp_port)  # the trusted trunk's address
    stranger = await raw_peer(switch.port, host="127.0.0.2")
    try:
        dialog = await connected_call(switch, caller)
        leg = core.legs[dialog.call_id]
        assert leg.media is not None
        await until(lambda: leg.media is not None and leg.media.packets_out > 10)
        where = (leg.remote_media.address, leg.remote_media.port) if leg.remote_media else None
        # The stranger knows the Call-ID only.
        forged = Dialog(dialog.call_id, "evil", "guess", dialog.local_uri, dialog.remote_uri)
        async with rtp_sink("127.0.0.2") as (sink, sink_port):
            stranger.in_dialog(forged, "INVITE", body=sdp("127.0.0.2", sink_port))
            assert (await stranger.final(dialog.call_id, "INVITE")).status == 481
            stranger.in_dialog(forged, "BYE")
            assert (await stranger.final(dialog.call_id, "BYE")).status == 481
            stranger.in_dialog(forged, "REFER", extra=("Refer-To: <sip:9001@127.0.0.1>",))
            assert (await stranger.final(dialog.call_id, "REFER")).status == 481
            stranger.in_dialog(forged, "INFO", body="Signal=5\r\n", content_type="text/plain")
            assert (await stranger.final(dialog.call_id, "INFO")).status == 481
            # The right peer with the tags the wrong way round (ours in From) is no match.
            caller.in_dialog(dialog, "BYE", from_tag=dialog.remote_tag, to_tag=dialog.local_tag)
            assert (await caller.final(dialog.call_id, "BYE")).status == 481
            # The right tags from an address that is not the trunk's.
            stranger.in_dialog(dialog, "BYE")
            assert (await stranger.final(dialog.call_id, "BYE")).status == 481
            before = leg.media.packets_out
            await until(lambda: leg.media is not None and leg.media.packets_out > before + 10)
            assert sink.count == 0  # no RTP was ever redirected to the stranger
        assert core.legs.get(dialog.call_id) is leg and not leg.ended
        assert leg.remote_media is not None
        assert (leg.remote_media.address, leg.remote_media.port) == where
        caller.in_dialog(dialog, "BYE")
        assert (await caller.final(dialog.call_id, "BYE")).status == 200
        assert dialog.call_id not in core.legs
    finally:
        caller.close()
        stranger.close()


async def dialled_call(switch: SwitchUnderTest, callee: RawPeer) -> tuple[Call, Dialog]:
    """The switch dials `callee` (a plain SIP URI, no trunk); the callee answers with tag
    `calleetag`. Returns the call and the dialog as the callee sees it."""
    core = switch.service.core
    host, port = callee.local
    call = await outbound.dial(core, f"sip:raw@{host}:{port}", tenant_id="")  # the lab scope
    invite = await callee.request("INVITE")
    ok = make_response(
        invite,
        200,
        to_tag="calleetag",
        headers=[("Contact", f"<sip:raw@{host}:{port}>"), ("Content-Type", "application/sdp")],
        body=sdp(host, port + 2).encode(),
    )
    callee.send(bytes(ok))
    await callee.request("ACK")
    await until(lambda: call.answered)
    dialog = Dialog(
        invite.call_id,
        "calleetag",
        invite.from_addr.tag or "",
        f"<sip:raw@{host}:{port}>",
        f"<sip:seatline@127.0.0.1:{switch.port}>",
    )
    return call, dialog


async def test_outbound_leg_matches_with_the_tags_the_other_way(switch: SwitchUnderTest) -> None:
    """On a leg we dialled, the peer's tag is its To tag of our INVITE: it comes back in From."""
    callee = await raw_peer(switch.port)
    stranger = await raw_peer(switch.port, host="127.0.0.2")
    call: Call | None = None
    try:
        call, dialog = await dialled_call(switch, callee)
        swapped = (dialog.remote_tag, dialog.local_tag)
        callee.in_dialog(dialog, "BYE", from_tag=swapped[0], to_tag=swapped[1])
        assert (await callee.final(dialog.call_id, "BYE")).status == 481
        stranger.in_dialog(dialog, "BYE")  # right tags, wrong address
        assert (await stranger.final(dialog.call_id, "BYE")).status == 481
        assert not call.ended
        callee.in_dialog(dialog, "BYE")
        assert (await callee.final(dialog.call_id, "BYE")).status == 200
        assert call.ended
    finally:
        if call is not None and not call.ended:
            call.terminate("test")
        callee.close()
        stranger.close()


async def test_a_proper_reinvite_moves_the_peer(switch: SwitchUnderTest) -> None:
    """Right tags from a new address: accepted, and the new address is the peer from then on."""
    callee = await raw_peer(switch.port)
    moved = await raw_peer(switch.port, host="127.0.0.2")
    call: Call | None = None
    try:
        call, dialog = await dialled_call(switch, callee)
        leg = call.leg
        host, port = moved.local
        moved.in_dialog(dialog, "INVITE", body=sdp(host, port + 2))
        ok = await moved.final(dialog.call_id, "INVITE")
        assert ok.status == 200
        moved.ack(dialog, dialog.cseq)
        assert leg.remote_target == f"sip:raw@{host}:{port}"
        assert leg.remote_media is not None and leg.remote_media.address == host
        assert leg.address == (host, port)
        # The old address is no longer the peer; the new one is, and our BYE goes there.
        callee.in_dialog(dialog, "INFO", body="Signal=5\r\n", content_type="text/plain")
        assert (await callee.final(dialog.call_id, "INFO")).status == 481
        moved.in_dialog(dialog, "INFO", body="Signal=5\r\n", content_type="text/plain")
        assert (await moved.final(dialog.call_id, "INFO")).status == 200
        call.terminate("test")
        bye = await moved.request("BYE")
        moved.answer(bye, 200)
    finally:
        if call is not None and not call.ended:
            call.terminate("test")
        callee.close()
        moved.close()


@pytest.fixture(autouse=True)
def _loopback_alias() -> None:
    """127.0.0.2 must be usable (it is on Linux loopback)."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.bind(("127.0.0.2", 0))
        except OSError:
            pytest.skip("127.0.0.2 is not a loopback address here")
