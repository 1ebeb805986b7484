"""The media engine: one RTP socket per call leg, a 20 ms paced sender, relay, echo and taps.

One timer for the whole engine drives every playing session (not a task per call). It fires
every 2.5 ms and serves an eighth of the sessions each time, so each session still sends
every 20 ms but the packets leave in eight small bursts instead of one large one: a burst of
a few hundred packets overflows the default receive buffer (about 200 KB, some 270 small
datagrams) of a peer that handles many calls on one socket (SIPp's echo, a media gateway)
whenever that peer is descheduled for a few ms. Measured with 500 SIPp-echoed calls: one
burst lost 2.9 % of the echo, eight bursts none.

Prompts are cut into 20 ms payload frames once per `play`, so a send is one header
`pack_into`, a 160-byte copy and one `sendto` on the session's own socket (cheaper than the
transport's `sendto`, which converts the address on every call). Relayed packets are forwarded
as they are, without decoding, unless a recorder is tapped.

A recorder attached to a session hears that leg from the far end's side: what the session
receives goes to `RECEIVED` and everything it sends (prompts, relayed partner audio, the
supervision mix, echo) to `SENT`, at the moment it leaves. The send paths tap it after a
successful `sendto` only, so a dropped packet is not recorded as heard; without a recorder the
only cost per packet is one attribute test.

A leg keyed for SRTP (SDES on a TLS leg, see `sdes_keys`) has an `SrtpContext`: what arrives is
unprotected first, so relay, echo, DTMF, taps, the mixer and the recorder all see plain RTP,
and a packet that fails authentication is dropped before it can latch the peer's address;
what leaves is protected last, after the recorder took the plain payload. A bridge between an
SRTP leg and a plain one therefore decrypts on one side and encrypts on the other. Plain legs
pay one attribute test per packet.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import random
import socket
import struct
import time
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING

from seatline.rtp import g711 as _g711
from seatline.rtp.dtmf import DtmfReceiver, encode_digit
from seatline.rtp.srtp import SrtpContext, SrtpError
from seatline.switch.errors import MediaError
from seatline.switch.recorder import RECEIVED, SENT, Recorder

if TYPE_CHECKING:
    from seatline.sip.sdes import CryptoAttribute
    from seatline.switch.conference import Conference

log = logging.getLogger(__name__)

Address = tuple[str, int]
FRAME_SAMPLES = 160  # 20 ms at 8 kHz
FRAME_SECONDS = 0.02
PHASES = 8  # timer slots per 20 ms frame (2.5 ms apart); each playing session is in one
_HEADER = struct.Struct("!BBHII")


def payload_offset(packet: bytes | bytearray) -> int:
    """Where the payload starts: after CSRCs and the header extension (RFC 3550 §5.1, §5.3.1)."""
    offset = 12 + 4 * (packet[0] & 0x0F)
    if packet[0] & 0x10 and len(packet) >= offset + 4:
        offset += 4 + 4 * int.from_bytes(packet[offset + 2 : offset + 4], "big")
    return offset


def cut_frames(encoded: bytes, codec: int) -> tuple[bytes, ...]:
    """`encoded` as 20 ms payloads, the last one padded with the codec's silence."""
    short = -len(encoded) % FRAME_SAMPLES
    if short:
        encoded += _g711.silence(codec, short)
    return tuple(encoded[i : i + FRAME_SAMPLES] for i in range(0, len(encoded), FRAME_SAMPLES))


class Player:
    """Encoded audio being paced out of a session, frame by frame."""

    __slots__ = ("done", "frames", "loop", "pos")

    def __init__(self, frames: tuple[bytes, ...], loop: bool, done: asyncio.Future[None]) -> None:
        self.frames = frames
        self.pos = 0
        self.loop = loop
        self.done = done


class RtpSession(asyncio.DatagramProtocol):
    """One leg's RTP socket: what it sends (prompts, relay) and what it does with what it gets."""

    def __init__(self, engine: MediaEngine, port: int) -> None:
        self.engine = engine
        self.port = port
        self.transport: asyncio.DatagramTransport | None = None
        self.sock: socket.socket | None = None  # the transport's socket, used to send
        self.phase = 0
        self.send_errors = 0
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
        self.recorder: Recorder | None = None  # this leg's two directions, see `Recorder`
        self.on_dtmf: Callable[[str], None] | None = None
        self.taps: list[Callable[[bytes, int], None]] = []
        self.packets_in = 0
        self.packets_out = 0
        self.packets_refused = 0  # from a host that is not the leg's peer (see `peer_hosts`)
        self.peer_hosts: frozenset[str] | None = None  # None until the peer's SDP is known
        self.player: Player | None = None
        self.srtp: SrtpContext | None = None  # set on SRTP legs (protect out, unprotect in)
        self.sdes_local: tuple[CryptoAttribute, ...] = ()  # our key in use (see sdes_keys)
        self.sdes_offered: tuple[CryptoAttribute, ...] = ()  # keys in our last SDP
        self.srtp_dropped = 0  # packets that failed SRTP authentication or replay checks
        # Early: an IVR cuts its prompt at key-down. Replay order: SIPp (and gear replaying
        # recorded digits) sends events with unrelated, older timestamps on one SSRC.
        self._dtmf = DtmfReceiver(early=True, strict_order=False)
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
        if self.srtp is not None:
            plain = self._unprotect(data)
            if plain is None:
                return
            data = plain
        if addr != self.remote:  # the latched peer (nearly every packet) needs no more check
            hosts = self.peer_hosts
            if hosts is not None and addr[0] not in hosts:
                # Only the peer's SDP host or its signalling host may send us media: a stranger
                # can neither latch the leg's RTP to itself nor inject audio into the call.
                self.packets_refused += 1
                return
        self.packets_in += 1
        if not self._latched:
            # Symmetric RTP (RFC 4961): answer where the peer really sends from (NAT).
            self._latched = True
            self.remote = addr
        pt = data[1] & 0x7F
        relay = self.relay_to
        if relay is not None:
            if relay.send_enabled:
                relay.send_raw(data)
        elif self.echo:
            echoed = bytearray(data)
            echoed[8:12] = self.ssrc.to_bytes(4, "big")
            self.send_raw(echoed)
        if pt in self.dtmf_pts:
            if self.on_dtmf is not None:
                ts = int.from_bytes(data[4:8], "big")
                payload = data[payload_offset(data) :]
                for digit in self._dtmf.receive_payload(ts, payload, time.monotonic()):
                    self.on_dtmf(digit.digit)
            return
        if self.recorder is not None:
            self.recorder.add(RECEIVED, data[payload_offset(data) :], pt)
        for tap in self.taps:
            tap(data, pt)

    def _unprotect(self, data: bytes) -> bytes | None:
        """The RTP inside an SRTP packet, or None (dropped: not genuine, or RTCP)."""
        srtp = self.srtp
        assert srtp is not None
        try:
            if SrtpContext.is_rtcp(data):
                srtp.unprotect_rtcp(data)  # authenticated, then unused: we keep no RTCP state
                return None
            return srtp.unprotect(data)
        except SrtpError:
            self.srtp_dropped += 1
            return None

    def use_srtp(self, suite: str, local_key: bytes, remote_key: bytes) -> None:
        """Protect what we send with `local_key`, unprotect what comes with `remote_key`.

        Re-keying with the same keys keeps the running context (its replay window and
        rollover counters); `SrtpError` if libsrtp refuses the keys.
        """
        current = self.srtp
        if current is not None and (current.suite, current.local_key, current.remote_key) == (
            suite,
            local_key,
            remote_key,
        ):
            return
        self.srtp = SrtpContext(suite, local_key, remote_key)

    def clear_srtp(self) -> None:
        """Back to plain RTP (a leg that is not SRTP)."""
        self.srtp = None
        self.sdes_local = ()
        self.sdes_offered = ()

    # -- sending ----------------------------------------------------------------------------
    def set_remote(
        self,
        host: str,
        port: int,
        codec: int,
        dtmf_pts: tuple[int, ...] = (),
        signalling_host: str | None = None,
    ) -> None:
        """Point the session at the address, codec and telephone-event types of the peer's SDP.

        From then on media is taken only from that address's host or the peer's signalling
        host (a NATed phone sends from its public address, which signalling shows).
        """
        if (
            self._latched
            and self.remote is not None
            and self.remote[0]
            not in (
                host,
                signalling_host,
            )
        ):
            self._latched = False  # the peer moved (a re-INVITE): learn its new address
        if not self._latched:
            self.remote = (host, port)
        self.peer_hosts = frozenset(h for h in (host, signalling_host) if h)
        self.codec = codec
        self.dtmf_pt = dtmf_pts[0] if dtmf_pts else None
        self.dtmf_pts = frozenset(dtmf_pts)

    def send_raw(self, packet: bytes | bytearray) -> None:
        """Send a ready RTP packet to the peer (dropped, and counted, if the socket refuses)."""
        sock, remote = self.sock, self.remote
        if sock is None or remote is None:
            return
        try:
            sock.sendto(packet if self.srtp is None else self.srtp.protect(packet), remote)
        except (OSError, SrtpError):
            # A full send buffer or an ICMP error: RTP is loss-tolerant and late audio is
            # worse than none, so the packet is dropped rather than queued.
            self.send_errors += 1
            return
        self.packets_out += 1
        if self.recorder is not None:
            self.recorder.add(SENT, packet[payload_offset(packet) :], packet[1] & 0x7F)

    def send_payload(self, payload: bytes, pt: int, advance: int = FRAME_SAMPLES) -> None:
        """Send one RTP packet carrying `payload` (timestamp advanced by `advance` samples)."""
        if self.remote is None or self.sock is None or not self.send_enabled:
            return
        buf = self._buffer
        marker = 0x80 if self._marker else 0
        self._marker = False
        _HEADER.pack_into(buf, 0, 0x80, pt | marker, self.seq, self.timestamp, self.ssrc)
        if len(payload) == FRAME_SAMPLES:
            buf[12:] = payload
            self.send_raw(buf)
        else:
            self.send_raw(bytes(buf[:12]) + payload)
        self.seq = (self.seq + 1) & 0xFFFF
        self.timestamp = (self.timestamp + advance) & 0xFFFFFFFF

    def play(self, encoded: bytes, loop: bool = False) -> asyncio.Future[None]:
        """Start pacing `encoded` (in this session's codec); the future ends with the audio."""
        self.stop_playing()
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if not encoded:
            done.set_result(None)
            return done
        self.player = Player(cut_frames(encoded, self.codec), loop, done)
        self._marker = True
        self.timestamp = (self.timestamp + 8 * FRAME_SAMPLES) & 0xFFFFFFFF
        self.engine.start_playing(self)
        return done

    def stop_playing(self) -> None:
        """Stop the current prompt (its future completes)."""
        player, self.player = self.player, None
        self.engine.stop_playing(self)
        if player is not None and not player.done.done():
            player.done.set_result(None)

    def tick(self) -> None:
        """Send the next 20 ms of the current prompt."""
        player = self.player
        if player is None:
            return
        frames = player.frames
        pos = player.pos
        frame = frames[pos]
        pos += 1
        if pos == len(frames) and not player.loop:
            self.send_payload(frame, self.codec)
            self.stop_playing()
            return
        player.pos = pos if pos < len(frames) else 0
        # The hot path (every session, every 20 ms): send_payload inlined, one sendto.
        sock, remote = self.sock, self.remote
        if sock is None or remote is None or not self.send_enabled:
            return
        buf = self._buffer
        pt = self.codec
        if self._marker:
            self._marker = False
            pt |= 0x80
        _HEADER.pack_into(buf, 0, 0x80, pt, self.seq, self.timestamp, self.ssrc)
        buf[12:] = frame
        self.seq = (self.seq + 1) & 0xFFFF
        self.timestamp = (self.timestamp + FRAME_SAMPLES) & 0xFFFFFFFF
        try:
            sock.sendto(buf if self.srtp is None else self.srtp.protect(buf), remote)
        except (OSError, SrtpError):
            self.send_errors += 1
            return
        self.packets_out += 1
        if self.recorder is not None:
            self.recorder.add(SENT, frame, self.codec)

    def send_dtmf(self, digits: str) -> None:
        """Queue RFC 4733 events for `digits` (sent now; each event keeps one timestamp)."""
        if self.dtmf_pt is None:
            return
        for digit in digits:
            for frame in encode_digit(digit):
                self._marker = frame.marker
                self.send_payload(frame.payload, self.dtmf_pt, advance=0)
            self.timestamp = (self.timestamp + 8 * FRAME_SAMPLES) & 0xFFFFFFFF

    def close(self) -> None:
        """Stop everything and release the port."""
        self.stop_playing()
        self.relay_to = None
        self.recorder = None
        self.on_dtmf = None
        self.taps.clear()
        self.clear_srtp()
        if self.transport is not None:
            self.transport.close()
            self.transport = None
            self.sock = None
            self.engine.release(self.port)
            self.engine.packets_in += self.packets_in
            self.engine.packets_out += self.packets_out


def _same(session: RtpSession) -> RtpSession:
    return session


class MediaEngine:
    """Allocates RTP ports and paces every playing session from a single 2.5 ms timer."""

    def __init__(self, host: str, port_range: tuple[int, int]) -> None:
        self.host = host
        low, high = port_range
        first = low + (low & 1)
        self._free: deque[int] = deque(range(first, high, 2))
        # Playing sessions per timer slot; a slot is served every PHASES ticks (20 ms).
        self.phases: list[dict[RtpSession, None]] = [{} for _ in range(PHASES)]
        self.mixers: dict[Conference, None] = {}
        self.sessions_opened = 0
        self.packets_in = 0  # totals of closed sessions
        self.packets_out = 0
        self.ticks = 0
        self.late_total = 0.0  # how far behind schedule the timer fired, summed and worst
        self.late_max = 0.0
        self._timer: asyncio.TimerHandle | None = None
        self._next = 0.0
        self._slot = 0
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def playing(self) -> dict[RtpSession, None]:
        """Every session that is playing a prompt now."""
        return {session: None for phase in self.phases for session in phase}

    def start_playing(self, session: RtpSession) -> None:
        """Pace `session` from now on, in the least busy timer slot."""
        self.phases[session.phase].pop(session, None)
        session.phase = min(range(PHASES), key=lambda i: len(self.phases[i]))
        self.phases[session.phase][session] = None

    def stop_playing(self, session: RtpSession) -> None:
        """Stop pacing `session`."""
        self.phases[session.phase].pop(session, None)

    def start(self) -> None:
        """Start the pacing timer."""
        self._loop = asyncio.get_running_loop()
        self._next = self._loop.time() + FRAME_SECONDS / PHASES
        self._timer = self._loop.call_at(self._next, self._tick)

    def stop(self) -> None:
        """Stop the pacing timer."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _tick(self) -> None:
        loop = self._loop
        assert loop is not None
        late = loop.time() - self._next
        self.ticks += 1
        self.late_total += late
        self.late_max = max(self.late_max, late)
        slot = self._slot
        self._slot = (slot + 1) % PHASES
        for session in list(self.phases[slot]):
            try:
                session.tick()
            except Exception:
                log.exception("RTP sender failed; stopping that prompt")
                session.stop_playing()
        if slot == 0:
            for mixer in list(self.mixers):
                try:
                    mixer.tick()
                except Exception:
                    log.exception("conference mix failed; closing it")
                    mixer.close()
        now = loop.time()
        self._next += FRAME_SECONDS / PHASES
        if self._next < now - 0.1:  # the loop stalled: resynchronise instead of bursting
            self._next = now + FRAME_SECONDS / PHASES
        self._timer = loop.call_at(self._next, self._tick)

    async def open_session(self) -> RtpSession:
        """Bind an RTP socket on the next free even port."""
        loop = asyncio.get_running_loop()
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        for _ in range(len(self._free)):
            port = self._free.popleft()
            session = RtpSession(self, port)
            sock = socket.socket(family, socket.SOCK_DGRAM)
            try:
                sock.setblocking(False)
                sock.bind((self.host, port))
                await loop.create_datagram_endpoint(functools.partial(_same, session), sock=sock)
            except OSError:
                sock.close()
                self._free.append(port)  # in use by someone else: try it again later
                continue
            session.sock = sock
            self.sessions_opened += 1
            return session
        raise MediaError("no free RTP port")

    def release(self, port: int) -> None:
        """Give a port back to the pool."""
        self._free.append(port)
