"""MediaStream: two streams joined by a hand-driven clock, no sockets."""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from seatline.rtp import (
    PCMA,
    PCMU,
    DtmfDigit,
    MediaStream,
    RtcpBye,
    RtcpReceived,
    RtcpSenderReport,
    RtpPacket,
    alaw_decode,
    alaw_encode,
    is_rtcp,
    tone,
    transcode,
    ulaw_decode,
    ulaw_encode,
)


def _pair(payload_type: int = PCMA) -> tuple[MediaStream, MediaStream]:
    a = MediaStream(payload_type, random.Random(1), cname="a", wallclock_offset=1.7e9)
    b = MediaStream(payload_type, random.Random(2), cname="b", wallclock_offset=1.7e9)
    return a, b


def _events(stream: MediaStream) -> list[object]:
    out = []
    while (event := stream.next_event()) is not None:
        out.append(event)
    return out


def test_audio_goes_through_the_jitter_buffer_and_codec() -> None:
    a, b = _pair()
    a.start(0.0)
    voice = tone((440.0,), 0.4)
    played = []
    for tick in range(25):
        now = tick * 0.02
        frame = voice[tick * 160 : (tick + 1) * 160]
        if frame.size == 160:
            datagram = a.send_audio(frame, now)
            assert datagram is not None
            b.receive_datagram(datagram, now + 0.005)
        played.append(b.playout(now + 0.01))
    audio = np.concatenate(played)
    expected = alaw_decode(alaw_encode(voice))
    start = int(np.flatnonzero(audio)[0])  # after the jitter buffer's depth of silence
    assert start == 2 * 160
    assert np.array_equal(audio[start : start + 160 * 20], expected[: 160 * 20])
    assert b.receiver.received == 20 and b.receiver.lost == 0


def test_digits_are_sent_as_rfc4733_and_received_once() -> None:
    a, b = _pair(PCMU)
    a.start(0.0)
    a.send_digits("12#", 0.0)
    digits: list[str] = []
    now = 0.0
    silent = np.zeros(160, dtype=np.int16)
    muted = 0
    while now < 2.0:
        if a.send_audio(silent, now) is None:
            muted += 1
        for datagram in a.datagrams_to_send(now):
            b.receive_datagram(datagram, now)
        b.handle_timer(now)
        digits += [e.digit for e in _events(b) if isinstance(e, DtmfDigit)]
        now += 0.02
    assert digits == ["1", "2", "#"]
    assert muted > 0  # audio gave way to the telephone-events


def test_digit_packets_share_each_events_timestamp() -> None:
    a, _ = _pair()
    a.start(10.0)
    a.send_digits("55", 10.0)
    packets = []
    now = 10.0
    while a.get_timer() is not None and now < 11.0:
        packets += [RtpPacket.parse(d) for d in a.datagrams_to_send(now)]
        now += 0.01
    events = [p for p in packets if p.payload_type == 101]
    stamps = sorted({p.timestamp for p in events})
    assert len(stamps) == 2 and stamps[1] > stamps[0]
    assert sum(p.marker for p in events) == 2
    seqs = [p.sequence_number for p in events]
    assert seqs == [(seqs[0] + i) & 0xFFFF for i in range(len(seqs))]


def test_rtcp_reports_are_periodic_and_understood() -> None:
    a, b = _pair()
    a.start(0.0)
    b.start(0.0)
    first = a.get_timer()
    assert first is not None and 2.5 <= first <= 7.5
    assert a.datagrams_to_send(first - 0.01) == []
    for tick in range(10):
        datagram = a.send_audio(np.zeros(160, dtype=np.int16), tick * 0.02)
        assert datagram is not None
        b.receive_datagram(datagram, tick * 0.02)
    (report,) = a.datagrams_to_send(first)
    b.receive_datagram(report, first)
    (event,) = _events(b)
    assert isinstance(event, RtcpReceived)
    sr = event.packets[0]
    assert isinstance(sr, RtcpSenderReport) and sr.packet_count == 10
    b.receive_datagram(a.bye("hangup"), first + 1)
    (bye,) = _events(b)
    assert isinstance(bye, RtcpReceived) and isinstance(bye.packets[0], RtcpBye)
    assert b.peer_left


def test_garbage_and_foreign_payloads_are_counted_not_raised() -> None:
    _, b = _pair()
    b.receive_datagram(b"\x00\x01", 0.0)
    b.receive_datagram(bytes.fromhex("81c90007"), 0.0)
    b.receive_datagram(bytes(RtpPacket(13, 1, 1, 1, b"\x40")), 0.0)  # comfort noise
    assert (b.malformed, b.ignored) == (2, 1)
    with pytest.raises(ValueError):
        MediaStream(18, random.Random(0))


def test_encoded_frames_pass_through_without_decoding() -> None:
    caller = MediaStream(PCMU, random.Random(4), jitter_depth=1)
    agent = MediaStream(PCMA, random.Random(5), jitter_depth=1)
    agent.start(0.0)
    payload = bytes(range(160))
    caller.receive_datagram(bytes(RtpPacket(PCMU, 9, 0, 3, payload)), 0.0)
    forwarded = caller.playout_payload(0.0)
    assert forwarded == payload
    datagram = agent.send_payload(transcode(forwarded, PCMU, PCMA), 0.0)
    assert datagram is not None
    assert RtpPacket.parse(datagram).payload == transcode(payload, PCMU, PCMA)
    # Nothing more arrived: the buffer repeats once, then plays the law's silence.
    assert caller.playout_payload(0.02) == payload
    assert caller.playout_payload(0.04) == b"\xff" * 160


def test_received_digits_hold_their_slots_so_audio_shows_no_loss() -> None:
    a, b = _pair(PCMU)
    a.start(0.0)
    a.send_digits("9", 0.1)
    kinds = []
    for tick in range(40):
        now = tick * 0.02
        datagram = a.send_audio(tone((300.0,), 0.02), now)
        for data in [datagram, *a.datagrams_to_send(now)]:
            if data is not None and not is_rtcp(data):
                kinds.append(RtpPacket.parse(data).payload_type)
                b.receive_datagram(data, now)
        b.playout_payload(now)
    assert kinds[:5] == [PCMU] * 5  # audio flows until the digit starts
    assert kinds.count(101) == 8
    assert b.receiver.received == b.receiver.expected == len(kinds)
    assert b.jitter.stats().lost == 0
    assert b.receiver.jitter < 1
    assert [e.digit for e in _events(b) if isinstance(e, DtmfDigit)] == ["9"]


_RTP_LIKE = st.builds(
    lambda pt, seq, ts, payload: bytes(RtpPacket(pt, seq, ts, 1, payload)),
    st.sampled_from([0, 8, 13, 101]),
    st.integers(0, 0xFFFF),
    st.integers(0, 0xFFFFFFFF),
    st.binary(max_size=8),
)


@given(st.lists(st.one_of(st.binary(max_size=40), _RTP_LIKE), max_size=30))
def test_any_datagrams_are_absorbed_without_raising(datagrams: list[bytes]) -> None:
    stream = MediaStream(PCMU, random.Random(0))
    for i, data in enumerate(datagrams):
        stream.receive_datagram(data, i * 0.02)
        assert stream.playout(i * 0.02).shape == (160,)
        stream.handle_timer(i * 0.02 + 1)
    while stream.next_event() is not None:
        pass


def test_a_30_ms_peer_plays_at_the_right_speed() -> None:
    stream = MediaStream(PCMU, random.Random(0), jitter_depth=1)
    voice = tone((500.0,), 0.6)
    encoded = ulaw_encode(voice)
    played = []
    for tick in range(30):  # 30 ticks of 20 ms = 20 packets of 30 ms
        now = tick * 0.02
        if tick % 3 in (0, 2):
            index = tick // 3 * 2 + (tick % 3 == 2)
            payload = encoded[index * 240 : (index + 1) * 240]
            stream.receive_datagram(bytes(RtpPacket(PCMU, index, index * 240, 5, payload)), now)
        played.append(stream.playout(now))
    assert all(frame.shape == (160,) for frame in played)
    audio = np.concatenate(played)
    assert np.array_equal(audio[: 160 * 28], ulaw_decode(encoded)[: 160 * 28])
    assert stream.jitter.stats().lost == 0
