"""Answering machine detection on synthetic speech-shaped audio and on espeak-ng speech."""

from __future__ import annotations

import dataclasses
import shutil

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seatline.dialer import (
    AmdConfig,
    AmdError,
    AmdResult,
    AmdVerdict,
    AnsweringMachineDetector,
    ConfigError,
)
from seatline.rtp import g711

RATE = 8000
Pcm = npt.NDArray[np.int16]
needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng missing")


# -- synthetic audio ---------------------------------------------------------------------------
def word(seconds: float, level: float = 3000.0, seed: int = 1) -> Pcm:
    """A spoken-word stand-in: noise at `level` RMS with 20 ms fades and a syllable wobble."""
    n = int(seconds * RATE)
    noise = np.random.default_rng(seed).standard_normal(n) * level
    t = np.arange(n) / RATE
    envelope = 0.75 + 0.25 * np.sin(2 * np.pi * 4 * t)  # syllables at 4 Hz, never silent
    ramp = min(160, n // 2)
    fade = np.ones(n)
    fade[:ramp] = np.linspace(0.3, 1, ramp)
    fade[n - ramp :] = np.linspace(1, 0.3, ramp)
    return np.clip(noise * envelope * fade, -32768, 32767).astype(np.int16)


def quiet(seconds: float) -> Pcm:
    """Digital silence."""
    return np.zeros(int(seconds * RATE), dtype=np.int16)


def hiss(seconds: float, level: float, seed: int = 2) -> Pcm:
    """Steady line noise at `level` RMS."""
    noise = np.random.default_rng(seed).standard_normal(int(seconds * RATE)) * level
    return noise.astype(np.int16)


def talk(words: int, length: float = 0.35, gap: float = 0.12, seed: int = 3) -> Pcm:
    """`words` words of `length` s with `gap` s between them."""
    parts: list[Pcm] = []
    for i in range(words):
        parts += [word(length, seed=seed + i), quiet(gap)]
    return np.concatenate(parts)


def detect(audio: Pcm, config: AmdConfig = AmdConfig()) -> AmdResult:
    """The verdict on `audio`, fed at once (the test audio is long enough to decide)."""
    result = AnsweringMachineDetector(config).feed(audio)
    assert result is not None, "undecided"
    return result


# -- verdicts ----------------------------------------------------------------------------------
def test_hello_then_silence_is_a_person() -> None:
    result = detect(np.concatenate([quiet(0.2), word(0.5), quiet(3.0)]))
    assert result.verdict is AmdVerdict.HUMAN
    assert result.reason == "short greeting then silence"
    assert result.words == 1
    assert result.greeting == pytest.approx(0.5, abs=0.06)
    assert result.seconds <= 1.6  # 0.2 + 0.5 + the 0.8 s pause
    assert result.confidence > 0.75


def test_a_four_second_greeting_is_a_machine() -> None:
    greeting = talk(7, length=0.5, gap=0.1)  # 4.2 s: "Hi, you have reached the voicemail of..."
    result = detect(np.concatenate([quiet(0.3), greeting, quiet(1.0)]))
    assert result.verdict is AmdVerdict.MACHINE
    assert result.reason == "long greeting"
    assert result.greeting > 1.5
    assert result.seconds < 2.1  # decided as soon as the greeting passed 1.5 s
    assert result.confidence >= 0.75


def test_many_short_words_are_a_machine() -> None:
    config = AmdConfig(max_greeting=3.0)
    result = detect(np.concatenate([talk(6, length=0.15, gap=0.1), quiet(2.0)]), config)
    assert result.verdict is AmdVerdict.MACHINE
    assert (result.reason, result.words) == ("too many words", 4)


def test_one_long_breathless_word_is_a_machine() -> None:
    result = detect(word(3.0))
    assert (result.verdict, result.reason, result.words) == (AmdVerdict.MACHINE, "long greeting", 1)


def test_long_silence_is_a_machine_but_weak_evidence() -> None:
    result = detect(quiet(5.0))
    assert (result.verdict, result.reason) == (AmdVerdict.MACHINE, "initial silence")
    assert result.seconds == pytest.approx(2.5)
    assert result.confidence < 0.5
    assert result.words == 0


def test_noise_under_the_threshold_is_silence() -> None:
    line_noise = hiss(5.0, level=150.0)
    assert detect(line_noise).reason == "initial silence"
    louder_than_threshold = AmdConfig(silence_threshold=100.0)
    assert detect(line_noise, louder_than_threshold).reason == "long greeting"


def test_clicks_are_neither_words_nor_greeting() -> None:
    click = hiss(0.02, level=5000.0)
    clicks = np.concatenate([np.concatenate([click, quiet(0.3)]) for _ in range(10)])
    assert detect(np.concatenate([clicks, quiet(2.0)])).reason == "initial silence"
    result = detect(np.concatenate([word(0.4), clicks]))
    assert (result.verdict, result.words) == (AmdVerdict.HUMAN, 1)
    assert result.greeting == pytest.approx(0.4, abs=0.06)


def test_nothing_decided_in_time_is_not_sure() -> None:
    config = AmdConfig(initial_silence=3.0, total_analysis=2.5)
    audio = np.concatenate([quiet(1.0), word(0.3), quiet(0.5), word(0.3), quiet(2.0)])
    result = detect(audio, config)  # a slow "Uh... yes?" still going when time is up
    assert (result.verdict, result.reason) == (AmdVerdict.NOT_SURE, "no decision in time")
    assert result.seconds == pytest.approx(2.5)
    assert result.confidence == 0.0
    assert result.words == 2


def test_confidence_follows_the_evidence() -> None:
    short, longer = (detect(np.concatenate([word(s), quiet(1.0)])) for s in (0.3, 1.2))
    assert short.verdict is longer.verdict is AmdVerdict.HUMAN
    assert 1.0 >= short.confidence > longer.confidence > 0.5
    one_word = detect(word(2.0))
    many_words = detect(talk(5, length=0.3, gap=0.08))
    assert (one_word.reason, many_words.reason) == ("long greeting", "too many words")
    assert 1.0 >= many_words.confidence > one_word.confidence >= 0.75


def test_g711_round_trip_keeps_the_verdict() -> None:
    audio = np.concatenate([quiet(0.2), word(0.5), quiet(2.0)])
    for law in (g711.PCMU, g711.PCMA):
        assert detect(g711.decode(g711.encode(audio, law), law)) == detect(audio)


# -- the feeding API ---------------------------------------------------------------------------
def test_undecided_until_the_evidence_is_in() -> None:
    detector = AnsweringMachineDetector()
    assert detector.feed(word(0.5)) is None
    assert detector.feed(quiet(0.5)) is None
    assert detector.result is None
    assert detector.elapsed == pytest.approx(1.0)
    result = detector.feed(quiet(0.5))
    assert result is not None and result.verdict is AmdVerdict.HUMAN
    assert detector.result is result


def test_the_result_sticks_and_time_goes_on() -> None:
    detector = AnsweringMachineDetector()
    first = detector.feed(quiet(3.0))
    assert first is not None
    assert detector.feed(word(2.0)) is first
    assert detector.feed_silence(8000) is first
    assert detector.elapsed == pytest.approx(6.0)
    assert first.seconds == pytest.approx(2.5)


def test_missing_packets_are_silence() -> None:
    by_samples, by_gap = AnsweringMachineDetector(), AnsweringMachineDetector()
    by_samples.feed(word(0.5))
    by_gap.feed(word(0.5))
    assert by_gap.feed_silence(80) is None  # half a frame
    assert by_gap.feed_silence(10**9) == by_samples.feed(quiet(3.0))
    assert by_gap.elapsed == pytest.approx(0.5 + 10**9 / RATE)


@pytest.mark.parametrize("size", [1, 80, 160, 333, 4000])
def test_chunk_size_does_not_matter(size: int) -> None:
    audio = np.concatenate([quiet(0.3), talk(2, length=0.3, gap=0.2), quiet(2.0)])
    detector = AnsweringMachineDetector()
    result = None
    for start in range(0, len(audio), size):
        result = detector.feed(audio[start : start + size]) or result
    assert result == detect(audio)


segments = st.lists(
    st.tuples(st.sampled_from(["word", "quiet", "faint"]), st.integers(1, 6000)),
    min_size=1,
    max_size=12,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(segments=segments, cuts=st.lists(st.integers(1, 700), min_size=1), seed=st.integers(0, 9))
def test_any_chunking_gives_the_same_verdict(
    segments: list[tuple[str, int]], cuts: list[int], seed: int
) -> None:
    makers = {
        "word": lambda n: word(n / RATE, seed=seed),
        "quiet": lambda n: quiet(n / RATE),
        "faint": lambda n: hiss(n / RATE, level=100.0, seed=seed),
    }
    audio = np.concatenate([makers[kind](n)[:n] for kind, n in segments])
    whole = AnsweringMachineDetector()
    expected = whole.feed(audio)
    chunked = AnsweringMachineDetector()
    pos, i, got = 0, 0, None
    while pos < len(audio):
        piece = audio[pos : pos + cuts[i % len(cuts)]]
        # Digital silence may as well be missing packets: time passes, nothing heard.
        result = chunked.feed_silence(len(piece)) if not piece.any() else chunked.feed(piece)
        got = result or got
        pos += len(piece)
        i += 1
    assert got == expected == chunked.result == whole.result
    assert chunked.elapsed == pytest.approx(whole.elapsed)


def test_bad_audio_is_refused() -> None:
    detector = AnsweringMachineDetector()
    with pytest.raises(AmdError, match="one dimension"):
        detector.feed(np.zeros((2, 160), dtype=np.int16))
    with pytest.raises(AmdError, match="back in time"):
        detector.feed_silence(-1)


def test_types_are_small_and_frozen() -> None:
    result = detect(quiet(3.0))
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.verdict = AmdVerdict.HUMAN  # type: ignore[misc]
    assert str(AmdVerdict.NOT_SURE) == "not_sure"
    assert [v.value for v in AmdVerdict] == ["human", "machine", "not_sure"]


# -- configuration -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"initial_silence": 0}, "initial_silence must be over 0"),
        ({"max_greeting": -1.0}, "max_greeting must be over 0"),
        ({"total_analysis": 120.0}, "at most 60"),
        ({"min_word": "0.1"}, "min_word must be a number"),
        ({"between_words": True}, "between_words must be a number"),
        ({"max_words": 0}, "max_words must be a whole number"),
        ({"max_words": 2.5}, "max_words must be a whole number"),
        ({"silence_threshold": 0}, "silence_threshold must be over 0"),
        ({"silence_threshold": 40000}, "under 32768"),
        ({"silence_threshold": float("nan")}, "silence_threshold must be over 0"),
        ({"total_analysis": 0.5}, "leaves no time to hear a person"),
    ],
)
def test_bad_config_is_refused_clearly(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        AmdConfig.from_overrides(changes)


def test_overrides_from_a_campaign() -> None:
    config = AmdConfig.from_overrides({"max_greeting": 2, "max_words": 4.0})
    assert (config.max_greeting, config.max_words) == (2, 4)
    assert config.initial_silence == AmdConfig().initial_silence
    assert AmdConfig.from_overrides({}) == AmdConfig()
    with pytest.raises(ConfigError, match="unknown AMD setting 'max_greting'"):
        AmdConfig.from_overrides({"max_greting": 2.0})
    with pytest.raises(ValueError):  # ConfigError is a ValueError for the API's 4xx
        AmdConfig.from_overrides({"max_words": "three"})


def test_frame_counts_are_robust_to_float_noise() -> None:
    config = AmdConfig(after_greeting_silence=0.1 + 0.2, min_word=0.06)  # 0.30000000000000004
    result = detect(np.concatenate([word(0.5), quiet(1.0)]), config)
    assert result.seconds == pytest.approx(0.8)  # 15 frames of pause, not 16


# -- real speech -------------------------------------------------------------------------------
def espeak(text: str) -> Pcm:
    """`text` spoken by espeak-ng at 8 kHz."""
    from live.carrier import speech_pcm

    return speech_pcm(text)


@needs_espeak
def test_spoken_hello_is_a_person() -> None:
    result = detect(np.concatenate([quiet(0.3), espeak("Hello?"), quiet(2.0)]))
    assert result.verdict is AmdVerdict.HUMAN, result
    assert result.seconds < 2.0


@needs_espeak
def test_spoken_voicemail_greeting_is_a_machine() -> None:
    text = (
        "Hi, you have reached the voicemail of Anna Schmidt, please leave a message after the tone"
    )
    result = detect(np.concatenate([quiet(0.3), espeak(text), quiet(2.0)]))
    assert result.verdict is AmdVerdict.MACHINE, result
    assert result.seconds < 3.0
