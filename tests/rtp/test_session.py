"""RTP sender/receiver state: numbering, pacing, markers, loss and jitter (RFC 3550 A.1-A.8)."""

from __future__ import annotations

import random

import pytest

from seatline.rtp import (
    RtcpReceiverReport,
    RtcpSenderReport,
    RtcpSourceDescription,
    RtpPacket,
    RtpReceiver,
    RtpSender,
    build_report,
    encode_digit,
    ntp_timestamp,
    parse_rtcp,
)


def test_initial_values_come_from_the_injected_random() -> None:
    a = RtpSender(0, random.Random(7))
    b = RtpSender(0, random.Random(7))
    c = RtpSender(0, random.Random(8))
    assert (a.ssrc, a.sequence_number, a.timestamp) == (b.ssrc, b.sequence_number, b.timestamp)
    assert (a.ssrc, a.sequence_number) != (c.ssrc, c.sequence_number)


def test_packets_advance_and_wrap_with_marker_on_talkspurts() -> None:
    sender = RtpSender(8, random.Random(1), ssrc=42)
    sender.sequence_number = 0xFFFF
    sender.timestamp = 0xFFFFFFFF - 159
    first = RtpPacket.parse(sender.packetize(b"\xd5" * 160))
    second = RtpPacket.parse(sender.packetize(b"\xd5" * 160))
    assert (first.sequence_number, first.timestamp, first.marker) == (0xFFFF, 2**32 - 160, True)
    assert (second.sequence_number, second.timestamp, second.marker) == (0, 0, False)
    assert second.ssrc == 42 and second.payload_type == 8
    sender.skip(3)  # 60 ms of silence suppression
    third = RtpPacket.parse(sender.packetize(b"\xd5" * 160))
    assert (third.sequence_number, third.timestamp, third.marker) == (1, 640, True)
    sender.begin_talkspurt()
    assert RtpPacket.parse(sender.packetize(b"")).marker
    assert (sender.packets_sent, sender.octets_sent) == (4, 480)


def test_pacing_is_drift_free() -> None:
    sender = RtpSender(0, random.Random(1))
    assert sender.next_send_time is None
    sender.start(100.0)
    for _ in range(1000):
        sender.packetize(b"\xff" * 160)
    assert sender.next_send_time == pytest.approx(120.0, abs=1e-9)
    assert sender.rtp_timestamp_at(120.0) == sender.timestamp


def test_telephone_event_packets_share_a_timestamp_and_take_sequence_numbers() -> None:
    sender = RtpSender(0, random.Random(3))
    start_seq = sender.sequence_number
    event_ts = sender.timestamp
    packets = [
        RtpPacket.parse(sender.telephone_event(frame, 101, event_ts)) for frame in encode_digit("4")
    ]
    assert {p.timestamp for p in packets} == {event_ts}
    assert [p.sequence_number for p in packets] == [
        (start_seq + i) & 0xFFFF for i in range(len(packets))
    ]
    assert packets[0].marker and packets[0].payload_type == 101


def _rfc_jitter(arrivals: list[float], timestamps: list[int], rate: int) -> float:
    # RFC 3550 §6.4.1: D(i,j) = (Rj - Ri) - (Sj - Si); J(i) = J(i-1) + (|D(i-1,i)| - J(i-1))/16.
    jitter = 0.0
    for i in range(1, len(arrivals)):
        d = (arrivals[i] - arrivals[i - 1]) * rate - (timestamps[i] - timestamps[i - 1])
        jitter += (abs(d) - jitter) / 16
    return jitter


def test_jitter_matches_the_rfc_formula() -> None:
    rng = random.Random(5)
    receiver = RtpReceiver()
    arrivals, timestamps = [], []
    for i in range(500):
        timestamps.append(1000 + 160 * i)
        arrivals.append(10.0 + 0.02 * i + rng.uniform(0, 0.03))
        receiver.receive(RtpPacket(0, i, timestamps[-1], 9, b"x"), arrivals[-1])
    assert receiver.jitter == pytest.approx(_rfc_jitter(arrivals, timestamps, 8000))
    assert receiver.jitter > 10


def test_jitter_of_alternating_delay_converges_to_the_swing() -> None:
    receiver = RtpReceiver()
    for i in range(200):
        delay = 0.01 if i % 2 else 0.0  # |D| is always 80 timestamp units
        receiver.receive(RtpPacket(0, i, 160 * i, 9, b""), 0.02 * i + delay)
    assert receiver.jitter == pytest.approx(80 * (1 - (15 / 16) ** 199))
    steady = RtpReceiver()
    for i in range(50):
        steady.receive(RtpPacket(0, i, 160 * i, 9, b""), 5 + 0.02 * i)
    assert steady.jitter == pytest.approx(0, abs=1e-6)


def test_loss_across_the_sequence_wrap_and_fraction_lost() -> None:
    receiver = RtpReceiver()
    seqs = [(65530 + i) & 0xFFFF for i in range(20)]
    dropped = {seqs[3], seqs[10], seqs[11]}
    for i, seq in enumerate(seqs):
        if seq not in dropped:
            receiver.receive(RtpPacket(0, seq, 160 * i, 9, b"ab"), 0.02 * i)
    assert receiver.extended_highest_sequence == 65536 + seqs[-1]
    assert (receiver.expected, receiver.received, receiver.lost) == (20, 17, 3)
    block = receiver.report_block(1.0)
    assert block is not None
    assert block.fraction_lost == (3 << 8) // 20
    assert block.packets_lost == 3
    assert block.highest_sequence == 65536 + 13
    # The next interval has no loss.
    for i in range(20, 30):
        receiver.receive(RtpPacket(0, (65530 + i) & 0xFFFF, 160 * i, 9, b""), 0.02 * i)
    block = receiver.report_block(2.0)
    assert block is not None and block.fraction_lost == 0 and block.packets_lost == 3


def test_duplicates_make_loss_negative_and_a_big_jump_needs_confirmation() -> None:
    receiver = RtpReceiver()
    for seq in (1, 2, 2, 3):
        receiver.receive(RtpPacket(0, seq, 0, 9, b""), 0.0)
    assert receiver.lost == -1
    assert not receiver.receive(RtpPacket(0, 30000, 0, 9, b""), 0.0)
    assert receiver.receive(RtpPacket(0, 30001, 0, 9, b""), 0.0)  # confirmed: restart
    assert (receiver.expected, receiver.received) == (1, 1)


def test_compound_report_carries_sr_or_rr_and_cname() -> None:
    sender = RtpSender(0, random.Random(2), ssrc=77)
    receiver = RtpReceiver()
    wallclock = 1_700_000_000.5
    sender.start(0.0)
    for i in range(50):
        sender.packetize(b"\xff" * 160)
        receiver.receive(RtpPacket(0, i, 160 * i, 88, b"\xff" * 160), 0.02 * i)
    peer_sr = RtcpSenderReport(88, ntp_timestamp(wallclock - 1), 0, 10, 1600)
    receiver.receive_sender_report(peer_sr, 0.5)
    sr, sdes = parse_rtcp(build_report(sender, receiver, 1.0, wallclock, "agent@seatline"))
    assert isinstance(sr, RtcpSenderReport)
    assert (sr.ssrc, sr.packet_count, sr.octet_count) == (77, 50, 8000)
    assert sr.ntp_timestamp >> 32 == int(wallclock) + 2_208_988_800
    assert sr.ntp_timestamp & 0xFFFFFFFF == 1 << 31
    assert sr.rtp_timestamp == (sender.rtp_timestamp_at(1.0))
    (block,) = sr.reports
    assert block.ssrc == 88 and block.packets_lost == 0
    assert block.last_sr == (peer_sr.ntp_timestamp >> 16) & 0xFFFFFFFF
    assert block.delay_since_last_sr == 32768  # 0.5 s in 1/65536 s
    assert isinstance(sdes, RtcpSourceDescription)
    assert sdes.chunks[0].items == ((1, b"agent@seatline"),)
    rr, _ = parse_rtcp(build_report(sender, receiver, 2.0, wallclock, "a", False))
    assert isinstance(rr, RtcpReceiverReport) and rr.ssrc == 77
