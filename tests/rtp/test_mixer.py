"""Mixing: N-1 conferences, listen/whisper/barge routes checked numerically, stereo recorder."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from seatline.rtp import Bridge, Channel, MonitorMode, StereoRecorder, mix, monitor_routes


def _const(value: int) -> np.ndarray:
    return np.full(160, value, dtype=np.int16)


# Distinct powers of two so any sum reveals exactly who was mixed in.
VOICES = {"caller": _const(1), "agent": _const(2), "supervisor": _const(4)}


def _heard(out: dict[str, np.ndarray]) -> dict[str, int]:
    return {member: int(frame[0]) for member, frame in out.items()}


def test_conference_is_n_minus_one() -> None:
    frames = {"a": _const(1), "b": _const(2), "c": _const(4), "d": _const(8)}
    assert _heard(mix(frames)) == {"a": 14, "b": 13, "c": 11, "d": 7}


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        (MonitorMode.LISTEN, {"caller": 2, "agent": 1, "supervisor": 3}),
        (MonitorMode.WHISPER, {"caller": 2, "agent": 5, "supervisor": 3}),
        (MonitorMode.BARGE, {"caller": 6, "agent": 5, "supervisor": 3}),
    ],
)
def test_supervision_modes(mode: MonitorMode, expected: dict[str, int]) -> None:
    routes = monitor_routes("caller", "agent", "supervisor", mode)
    assert _heard(mix(VOICES, routes)) == expected
    bridge: Bridge[str] = Bridge()
    for member in VOICES:
        bridge.join(member)
    bridge.set_routes(routes)
    assert _heard(bridge.mix(VOICES)) == expected


def test_saturation_instead_of_wraparound() -> None:
    frames = {"a": _const(30000), "b": _const(30000), "c": _const(-30000), "d": _const(-30000)}
    # Sums are taken in 32 bits: c hears 30000 + 30000 - 30000 with no wrap on the way.
    assert int(mix(frames)["c"][0]) == 30000
    assert int(mix({"x": _const(30000), "y": _const(30000), "z": _const(0)})["z"][0]) == 32767
    assert int(mix({"x": _const(-30000), "y": _const(-30000), "z": _const(0)})["z"][0]) == -32768


def test_bridge_members_come_and_go_and_silent_members_still_hear() -> None:
    bridge: Bridge[str] = Bridge()
    for member in ("a", "b", "c"):
        bridge.join(member)
    out = bridge.mix({"a": _const(1), "b": _const(2)})  # c sent nothing this tick
    assert _heard(out) == {"a": 2, "b": 1, "c": 3}
    bridge.leave("b")
    assert _heard(bridge.mix({"a": _const(1), "b": _const(2), "c": _const(4)})) == {"a": 4, "c": 1}
    bridge.join("listener", hears=["a"])
    assert bridge.routes()["listener"] == frozenset({"a"})
    assert _heard(bridge.mix({"a": _const(1), "c": _const(4)}))["listener"] == 1
    with pytest.raises(ValueError):
        mix({"a": np.zeros(80, dtype=np.int16)})


def test_stereo_recorder_aligns_by_time_and_fills_gaps() -> None:
    recorder = StereoRecorder(start=100.0)
    recorder.write(Channel.CALLER, _const(1), 100.0)
    recorder.write(Channel.AGENT, _const(2), 100.02)  # agent starts 20 ms later
    recorder.write(Channel.CALLER, _const(3), 100.06)  # caller has a 20 ms gap before this
    first = recorder.drain(100.04)
    assert first.shape == (320, 2)
    assert first[:160, 0].tolist() == [1] * 160 and first[160:, 0].tolist() == [0] * 160
    assert first[:160, 1].tolist() == [0] * 160 and first[160:, 1].tolist() == [2] * 160
    rest = recorder.finish()
    assert rest.shape == (320, 2)  # up to the caller's end at 100.08
    assert rest[:160, 0].tolist() == [0] * 160 and rest[160:, 0].tolist() == [3] * 160
    assert not rest[:, 1].any()


def test_stereo_recorder_never_overlaps_and_drops_audio_older_than_drained() -> None:
    recorder = StereoRecorder(start=0.0)
    recorder.write(Channel.AGENT, _const(5), 0.0)
    recorder.write(Channel.AGENT, _const(6), 0.015)  # early by 5 ms: appended, not overlapped
    out = recorder.drain(0.04)
    assert out[:160, 1].tolist() == [5] * 160 and out[160:, 1].tolist() == [6] * 160
    recorder.write(Channel.CALLER, _const(7), 0.0)  # too late: that stretch is written out
    recorder.write(Channel.CALLER, _const(8), 0.03)  # straddles: only the new half is kept
    rest = recorder.finish()
    assert rest[:, 0].tolist() == [8] * 80


@given(
    st.lists(st.lists(st.integers(-32768, 32767), min_size=4, max_size=4), min_size=1, max_size=6)
)
def test_n_minus_one_equals_the_naive_saturated_sum(voices: list[list[int]]) -> None:
    frames = {i: np.array(v, dtype=np.int16) for i, v in enumerate(voices)}
    out = mix(frames, samples=4)
    for listener in frames:
        naive = [
            max(-32768, min(32767, sum(voices[s][k] for s in frames if s != listener)))
            for k in range(4)
        ]
        assert out[listener].tolist() == naive
