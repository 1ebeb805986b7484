"""The media engine: one RTP socket per call leg, a 20 ms paced sender, relay, echo and taps.

One timer for the whole engine drives every playing session (not a task per call), and
relayed packets are forwarded as they are, without decoding, unless a recorder is tapped.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import random
import struct
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING

from seatline.rtp import g711 as _g711
from seatline.switch._dtmf import DtmfReceiver, event_payloads
from seatline.switch.errors import MediaError
from seatline.switch.recorder import Recorder

if TYPE_CHECKING:
    from seatline.switch.conference import Conference

log = logging.getLogger(__name__)

Address = tuple[str, int]
FRAME_SAMPLES = 160  # 20 ms at 8 kHz
FRAME_SECONDS = 0.02
_HEADER = struct.Struct("!BBHII")


def payload_offset(packet: bytes) -> int:
    """Where the payload starts: after CSRCs and the header extension (RFC 3550 §5.1, §5.3.1)."""
    offset = 12 + 4 * (packet[0] & 0x0F)
    if packet[0] & 0x10 and len(packet) >= offset + 4:
        offset += 4 + 4 * int.from_bytes(packet[offset + 2 : offset + 4], "big")
    return offset


class Player:
    """Encoded audio being paced out of a session, frame by frame."""

    __slots__ = ("data", "done", "loop", "pos")

    def __init__(self, data: bytes, loop: bool, done: asyncio.Future[None]) -> None:
        self.data = data
        self.pos = 0
        self.loop = loop
        self.done = done


class RtpSession(asyncio.DatagramProtocol):
    """One leg's RTP socket: what it sends (prompts, relay) and what it does with what it gets."""

    def __init__(self, engine: MediaEngine, port: int) -> None:
        self.engine = engine
        self.port = port
        self.transport: asyncio.DatagramTransport | None = None
        self.remote: Address | None = None
        self.codec = _g711.PCMU
        self.dtmf_pt: int | None = 101
        self.dtmf_pts: frozenset[int] = frozenset({101})
        self.ssrc = random.getrandbits(32)
        self.seq = random.getrandbits(16)
        self.timestamp = random.getrandbits(32)
        self.send_enabled = True
        self.relay_to: RtpSession | None = None
        self.echo = False
        self.recorder: Recorder | None = None
        self.record_channel = 0
        self.on_dtmf: Callable[[str], None] | None = None
        self.taps: list[Callable[[bytes, int], None]] = []
        self.packets_in = 0
        self.packets_out = 0
        self.player: Player | None = None
        self._dtmf = DtmfReceiver()
        self._latched = False
        self._buffer = bytearray(12 + FRAME_SAMPLES)
        self._marker = True

    # -- asyncio protocol -------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Keep the socket."""
        self.transport = transport  # type: ignore[assignment]

    def error_received(self, exc: Exception) -> None:
        """ICMP port-unreachable while the peer is not listening yet: ignore."""

    def datagram_received(self, data: bytes, addr: Address) -> None:
        """Relay, echo, detect DTMF and feed taps for one incoming RTP packet."""
        if len(data) < 12 or data[0] & 0xC0 != 0x80:
            return
        self.packets_in += 1
        if not self._latched:
            # Symmetric RTP (RFC 4961): answer where the peer really sends from (NAT).
            self._latched = True
            self.remote = addr
        pt = data[1] & 0x7F
        relay = self.relay_to
        if relay is not None:
            if relay.remote is not None and relay.send_enabled and relay.transport is not None:
                relay.transport.sendto(data, relay.remote)
                relay.packets_out += 1
        elif self.echo and self.remote is not None and self.transport is not None:
            echoed = bytearray(data)
            echoed[8:12] = self.ssrc.to_bytes(4, "big")
            self.transport.sendto(echoed, self.remote)
            self.packets_out += 1
        if pt in self.dtmf_pts:
            if self.on_dtmf is not None:
                ts = int.from_bytes(data[4:8], "big")
                digit = self._dtmf.feed(data[payload_offset(data) :], ts)
                if digit is not None:
                    self.on_dtmf(digit)
            return
        if self.recorder is not None:
            self.recorder.add(self.record_channel, data[payload_offset(data) :], pt)
        for tap in self.taps:
            tap(data, pt)

    # -- sending ----------------------------------------------------------------------------
    def set_remote(self, host: str, port: int, codec: int, dtmf_pts: tuple[int, ...] = ()) -> None:
        """Point the session at the address, codec and telephone-event types of the peer's SDP."""
        if not self._latched:
            self.remote = (host, port)
        self.codec = codec
        self.dtmf_pt = dtmf_pts[0] if dtmf_pts else None
        self.dtmf_pts = frozenset(dtmf_pts)

    def send_payload(self, payload: bytes, pt: int, advance: int = FRAME_SAMPLES) -> None:
        """Send one RTP packet carrying `payload` (timestamp advanced by `advance` samples)."""
        if self.remote is None or self.transport is None or not self.send_enabled:
            return
        buf = self._buffer
        marker = 0x80 if self._marker else 0
        self._marker = False
        _HEADER.pack_into(buf, 0, 0x80, pt | marker, self.seq, self.timestamp, self.ssrc)
        if len(payload) == FRAME_SAMPLES and len(buf) == 12 + FRAME_SAMPLES:
            buf[12:] = payload
            self.transport.sendto(buf, self.remote)
        else:
            self.transport.sendto(bytes(buf[:12]) + payload, self.remote)
        self.seq = (self.seq + 1) & 0xFFFF
        self.timestamp = (self.timestamp + advance) & 0xFFFFFFFF
        self.packets_out += 1

    def play(self, encoded: bytes, loop: bool = False) -> asyncio.Future[None]:
        """Start pacing `encoded` (in this session's codec); the future ends with the audio."""
        self.stop_playing()
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if not encoded:
            done.set_result(None)
            return done
        self.player = Player(encoded, loop, done)
        self._marker = True
        self.timestamp = (self.timestamp + 8 * FRAME_SAMPLES) & 0xFFFFFFFF
        self.engine.playing[self] = None
        return done

    def stop_playing(self) -> None:
        """Stop the current prompt (its future completes)."""
        player, self.player = self.player, None
        self.engine.playing.pop(self, None)
        if player is not None and not player.done.done():
            player.done.set_result(None)

    def tick(self) -> None:
        """Send the next 20 ms of the current prompt."""
        player = self.player
        if player is None:
            return
        data = player.data
        start = player.pos
        chunk = data[start : start + FRAME_SAMPLES]
        player.pos = start + FRAME_SAMPLES
        if len(chunk) < FRAME_SAMPLES:
            if player.loop:
                player.pos = FRAME_SAMPLES - len(chunk)
                chunk += data[: player.pos]
                if len(chunk) < FRAME_SAMPLES:  # prompt shorter than one frame
                    chunk += _g711.silence(self.codec, FRAME_SAMPLES - len(chunk))
            else:
                chunk += _g711.silence(self.codec, FRAME_SAMPLES - len(chunk))
                self.send_payload(chunk, self.codec)
                self.stop_playing()
                return
        self.send_payload(chunk, self.codec)

    def send_dtmf(self, digits: str) -> None:
        """Queue RFC 4733 events for `digits` (sent now; each event keeps one timestamp)."""
        if self.dtmf_pt is None:
            return
        for digit in digits:
            for payload in event_payloads(digit):
                start = self.timestamp
                self.send_payload(payload, self.dtmf_pt, advance=0)
                self.timestamp = start
            self.timestamp = (self.timestamp + 8 * FRAME_SAMPLES) & 0xFFFFFFFF

    def close(self) -> None:
        """Stop everything and release the port."""
        self.stop_playing()
        self.relay_to = None
        self.on_dtmf = None
        self.taps.clear()
        if self.transport is not None:
            self.transport.close()
            self.transport = None
            self.engine.release(self.port)
            self.engine.packets_in += self.packets_in
            self.engine.packets_out += self.packets_out


def _same(session: RtpSession) -> RtpSession:
    return session


class MediaEngine:
    """Allocates RTP ports and paces every playing session from a single 20 ms timer."""

    def __init__(self, host: str, port_range: tuple[int, int]) -> None:
        self.host = host
        low, high = port_range
        first = low + (low & 1)
        self._free: deque[int] = deque(range(first, high, 2))
        self.playing: dict[RtpSession, None] = {}
        self.mixers: dict[Conference, None] = {}
        self.sessions_opened = 0
        self.packets_in = 0  # totals of closed sessions
        self.packets_out = 0
        self._timer: asyncio.TimerHandle | None = None
        self._next = 0.0
        self._loop: asyncio.AbstractEventLoop | None = None

    def start(self) -> None:
        """Start the pacing timer."""
        self._loop = asyncio.get_running_loop()
        self._next = self._loop.time() + FRAME_SECONDS
        self._timer = self._loop.call_at(self._next, self._tick)

    def stop(self) -> None:
        """Stop the pacing timer."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _tick(self) -> None:
        loop = self._loop
        assert loop is not None
        for session in list(self.playing):
            try:
                session.tick()
            except Exception:
                log.exception("RTP sender failed; stopping that prompt")
                session.stop_playing()
        for mixer in list(self.mixers):
            try:
                mixer.tick()
            except Exception:
                log.exception("conference mix failed; closing it")
                mixer.close()
        now = loop.time()
        self._next += FRAME_SECONDS
        if self._next < now - 0.1:  # the loop stalled: resynchronise instead of bursting
            self._next = now + FRAME_SECONDS
        self._timer = loop.call_at(self._next, self._tick)

    async def open_session(self) -> RtpSession:
        """Bind an RTP socket on the next free even port."""
        loop = asyncio.get_running_loop()
        for _ in range(len(self._free)):
            port = self._free.popleft()
            session = RtpSession(self, port)
            try:
                await loop.create_datagram_endpoint(
                    functools.partial(_same, session), local_addr=(self.host, port)
                )
            except OSError:
                self._free.append(port)  # in use by someone else: try it again later
                continue
            self.sessions_opened += 1
            return session
        raise MediaError("no free RTP port")

    def release(self, port: int) -> None:
        """Give a port back to the pool."""
        self._free.append(port)
