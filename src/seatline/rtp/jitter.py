"""A playout jitter buffer: RTP packets in (any order, with `now`), one frame per tick out.

It reorders by sequence number across the 16-bit wrap, drops late and duplicate packets, counts
loss, and conceals a gap by repeating the previous payload once, then playing silence. It knows
nothing about codecs: the silence payload is given by the caller. Sans-I/O: the caller's playout
clock calls `pop(now)` every frame interval.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from seatline.rtp.packet import RtpPacket

__all__ = ["FrameKind", "JitterBuffer", "JitterState", "JitterStats", "PlayoutFrame"]

# Beyond this distance from the playout point a packet means the sender restarted (RFC 3550 A.1).
_MAX_JUMP = 3000


class JitterState(StrEnum):
    """FILLING until `depth` frames (or their time) are buffered, then PLAYING; a sequence
    jump (the sender restarted) goes back to FILLING."""

    FILLING = "filling"
    PLAYING = "playing"


class FrameKind(StrEnum):
    """Where a played frame came from."""

    PACKET = "packet"
    REPEAT = "repeat"
    SILENCE = "silence"


@dataclass(frozen=True, slots=True)
class PlayoutFrame:
    """One frame to play: its payload, origin, and the packet when it was received."""

    kind: FrameKind
    payload: bytes
    packet: RtpPacket | None = None


@dataclass(frozen=True, slots=True)
class JitterStats:
    """Counters since creation: what arrived, what played and what was concealed."""

    received: int
    played: int
    lost: int
    late: int
    duplicate: int
    concealed: int
    underruns: int
    overflow_dropped: int
    resyncs: int


class JitterBuffer:
    """Reorder and pace one RTP stream for playout, `depth` frames behind the network."""

    def __init__(
        self,
        depth: int = 3,
        max_depth: int = 10,
        frame_interval: float = 0.02,
        silence: bytes = b"",
        max_repeats: int = 1,
    ) -> None:
        """`depth` frames are buffered before playout starts; beyond `max_depth` we catch up."""
        if not 1 <= depth <= max_depth:
            raise ValueError(f"need 1 <= depth <= max_depth, got {depth} and {max_depth}")
        self.depth = depth
        self.max_depth = max_depth
        self.frame_interval = frame_interval
        self.silence = silence
        self.max_repeats = max_repeats
        self._packets: dict[int, RtpPacket] = {}
        self._expected: int | None = None  # extended seq to play next, once playing
        self._reference: int | None = None  # extended seq of the newest packet
        self._first_arrival = 0.0
        self.state = JitterState.FILLING
        self._last_payload: bytes | None = None
        self._repeats = 0
        self._received = self._played = self._lost = self._late = self._duplicate = 0
        self._concealed = self._underruns = self._overflow = self._resyncs = 0

    def __len__(self) -> int:
        """Packets waiting to be played."""
        return len(self._packets)

    def _extend(self, seq: int) -> int:
        # The extended number closest to the newest one seen: handles the 65535 -> 0 wrap.
        if self._reference is None:
            return seq
        delta = ((seq - self._reference + 0x8000) & 0xFFFF) - 0x8000
        return self._reference + delta

    def push(self, packet: RtpPacket, now: float) -> bool:
        """Add a received packet; False when it was dropped as late or duplicate."""
        ext = self._extend(packet.sequence_number)
        if self._expected is not None and abs(ext - self._expected) > _MAX_JUMP:
            self._resync()
            ext = packet.sequence_number
        if self._expected is not None and ext < self._expected:
            self._late += 1
            return False
        if ext in self._packets:
            self._duplicate += 1
            return False
        if not self._packets and self.state is JitterState.FILLING:
            self._first_arrival = now
        self._packets[ext] = packet
        self._received += 1
        if self._reference is None or ext > self._reference:
            self._reference = ext
        if self.state is JitterState.PLAYING and len(self._packets) > self.max_depth:
            self._catch_up()
        return True

    def _resync(self) -> None:
        self._resyncs += 1
        self._packets.clear()
        self._expected = None
        self._reference = None
        self.state = JitterState.FILLING

    def _catch_up(self) -> None:
        # Too much latency piled up (a burst after a stall): skip the oldest to get back to depth.
        order = sorted(self._packets)
        for ext in order[: len(order) - self.depth]:
            del self._packets[ext]
            self._overflow += 1
        self._expected = min(self._packets)

    def pop(self, now: float) -> PlayoutFrame | None:
        """The frame to play at this tick, or None before playout has started."""
        if self.state is JitterState.FILLING:
            waited = now - self._first_arrival >= self.depth * self.frame_interval
            if not self._packets or (len(self._packets) < self.depth and not waited):
                return None
            self.state = JitterState.PLAYING
            self._expected = min(self._packets)
        assert self._expected is not None
        packet = self._packets.pop(self._expected, None)
        if packet is not None:
            self._expected += 1
            self._played += 1
            self._last_payload = packet.payload
            self._repeats = 0
            return PlayoutFrame(FrameKind.PACKET, packet.payload, packet)
        if self._packets:
            # Newer packets are here, so the expected one is lost (or later than our depth).
            self._expected += 1
            self._lost += 1
        else:
            # Nothing at all: hold the playout point so a merely delayed packet still plays.
            self._underruns += 1
        self._concealed += 1
        if self._last_payload is not None and self._repeats < self.max_repeats:
            self._repeats += 1
            return PlayoutFrame(FrameKind.REPEAT, self._last_payload)
        return PlayoutFrame(FrameKind.SILENCE, self.silence)

    def stats(self) -> JitterStats:
        """A snapshot of the counters."""
        return JitterStats(
            received=self._received,
            played=self._played,
            lost=self._lost,
            late=self._late,
            duplicate=self._duplicate,
            concealed=self._concealed,
            underruns=self._underruns,
            overflow_dropped=self._overflow,
            resyncs=self._resyncs,
        )
