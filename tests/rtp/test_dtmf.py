"""RFC 4733 telephone-events: encoder plan, once-only receiver, SIPp captures."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seatline.rtp import (
    DtmfDigit,
    DtmfReceiver,
    RtpPacket,
    TelephoneEvent,
    digit_to_event,
    encode_digit,
    event_to_digit,
)

from .pcap import udp_datagrams

SIPP = Path("/usr/share/sip-tester")
PCAP_DIGITS = {str(d): str(d) for d in range(10)} | {"pound": "#", "star": "*"}


def _packets(digits: str, start_ts: int = 1000, gap: int = 800) -> list[tuple[float, RtpPacket]]:
    """The RTP packets (with send times) a sender produces for `digits`, one after another."""
    out: list[tuple[float, RtpPacket]] = []
    seq, ts, clock = 100, start_ts, 0.0
    for digit in digits:
        frames = encode_digit(digit, duration=0.08)
        for frame in frames:
            packet = RtpPacket(101, seq & 0xFFFF, ts & 0xFFFFFFFF, 7, frame.payload, frame.marker)
            out.append((clock + frame.offset, packet))
            seq += 1
        clock += frames[-1].offset + 0.1
        ts += TelephoneEvent.parse(frames[-1].payload).duration + gap
    return out


def _run(receiver: DtmfReceiver, packets: list[tuple[float, RtpPacket]]) -> list[DtmfDigit]:
    found: list[DtmfDigit] = []
    last = 0.0
    for now, packet in packets:
        found += receiver.handle_timer(now)
        found += receiver.receive(packet, now)
        last = max(last, now)
    found += receiver.handle_timer(last + 10)
    return found


def test_event_codes() -> None:
    assert [digit_to_event(d) for d in "09*#ABCD!"] == [0, 9, 10, 11, 12, 13, 14, 15, 16]
    assert digit_to_event("a") == 12
    assert event_to_digit(16) == "!"
    with pytest.raises(ValueError):
        digit_to_event("E")
    with pytest.raises(ValueError):
        event_to_digit(17)


def test_encoder_plans_start_updates_and_three_ends() -> None:
    frames = encode_digit("5", duration=0.1, volume=10)
    events = [TelephoneEvent.parse(frame.payload) for frame in frames]
    assert [f.marker for f in frames] == [True] + [False] * (len(frames) - 1)
    assert [e.duration for e in events] == [0, 160, 320, 480, 640, 800, 800, 800]
    assert [e.end for e in events] == [False] * 5 + [True] * 3
    assert {e.event for e in events} == {5} and {e.volume for e in events} == {10}
    assert [f.offset for f in frames] == pytest.approx([0, 0.02, 0.04, 0.06, 0.08, 0.1, 0.12, 0.14])
    assert frames[-1].payload == frames[-2].payload == frames[-3].payload


def test_receiver_reports_each_digit_once_with_duration() -> None:
    found = _run(DtmfReceiver(), _packets("123#*0A!"))
    assert "".join(d.digit for d in found) == "123#*0A!"
    assert all(d.ended and d.duration == 640 for d in found)


def test_repeated_digit_is_two_events() -> None:
    assert "".join(d.digit for d in _run(DtmfReceiver(), _packets("5555"))) == "5555"


def test_digit_whose_ends_are_all_lost_is_reported_on_timeout() -> None:
    packets = [p for p in _packets("7") if not TelephoneEvent.parse(p[1].payload).end]
    receiver = DtmfReceiver(timeout=0.3)
    assert [d for now, p in packets for d in receiver.receive(p, now)] == []
    last = packets[-1][0]
    assert receiver.get_timer() == pytest.approx(last + 0.3)
    assert receiver.handle_timer(last + 0.29) == []
    (digit,) = receiver.handle_timer(last + 0.3)
    assert (digit.digit, digit.ended, digit.duration) == ("7", False, 480)
    assert receiver.get_timer() is None


def test_digit_whose_ends_are_lost_is_reported_when_the_next_starts() -> None:
    packets = [
        p
        for p in _packets("89")
        if not (p[1].payload[0] == 8 and TelephoneEvent.parse(p[1].payload).end)
    ]
    receiver = DtmfReceiver(timeout=60)
    found = [d for now, p in packets for d in receiver.receive(p, now)]
    assert [(d.digit, d.ended) for d in found] == [("8", False), ("9", True)]


def test_timestamp_wrap_still_orders_events() -> None:
    found = _run(DtmfReceiver(), _packets("123", start_ts=2**32 - 1000))
    assert "".join(d.digit for d in found) == "123"


def test_malformed_and_unknown_payloads_are_ignored() -> None:
    receiver = DtmfReceiver()
    assert receiver.receive_payload(5, b"\x01", 0.0) == []
    assert receiver.receive_payload(6, bytes([40, 0x80, 0, 160]), 0.0) == []
    assert receiver.malformed == 1


@settings(max_examples=60, deadline=None)
@given(
    digits=st.text(alphabet="0123456789*#ABCD!", min_size=1, max_size=6),
    seed=st.integers(0, 2**32),
    early=st.booleans(),
)
def test_duplicated_reordered_and_lost_packets_never_change_the_digits(
    digits: str, seed: int, early: bool
) -> None:
    rng = random.Random(seed)
    sent = _packets(digits)
    received: list[tuple[float, RtpPacket]] = []
    by_event: dict[int, list[tuple[float, RtpPacket]]] = {}
    for item in sent:
        by_event.setdefault(item[1].timestamp, []).append(item)
    for packets in by_event.values():
        # Keep at least one packet of each event; drop, duplicate and jitter the rest.
        keep = rng.randrange(len(packets))
        for i, (now, packet) in enumerate(packets):
            if i != keep and rng.random() < 0.3:
                continue
            copies = 2 if rng.random() < 0.2 else 1
            received += [(now + rng.uniform(0, 0.05), packet)] * copies
    received.sort(key=lambda item: item[0])  # network reordering within 50 ms
    found = _run(DtmfReceiver(early=early), received)
    assert "".join(d.digit for d in found) == digits


@pytest.mark.parametrize("name", sorted(PCAP_DIGITS))
def test_sipp_capture_yields_the_named_digit(name: str) -> None:
    path = SIPP / f"dtmf_2833_{name}.pcap"
    if not path.exists():
        pytest.skip("Debian package sip-tester is not installed")
    receiver = DtmfReceiver()
    found: list[DtmfDigit] = []
    for datagram in udp_datagrams(path.read_bytes()):
        packet = RtpPacket.parse(datagram.payload)
        assert packet.payload_type == 101
        found += receiver.receive(packet, datagram.time)
    assert [(d.digit, d.ended) for d in found] == [(PCAP_DIGITS[name], True)]
    assert found[0].duration == 2240


def test_a_new_timestamp_base_is_not_mistaken_for_reordering() -> None:
    receiver = DtmfReceiver()
    end = bytes(TelephoneEvent(1, True, 10, 800))
    assert [d.digit for d in receiver.receive_payload(5_000_000, end, 0.0)] == ["1"]
    # A reordered update of an older event just before is ignored...
    assert receiver.receive_payload(4_999_000, bytes(TelephoneEvent(0, False, 10, 160)), 0.1) == []
    # ...but a sender that restarted with a far-away random base is heard.
    assert [d.digit for d in receiver.receive_payload(12_345, end, 0.2)] == ["1"]


def test_early_mode_reports_at_the_first_packet() -> None:
    receiver = DtmfReceiver(early=True)
    packets = _packets("3")
    first = receiver.receive(packets[0][1], 0.0)
    assert [(d.digit, d.ended, d.duration) for d in first] == [("3", False, 0)]
    assert [d for now, p in packets[1:] for d in receiver.receive(p, now)] == []
    assert receiver.get_timer() is None


def _capture(name: str) -> list[tuple[float, RtpPacket]]:
    path = SIPP / f"dtmf_2833_{name}.pcap"
    if not path.exists():
        pytest.skip("Debian package sip-tester is not installed")
    return [(d.time, RtpPacket.parse(d.payload)) for d in udp_datagrams(path.read_bytes())]


def _replay(receiver: DtmfReceiver, names: list[str]) -> str:
    # One call replays the captures back to back: same SSRC, unrelated older timestamps.
    found: list[DtmfDigit] = []
    for k, name in enumerate(names):
        for _, packet in _capture(name):
            found += receiver.receive(packet, float(k))
    return "".join(d.digit for d in found)


def test_strict_order_drops_a_replayed_capture_with_an_older_timestamp() -> None:
    # dtmf_2833_0 (timestamp 17632) after dtmf_2833_3 (31040) looks like a reordered packet.
    assert _replay(DtmfReceiver(), ["3", "0"]) == "3"


def test_replay_mode_hears_every_capture_and_each_event_once() -> None:
    receiver = DtmfReceiver(early=True, strict_order=False)
    assert _replay(receiver, ["3", "0", "1", "1"]) == "301"  # identical RTP twice: one event
    assert _replay(receiver, ["5", "3"]) == "5"  # 3 was reported lately: still remembered
    assert receiver.get_timer() is None


def test_replay_mode_tells_events_apart_by_code_at_one_timestamp() -> None:
    receiver = DtmfReceiver(early=True, strict_order=False)
    first = bytes(TelephoneEvent(4, False, 10, 0))
    second = bytes(TelephoneEvent(7, False, 10, 0))
    assert [d.digit for d in receiver.receive_payload(800, first, 0.0)] == ["4"]
    assert [d.digit for d in receiver.receive_payload(800, second, 0.1)] == ["7"]
    assert receiver.receive_payload(800, first, 0.2) == []
    assert receiver.receive_payload(800, bytes(TelephoneEvent(7, True, 10, 480)), 0.3) == []


def test_replay_mode_without_early_still_waits_for_the_end() -> None:
    receiver = DtmfReceiver(strict_order=False)
    packets = _packets("9")
    found = [d for now, p in packets for d in receiver.receive(p, now)]
    assert [(d.digit, d.ended) for d in found] == [("9", True)]
    late = receiver.receive_payload(packets[0][1].timestamp, packets[0][1].payload, 1.0)
    assert late == []
