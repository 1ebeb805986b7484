"""Jitter buffer: reordering, the 16-bit wrap, late/duplicate drops, loss and concealment."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seatline.rtp import FrameKind, JitterBuffer, RtpPacket


def _packet(seq: int) -> RtpPacket:
    return RtpPacket(0, seq & 0xFFFF, (seq * 160) & 0xFFFFFFFF, 1, seq.to_bytes(4, "big"))


def _seq(payload: bytes) -> int:
    return int.from_bytes(payload, "big")


def test_waits_for_depth_then_plays_in_order_across_the_wrap() -> None:
    buffer = JitterBuffer(depth=3, silence=b"S")
    order = [65533, 65535, 65534, 0, 2, 1, 3]  # reordered around 65535 -> 0
    played: list[int] = []
    now = 0.0
    buffer.push(_packet(order[0]), now)
    assert buffer.pop(now) is None  # still filling
    for seq in order[1:]:
        buffer.push(_packet(seq), now)
        frame = buffer.pop(now)
        if frame is not None:
            assert frame.kind is FrameKind.PACKET
            played.append(_seq(frame.payload) & 0xFFFF)
        now += 0.02
    while len(buffer):
        frame = buffer.pop(now)
        assert frame is not None
        played.append(_seq(frame.payload) & 0xFFFF)
    assert played == [65533, 65534, 65535, 0, 1, 2, 3]
    stats = buffer.stats()
    assert (stats.received, stats.played, stats.lost, stats.late) == (7, 7, 0, 0)


def test_starts_after_depth_worth_of_time_even_with_one_packet() -> None:
    buffer = JitterBuffer(depth=3)
    buffer.push(_packet(10), 1.0)
    assert buffer.pop(1.05) is None
    frame = buffer.pop(1.06)
    assert frame is not None and frame.packet is not None
    assert frame.packet.sequence_number == 10


def test_gap_is_counted_lost_and_concealed_by_one_repeat_then_silence() -> None:
    buffer = JitterBuffer(depth=1, silence=b"S", max_repeats=1)
    for seq in (1, 5):
        buffer.push(_packet(seq), 0.0)
    kinds = []
    payloads = []
    for _ in range(5):
        frame = buffer.pop(0.0)
        assert frame is not None
        kinds.append(frame.kind)
        payloads.append(frame.payload)
    assert kinds == [
        FrameKind.PACKET,
        FrameKind.REPEAT,
        FrameKind.SILENCE,
        FrameKind.SILENCE,
        FrameKind.PACKET,
    ]
    assert payloads[1] == payloads[0] and payloads[2] == b"S"
    assert buffer.stats().lost == 3
    assert buffer.stats().concealed == 3


def test_late_and_duplicate_packets_are_dropped() -> None:
    buffer = JitterBuffer(depth=1)
    assert buffer.push(_packet(7), 0.0)
    assert not buffer.push(_packet(7), 0.0)
    assert buffer.pop(0.0) is not None
    assert not buffer.push(_packet(7), 0.01)  # already played: late
    assert not buffer.push(_packet(6), 0.01)
    stats = buffer.stats()
    assert (stats.duplicate, stats.late) == (1, 2)


def test_underrun_holds_the_playout_point_for_a_delayed_packet() -> None:
    buffer = JitterBuffer(depth=1, silence=b"S")
    buffer.push(_packet(1), 0.0)
    buffer.pop(0.0)
    frame = buffer.pop(0.02)
    assert frame is not None and frame.kind is FrameKind.REPEAT
    buffer.push(_packet(2), 0.03)
    frame = buffer.pop(0.04)
    assert frame is not None and frame.kind is FrameKind.PACKET
    assert buffer.stats().underruns == 1 and buffer.stats().lost == 0


def test_overflow_catches_up_to_depth() -> None:
    buffer = JitterBuffer(depth=2, max_depth=4)
    buffer.push(_packet(0), 0.0)
    buffer.push(_packet(1), 0.0)
    assert buffer.pop(0.0) is not None
    for seq in range(2, 6):
        buffer.push(_packet(seq), 0.0)
    # The fifth waiting packet exceeds max_depth: the three oldest go, leaving depth (2).
    assert len(buffer) == 2
    frame = buffer.pop(0.0)
    assert frame is not None and frame.packet is not None
    assert frame.packet.sequence_number == 4
    assert buffer.stats().overflow_dropped == 3


def test_a_sequence_jump_resynchronises() -> None:
    buffer = JitterBuffer(depth=1)
    buffer.push(_packet(100), 0.0)
    buffer.pop(0.0)
    buffer.push(_packet(40000), 0.02)
    frame = buffer.pop(0.04)
    assert frame is not None and frame.packet is not None
    assert frame.packet.sequence_number == 40000
    assert buffer.stats().resyncs == 1


def test_depth_must_fit_max_depth() -> None:
    with pytest.raises(ValueError):
        JitterBuffer(depth=5, max_depth=4)


@settings(max_examples=40, deadline=None)
@given(start=st.integers(0, 0xFFFF), seed=st.integers(0, 2**32), count=st.integers(5, 120))
def test_reordering_within_depth_loses_nothing(start: int, seed: int, count: int) -> None:
    rng = random.Random(seed)
    depth = 4
    arrivals = sorted(range(count), key=lambda i: i + rng.uniform(0, depth - 1))
    buffer = JitterBuffer(depth=depth, max_depth=2 * depth)
    played: list[int] = []
    for tick, i in enumerate(arrivals):
        buffer.push(_packet(start + i), tick * 0.02)
        frame = buffer.pop(tick * 0.02)
        if frame is not None and frame.kind is FrameKind.PACKET:
            played.append(_seq(frame.payload))
    while len(buffer):
        frame = buffer.pop(10.0)
        assert frame is not None
        played.append(_seq(frame.payload))
    assert played == [start + i for i in range(count)]
    assert buffer.stats().lost == 0


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32), count=st.integers(10, 150))
def test_loss_is_reported_exactly_and_the_rest_plays_in_order(seed: int, count: int) -> None:
    rng = random.Random(seed)
    # The first and last packets arrive, so every gap is bounded by received packets.
    lost = {i for i in range(1, count - 1) if rng.random() < 0.15}
    buffer = JitterBuffer(depth=2, max_depth=1000, silence=b"S")
    for i in range(count):
        if i not in lost:
            buffer.push(_packet(65500 + i), 0.0)
    played = []
    kinds = []
    while len(buffer):
        frame = buffer.pop(1.0)
        assert frame is not None
        kinds.append(frame.kind)
        if frame.kind is FrameKind.PACKET:
            played.append(_seq(frame.payload))
    assert played == [65500 + i for i in range(count) if i not in lost]
    assert buffer.stats().lost == len(lost)
    assert len(kinds) == count  # one frame per sequence number: timing is kept
