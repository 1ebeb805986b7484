"""Pure pieces of the media side: SDP offer/answer helper, DTMF receiver, recorder, router."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from seatline.rtp import g711
from seatline.switch._dtmf import DtmfReceiver, event_payloads
from seatline.switch.recorder import Recorder
from seatline.switch.router import CallRouter
from seatline.switch.sdp import SdpError, answer_direction, build_sdp, parse_sdp

OFFER = (
    b"v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
    b"m=audio 4000 RTP/AVP 18 8 0 101\r\na=rtpmap:101 telephone-event/8000\r\na=sendonly\r\n"
)


def test_sdp_offer_is_read_and_answered() -> None:
    desc = parse_sdp(OFFER)
    assert (desc.address, desc.port, desc.codec, desc.dtmf_payload_type) == (
        "192.0.2.1",
        4000,
        8,
        101,
    )
    assert desc.direction == "sendonly"
    assert answer_direction(desc.direction) == "recvonly"
    ours = parse_sdp(build_sdp("127.0.0.1", 5000, (8,), 101, "recvonly"))
    assert (ours.port, ours.codec, ours.direction) == (5000, 8, "recvonly")


def test_sdp_without_common_codec_or_audio_is_refused() -> None:
    with pytest.raises(SdpError):
        _ = parse_sdp(OFFER.replace(b"18 8 0 101", b"18 101")).codec
    with pytest.raises(SdpError):
        parse_sdp(b"v=0\r\nc=IN IP4 1.2.3.4\r\nm=video 5 RTP/AVP 31\r\n")


def test_dtmf_receiver_reports_each_event_once() -> None:
    rx = DtmfReceiver()
    digits = [rx.feed(p, 1000) for p in event_payloads("5")]
    digits += [rx.feed(p, 2000) for p in event_payloads("#")]
    digits += [rx.feed(p, 2000) for p in event_payloads("#")]  # a replay: same event
    assert [d for d in digits if d] == ["5", "#"]


def test_recorder_puts_each_leg_on_its_channel(tmp_path: Path) -> None:
    now = [0.0]
    rec = Recorder(tmp_path / "r.wav", 10, clock=lambda: now[0])
    tone = (np.sin(np.arange(160) / 3) * 8000).astype(np.int16)
    for i in range(50):
        now[0] = i * 0.02
        rec.add(0, g711.encode(tone, 0), 0)
    rec.add(1, g711.silence(8), 8)
    with wave.open(str(rec.close()), "rb") as wav:
        data = np.frombuffer(wav.readframes(wav.getnframes()), "<i2").reshape(-1, 2)
    assert data.shape[0] == 50 * 160
    assert np.abs(data[:, 0]).mean() > 1000
    assert np.abs(data[:, 1]).max() < 16


def test_router_prefers_exact_then_longest_prefix() -> None:
    async def a(call: object) -> None: ...
    async def b(call: object) -> None: ...
    async def c(call: object) -> None: ...

    router = CallRouter()
    router.add("9000", a)
    router.add_prefix("9", b)
    router.add_prefix("90", c)
    assert router.route("9000") is a
    assert router.route("9012") is c
    assert router.route("9100") is b
    assert router.route("1") is None
