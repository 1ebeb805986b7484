"""Per-stream RTP state: a sender (SSRC, sequence, timestamp, pacing) and a receiver (RFC 3550
A.1 sequence tracking, A.3 loss, A.8 interarrival jitter), and the RTCP reports they produce.

Sans-I/O: times are passed in as `now` (a monotonic clock, seconds) and, for sender reports,
`wallclock` (Unix seconds); randomness comes from an injected `random.Random`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from seatline.rtp.dtmf import TelephoneEventFrame
from seatline.rtp.packet import RtpPacket, build_rtp
from seatline.rtp.rtcp import (
    SDES_CNAME,
    ReportBlock,
    RtcpPacket,
    RtcpReceiverReport,
    RtcpSenderReport,
    RtcpSourceDescription,
    SdesChunk,
    build_rtcp,
)

__all__ = [
    "NTP_EPOCH_OFFSET",
    "ReceiverStats",
    "RtpReceiver",
    "RtpSender",
    "build_report",
    "ntp_timestamp",
]

NTP_EPOCH_OFFSET = 2_208_988_800  # seconds from 1900-01-01 (NTP) to 1970-01-01 (Unix)
_MAX_DROPOUT = 3000
_MAX_MISORDER = 100
_SEQ_MOD = 1 << 16


def ntp_timestamp(wallclock: float) -> int:
    """Unix seconds to the 64-bit NTP timestamp used in sender reports (RFC 3550 §4)."""
    return int((wallclock + NTP_EPOCH_OFFSET) * (1 << 32)) & 0xFFFFFFFFFFFFFFFF


class RtpSender:
    """Numbering and pacing of one outgoing stream; `packetize` returns wire bytes."""

    def __init__(
        self,
        payload_type: int,
        rng: random.Random,
        clock_rate: int = 8000,
        ptime: float = 0.02,
        ssrc: int | None = None,
    ) -> None:
        """Initial SSRC, sequence and timestamp are random (RFC 3550 §5.1) from `rng`."""
        self.payload_type = payload_type
        self.clock_rate = clock_rate
        self.ptime = ptime
        self.samples_per_frame = round(clock_rate * ptime)
        self.ssrc = rng.getrandbits(32) if ssrc is None else ssrc
        self.sequence_number = rng.getrandbits(16)
        self.timestamp = rng.getrandbits(32)
        self.packets_sent = 0
        self.octets_sent = 0
        self._start_time: float | None = None
        self._start_timestamp = self.timestamp
        self._frames_paced = 0
        self._talkspurt = True

    @property
    def next_send_time(self) -> float | None:
        """When the next frame is due; computed from the start so pacing never drifts."""
        if self._start_time is None:
            return None
        return self._start_time + self._frames_paced * self.ptime

    def start(self, now: float) -> None:
        """Begin pacing at `now`: the first frame is due immediately."""
        self._start_time = now
        self._frames_paced = 0
        self._start_timestamp = self.timestamp

    def begin_talkspurt(self) -> None:
        """Mark the next packet as the start of a talkspurt (after silence or hold, §5.1 M)."""
        self._talkspurt = True

    def packetize(self, payload: bytes, samples: int | None = None) -> bytes:
        """Build the next packet for `payload` and advance sequence, timestamp and pacing."""
        marker = self._talkspurt
        self._talkspurt = False
        data = build_rtp(
            self.payload_type, self.sequence_number, self.timestamp, self.ssrc, payload, marker
        )
        self.sequence_number = (self.sequence_number + 1) & 0xFFFF
        self.timestamp = (self.timestamp + (samples or self.samples_per_frame)) & 0xFFFFFFFF
        self.packets_sent += 1
        self.octets_sent += len(payload)
        self._frames_paced += 1
        return data

    def skip(self, frames: int = 1) -> None:
        """Let `frames` intervals pass unsent (silence suppression): the timestamp still runs."""
        self.timestamp = (self.timestamp + frames * self.samples_per_frame) & 0xFFFFFFFF
        self._frames_paced += frames
        self._talkspurt = True

    def telephone_event(
        self, frame: TelephoneEventFrame, payload_type: int, timestamp: int
    ) -> bytes:
        """One RFC 4733 packet of a digit planned by `encode_digit`, sent at `timestamp`."""
        data = build_rtp(
            payload_type, self.sequence_number, timestamp, self.ssrc, frame.payload, frame.marker
        )
        self.sequence_number = (self.sequence_number + 1) & 0xFFFF
        self.packets_sent += 1
        self.octets_sent += len(frame.payload)
        return data

    def rtp_timestamp_at(self, now: float) -> int:
        """The RTP timestamp that corresponds to `now` on this stream's media clock."""
        if self._start_time is None:
            return self.timestamp
        elapsed = round((now - self._start_time) * self.clock_rate)
        return (self._start_timestamp + elapsed) & 0xFFFFFFFF

    def sender_report(
        self, now: float, wallclock: float, reports: tuple[ReportBlock, ...] = ()
    ) -> RtcpSenderReport:
        """An SR with this sender's counters (RFC 3550 §6.4.1)."""
        return RtcpSenderReport(
            ssrc=self.ssrc,
            ntp_timestamp=ntp_timestamp(wallclock),
            rtp_timestamp=self.rtp_timestamp_at(now),
            packet_count=self.packets_sent,
            octet_count=self.octets_sent,
            reports=reports,
        )


@dataclass(frozen=True, slots=True)
class ReceiverStats:
    """Reception figures of one source (RFC 3550 A.1, A.3, A.8)."""

    ssrc: int
    received: int
    expected: int
    lost: int
    highest_sequence: int
    jitter: float
    octets: int


class RtpReceiver:
    """Track one incoming source for loss and jitter; produce its RTCP report block."""

    def __init__(self, clock_rate: int = 8000) -> None:
        """`clock_rate` converts arrival times to timestamp units for jitter (A.8)."""
        self.clock_rate = clock_rate
        self.ssrc: int | None = None
        self.received = 0
        self.octets = 0
        self.jitter = 0.0
        self._base_seq = 0
        self._max_seq = 0
        self._cycles = 0
        self._bad_seq = _SEQ_MOD + 1
        self._transit: float | None = None
        self._expected_prior = 0
        self._received_prior = 0
        self._last_sr = 0
        self._last_sr_arrival: float | None = None

    def _init_seq(self, seq: int) -> None:
        self._base_seq = seq
        self._max_seq = seq
        self._cycles = 0
        self._bad_seq = _SEQ_MOD + 1
        self.received = 0
        self._expected_prior = 0
        self._received_prior = 0

    def receive(self, packet: RtpPacket, now: float, timing: bool = True) -> bool:
        """Account one packet arriving at `now`; False if it looked like a stray (A.1).

        `timing=False` counts the packet without feeding the jitter estimate: telephone-events
        repeat one timestamp for a whole digit, which would read as huge transit swings.
        """
        seq = packet.sequence_number
        if self.ssrc is None or packet.ssrc != self.ssrc:
            self.ssrc = packet.ssrc
            self._init_seq(seq)
            self._transit = None
            self.jitter = 0.0
        else:
            delta = (seq - self._max_seq) & 0xFFFF
            if delta < _MAX_DROPOUT:
                if seq < self._max_seq:
                    self._cycles += _SEQ_MOD  # the sequence number wrapped
                self._max_seq = seq
            elif delta <= _SEQ_MOD - _MAX_MISORDER:
                if seq != self._bad_seq:
                    # A big jump: believe it only if the next packet continues from it.
                    self._bad_seq = (seq + 1) & 0xFFFF
                    return False
                self._init_seq(seq)
            # else: a duplicate or reordered packet, counted but not moving max_seq
        self.received += 1
        self.octets += len(packet.payload)
        if timing:
            self._update_jitter(packet.timestamp, now)
        return True

    def _update_jitter(self, timestamp: int, now: float) -> None:
        # A.8: J += (|D(i-1,i)| - J) / 16, with transit times in timestamp units.
        transit = now * self.clock_rate - timestamp
        if self._transit is not None:
            d = transit - self._transit
            # Timestamps are modulo 2**32; fold so a wrap is not a 2**32 jump.
            d = (d + 2**31) % 2**32 - 2**31
            self.jitter += (abs(d) - self.jitter) / 16
        self._transit = transit

    @property
    def extended_highest_sequence(self) -> int:
        """Cycles and highest sequence number received (A.1)."""
        return self._cycles + self._max_seq

    @property
    def expected(self) -> int:
        """Packets expected from the first to the highest sequence number (A.3)."""
        return 0 if self.ssrc is None else self.extended_highest_sequence - self._base_seq + 1

    @property
    def lost(self) -> int:
        """Cumulative packets lost; negative when duplicates outnumber losses (A.3)."""
        return self.expected - self.received

    def receive_sender_report(self, report: RtcpSenderReport, now: float) -> None:
        """Remember the peer's last SR for the LSR/DLSR fields of our reports (§6.4.1)."""
        self._last_sr = (report.ntp_timestamp >> 16) & 0xFFFFFFFF
        self._last_sr_arrival = now

    def report_block(self, now: float) -> ReportBlock | None:
        """A reception report for the interval since the previous one (A.3), or None if idle."""
        if self.ssrc is None:
            return None
        expected = self.expected
        expected_interval = expected - self._expected_prior
        received_interval = self.received - self._received_prior
        self._expected_prior = expected
        self._received_prior = self.received
        lost_interval = expected_interval - received_interval
        fraction = 0
        if expected_interval > 0 and lost_interval > 0:
            fraction = (lost_interval << 8) // expected_interval
        dlsr = 0
        if self._last_sr_arrival is not None:
            dlsr = int((now - self._last_sr_arrival) * 65536)  # units of 1/65536 s
        return ReportBlock(
            ssrc=self.ssrc,
            fraction_lost=min(fraction, 255),
            packets_lost=self.lost,
            highest_sequence=self.extended_highest_sequence & 0xFFFFFFFF,
            jitter=int(self.jitter),
            last_sr=self._last_sr,
            delay_since_last_sr=dlsr,
        )

    def stats(self) -> ReceiverStats:
        """A snapshot of this source's figures."""
        return ReceiverStats(
            ssrc=self.ssrc or 0,
            received=self.received,
            expected=self.expected,
            lost=self.lost,
            highest_sequence=self.extended_highest_sequence,
            jitter=self.jitter,
            octets=self.octets,
        )


def build_report(
    sender: RtpSender,
    receiver: RtpReceiver | None,
    now: float,
    wallclock: float,
    cname: str,
    sent_since_last_report: bool = True,
) -> bytes:
    """A compound RTCP packet: SR (if we sent media) or RR, then SDES CNAME (§6.1)."""
    block = receiver.report_block(now) if receiver is not None else None
    reports = (block,) if block is not None else ()
    first: RtcpPacket
    if sent_since_last_report and sender.packets_sent:
        first = sender.sender_report(now, wallclock, reports)
    else:
        first = RtcpReceiverReport(sender.ssrc, reports)
    sdes = RtcpSourceDescription((SdesChunk(sender.ssrc, ((SDES_CNAME, cname.encode()),)),))
    return build_rtcp((first, sdes))
