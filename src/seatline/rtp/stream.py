"""One call leg's media stream, sans-I/O, in the aioquic shape: feed datagrams with `now`, drain
events, pull playout audio, push capture audio, ask for datagrams to send and the next timer.

It wires together the parts of this package (sender, receiver statistics, jitter buffer, G.711,
RFC 4733 both ways, periodic RTCP) and owns no socket and no clock: the switch's asyncio
protocol is a thin adapter around it. Bad datagrams from the peer are counted, never raised.
"""

from __future__ import annotations

import random
from collections import deque

import numpy as np
import numpy.typing as npt

from seatline.rtp import g711
from seatline.rtp.dtmf import DtmfReceiver, TelephoneEventFrame, encode_digit
from seatline.rtp.errors import RtpParseError
from seatline.rtp.events import DtmfDigit, MediaEvent, RtcpReceived
from seatline.rtp.jitter import FrameKind, JitterBuffer
from seatline.rtp.packet import RtpPacket, is_rtcp
from seatline.rtp.rtcp import RtcpBye, RtcpSenderReport, build_rtcp, parse_rtcp
from seatline.rtp.session import RtpReceiver, RtpSender, build_report

__all__ = ["MediaStream"]

Pcm = npt.NDArray[np.int16]


class MediaStream:
    """RTP/RTCP for one negotiated G.711 stream with RFC 4733 telephone-events."""

    def __init__(
        self,
        payload_type: int,
        rng: random.Random,
        *,
        dtmf_payload_type: int | None = 101,
        ptime: float = 0.02,
        jitter_depth: int = 3,
        cname: str = "seatline",
        rtcp_interval: float = 5.0,
        wallclock_offset: float = 0.0,
        dtmf_early: bool = False,
    ) -> None:
        """`wallclock_offset` turns `now` into Unix time for sender reports (now + offset);
        `dtmf_early` reports a received digit at its first packet rather than at its end."""
        if payload_type not in (g711.PCMU, g711.PCMA):
            raise ValueError(f"payload type {payload_type} is not G.711 (0 or 8)")
        self.payload_type = payload_type
        self.dtmf_payload_type = dtmf_payload_type
        self.cname = cname
        self.rtcp_interval = rtcp_interval
        self.wallclock_offset = wallclock_offset
        self.sender = RtpSender(payload_type, rng, ptime=ptime)
        self.receiver = RtpReceiver()
        self.jitter = JitterBuffer(
            depth=jitter_depth,
            max_depth=max(10, 3 * jitter_depth),
            frame_interval=ptime,
            silence=g711.silence(payload_type, self.sender.samples_per_frame),
        )
        self.dtmf = DtmfReceiver(early=dtmf_early)
        self.malformed = 0
        self.ignored = 0
        self.peer_left = False
        self._rng = rng
        self._events: deque[MediaEvent] = deque()
        # Telephone-event packets waiting for their send time: (when, payload, timestamp, marker).
        self._dtmf_queue: deque[tuple[float, bytes, int, bool]] = deque()
        # (start, end) of each queued digit: audio gives way to telephone-events inside them.
        self._dtmf_spans: deque[tuple[float, float]] = deque()
        self._next_rtcp: float | None = None
        self._sent_since_report = False
        self._pending: Pcm = np.zeros(0, dtype=np.int16)  # decoded samples not yet played

    # -- receiving -------------------------------------------------------------------------

    def receive_datagram(self, data: bytes, now: float) -> None:
        """Take one datagram from the peer (RTP or RTCP on the same or the RTCP port)."""
        try:
            if is_rtcp(data):
                self._receive_rtcp(data, now)
            else:
                self._receive_rtp(RtpPacket.parse(data), now)
        except RtpParseError:
            self.malformed += 1

    def _receive_rtp(self, packet: RtpPacket, now: float) -> None:
        if packet.payload_type == self.dtmf_payload_type:
            self._events.extend(self.dtmf.receive(packet, now))
            # Same SSRC and sequence space as the audio: count it, and hold its slot in the
            # jitter buffer as an empty frame so the digit's packets do not read as loss.
            self.receiver.receive(packet, now, timing=False)
            self.jitter.push(RtpPacket(packet.payload_type, packet.sequence_number, 0, 0), now)
        elif packet.payload_type == self.payload_type:
            self.receiver.receive(packet, now)
            self.jitter.push(packet, now)
        else:
            self.ignored += 1  # comfort noise or a codec we did not agree on

    def _receive_rtcp(self, data: bytes, now: float) -> None:
        packets = tuple(parse_rtcp(data))
        for packet in packets:
            if isinstance(packet, RtcpSenderReport):
                self.receiver.receive_sender_report(packet, now)
            elif isinstance(packet, RtcpBye):
                self.peer_left = True
        self._events.append(RtcpReceived(packets))

    def next_event(self) -> MediaEvent | None:
        """The oldest undelivered event (a digit, an RTCP report), or None."""
        return self._events.popleft() if self._events else None

    def playout(self, now: float) -> Pcm:
        """Exactly one frame (20 ms) of received audio as int16, concealed or silent if missing.

        Samples are counted, not packets, so a peer on another ptime (30 ms from SIPp, say)
        still plays at the right speed.
        """
        need = self.sender.samples_per_frame
        if not self._pending.size:
            chunk = self._pop_samples(now)
            if chunk is None:
                return np.zeros(need, dtype=np.int16)
            if chunk.size == need:
                return chunk  # the usual case: one 20 ms packet per 20 ms tick
            self._pending = chunk
        while self._pending.size < need:
            chunk = self._pop_samples(now)
            if chunk is None:
                chunk = np.zeros(need - self._pending.size, dtype=np.int16)
            self._pending = np.concatenate([self._pending, chunk])
        frame, self._pending = self._pending[:need], self._pending[need:]
        return frame

    def _pop_samples(self, now: float) -> Pcm | None:
        frame = self.jitter.pop(now)
        if frame is None:
            return None
        if frame.kind is FrameKind.SILENCE or not frame.payload:
            return np.zeros(len(frame.payload) or self.sender.samples_per_frame, dtype=np.int16)
        return g711.decode(frame.payload, self.payload_type)

    def playout_payload(self, now: float) -> bytes:
        """The next frame of received audio still encoded (this stream's G.711 law).

        A bridge between two legs can forward this with `send_payload` (through
        `g711.transcode` when the laws differ) and never touch NumPy.
        """
        frame = self.jitter.pop(now)
        return frame.payload if frame is not None and frame.payload else self.jitter.silence

    # -- sending ---------------------------------------------------------------------------

    def start(self, now: float) -> None:
        """Begin pacing outgoing audio and schedule the first RTCP report."""
        self.sender.start(now)
        self._next_rtcp = now + self._rtcp_delay()

    def send_audio(self, pcm: npt.NDArray[np.integer], now: float) -> bytes | None:
        """One frame of our audio as an RTP datagram; None while a digit is being sent."""
        if self._sending_digit(now):
            # The digit's packets stand in for audio (RFC 4733 §2.5.1.3); keep the clock running.
            self.sender.skip()
            return None
        self._sent_since_report = True
        return self.sender.packetize(g711.encode(pcm, self.payload_type))

    def _sending_digit(self, now: float) -> bool:
        spans = self._dtmf_spans
        while spans and spans[0][1] <= now:
            spans.popleft()
        return bool(spans) and spans[0][0] <= now

    def send_payload(self, payload: bytes, now: float) -> bytes | None:
        """One already-encoded frame (this stream's law) as a datagram; None during a digit."""
        if self._sending_digit(now):
            self.sender.skip()
            return None
        self._sent_since_report = True
        return self.sender.packetize(payload)

    def send_digits(
        self, digits: str, now: float, duration: float = 0.1, gap: float = 0.07
    ) -> None:
        """Queue RFC 4733 events for `digits`, one after another from `now`."""
        if self.dtmf_payload_type is None:
            raise ValueError("no telephone-event payload type was negotiated")
        start = max(now, self._dtmf_spans[-1][1]) if self._dtmf_spans else now
        for digit in digits:
            frames = encode_digit(digit, duration=duration, interval=self.sender.ptime)
            # Every packet of one event carries the time the event started (§2.5.1.2).
            timestamp = self.sender.rtp_timestamp_at(start)
            self._dtmf_queue.extend(
                (start + frame.offset, frame.payload, timestamp, frame.marker) for frame in frames
            )
            # Audio resumes one interval after the last end packet went out.
            end = start + frames[-1].offset + self.sender.ptime
            self._dtmf_spans.append((start, end))
            start = end + gap

    def datagrams_to_send(self, now: float) -> list[bytes]:
        """Telephone-event packets and RTCP reports due by `now`."""
        out: list[bytes] = []
        queue = self._dtmf_queue
        while queue and queue[0][0] <= now:
            _, payload, timestamp, marker = queue.popleft()
            out.append(self._event_packet(payload, timestamp, marker))
        if self._next_rtcp is not None and now >= self._next_rtcp:
            out.append(self.rtcp_report(now))
            self._next_rtcp = now + self._rtcp_delay()
        return out

    def _event_packet(self, payload: bytes, timestamp: int, marker: bool) -> bytes:
        assert self.dtmf_payload_type is not None
        self._sent_since_report = True
        return self.sender.telephone_event(
            TelephoneEventFrame(0.0, marker, payload), self.dtmf_payload_type, timestamp
        )

    def rtcp_report(self, now: float) -> bytes:
        """A compound SR/RR + SDES report now (also sent periodically by `datagrams_to_send`)."""
        report = build_report(
            self.sender,
            self.receiver,
            now,
            now + self.wallclock_offset,
            self.cname,
            self._sent_since_report,
        )
        self._sent_since_report = False
        return report

    def bye(self, reason: str = "") -> bytes:
        """The RTCP BYE to send when the leg hangs up (§6.6)."""
        return build_rtcp([RtcpBye((self.sender.ssrc,), reason.encode()[:255])])

    def _rtcp_delay(self) -> float:
        # Randomised between 0.5 and 1.5 intervals so streams do not synchronise (§6.3.5).
        return self.rtcp_interval * (0.5 + self._rng.random())

    # -- timers ----------------------------------------------------------------------------

    def get_timer(self) -> float | None:
        """The earliest time `handle_timer` or `datagrams_to_send` has work, or None."""
        candidates = [
            self.dtmf.get_timer(),
            self._next_rtcp,
            self._dtmf_queue[0][0] if self._dtmf_queue else None,
        ]
        times = [t for t in candidates if t is not None]
        return min(times) if times else None

    def handle_timer(self, now: float) -> None:
        """Run time-driven work: close a digit whose end packets were lost."""
        digits: list[DtmfDigit] = self.dtmf.handle_timer(now)
        self._events.extend(digits)
