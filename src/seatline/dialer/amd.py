"""Answering machine detection: 8 kHz PCM in, a verdict out (sans-I/O, no clock).

The detector cuts the audio into 20 ms frames, calls a frame voiced when its RMS energy reaches
`silence_threshold`, and groups voiced frames into words. A person answers with a short greeting
("Hello?") and then waits for us; a machine talks on (a long greeting, many words). A line that
stays silent is probably a machine too, but that is weak evidence. Everything is counted in
whole frames from the start of the stream, so the verdict does not depend on how the caller
chunks the audio.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields
from enum import Enum, StrEnum

import numpy as np
import numpy.typing as npt

from .errors import ConfigError, DialerError, IllegalTransition

RATE = 8000
FRAME_SAMPLES = 160  # 20 ms at 8 kHz
FRAME_SECONDS = FRAME_SAMPLES / RATE
MAX_SECONDS = 60.0  # longer analysis would leave a person listening to silence
INITIAL_SILENCE_CONFIDENCE = 0.3  # many people also wait a moment before they speak

__all__ = [
    "AmdConfig",
    "AmdError",
    "AmdResult",
    "AmdVerdict",
    "AnsweringMachineDetector",
]


class AmdError(DialerError, ValueError):
    """Audio the detector cannot take (not one-dimensional, a negative length...)."""


_DURATIONS = (
    "initial_silence",
    "max_greeting",
    "after_greeting_silence",
    "total_analysis",
    "min_word",
    "between_words",
)


@dataclass(frozen=True, slots=True)
class AmdConfig:
    """Tuning of the detector: durations in seconds, energy as RMS on the int16 scale."""

    initial_silence: float = 2.5
    max_greeting: float = 1.5
    after_greeting_silence: float = 0.8
    total_analysis: float = 5.0
    min_word: float = 0.1
    between_words: float = 0.05
    max_words: int = 3
    silence_threshold: float = 256.0

    def __post_init__(self) -> None:
        for name in _DURATIONS:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ConfigError(f"AMD {name} must be a number of seconds, not {value!r}")
            if not (0 < value <= MAX_SECONDS):
                raise ConfigError(
                    f"AMD {name} must be over 0 and at most {MAX_SECONDS:.0f} s, not {value}"
                )
        words = self.max_words
        if isinstance(words, bool) or not isinstance(words, int) or not 1 <= words <= 100:
            raise ConfigError(f"AMD max_words must be a whole number from 1 to 100, not {words!r}")
        level = self.silence_threshold
        if isinstance(level, bool) or not isinstance(level, int | float):
            raise ConfigError(f"AMD silence_threshold must be a number, not {level!r}")
        if not (0 < level < 32768):
            raise ConfigError(
                f"AMD silence_threshold must be over 0 and under 32768 (int16 RMS), not {level}"
            )
        needed = self.min_word + self.after_greeting_silence
        if self.total_analysis < needed:
            raise ConfigError(
                f"AMD total_analysis ({self.total_analysis} s) leaves no time to hear a person: "
                f"it must be at least min_word + after_greeting_silence ({needed:g} s)"
            )

    @classmethod
    def from_overrides(cls, overrides: Mapping[str, object]) -> AmdConfig:
        """The defaults with a campaign's stored overrides (JSON) applied, checked by name."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(str(name) for name in overrides if name not in known)
        if unknown:
            raise ConfigError(
                f"unknown AMD setting {', '.join(map(repr, unknown))}; "
                f"known: {', '.join(sorted(known))}"
            )
        values = dict(overrides)
        words = values.get("max_words")
        if isinstance(words, float) and words.is_integer():
            values["max_words"] = int(words)  # JSON writers may store 3 as 3.0
        return cls(**values)  # type: ignore[arg-type]  # __post_init__ checks each type


class AmdVerdict(StrEnum):
    """What answered the call."""

    HUMAN = "human"
    MACHINE = "machine"
    NOT_SURE = "not_sure"


@dataclass(frozen=True, slots=True)
class AmdResult:
    """A verdict with its confidence (0..1), short reason and the evidence it rests on.

    Confidence: machine-likeness m = (min(1, words/(max_words+1)) + min(1, greeting/max_greeting))
    / 4; MACHINE by speech is 0.5 + m, HUMAN is 1 - m, initial silence 0.3, NOT_SURE 0.
    """

    verdict: AmdVerdict
    confidence: float
    reason: str
    seconds: float
    words: int
    greeting: float


class _Phase(Enum):
    """Where the detector is in the greeting."""

    WAITING = "waiting"  # nothing said yet
    IN_WORD = "in_word"  # a word is being said
    PAUSE = "pause"  # at least one word said, silent now
    DECIDED = "decided"


_MOVES: dict[_Phase, frozenset[_Phase]] = {
    _Phase.WAITING: frozenset({_Phase.IN_WORD, _Phase.DECIDED}),
    _Phase.IN_WORD: frozenset({_Phase.PAUSE, _Phase.DECIDED}),
    _Phase.PAUSE: frozenset({_Phase.IN_WORD, _Phase.DECIDED}),
    _Phase.DECIDED: frozenset(),
}


def _frames(seconds: float) -> int:
    """Whole 20 ms frames covering `seconds` (rounding up, tolerant of float noise)."""
    return max(1, math.ceil(seconds / FRAME_SECONDS - 1e-9))


class AnsweringMachineDetector:
    """Feed it the far end's first seconds of audio; it says HUMAN, MACHINE or NOT_SURE."""

    def __init__(self, config: AmdConfig = AmdConfig()) -> None:
        self.config = config
        self._initial_silence = _frames(config.initial_silence)
        self._max_greeting = _frames(config.max_greeting)
        self._after_greeting = _frames(config.after_greeting_silence)
        self._total = _frames(config.total_analysis)
        self._min_word = _frames(config.min_word)
        self._between_words = _frames(config.between_words)
        self._threshold_sq = float(config.silence_threshold) ** 2
        self._phase = _Phase.WAITING
        self._pending = np.zeros(0, dtype=np.float64)  # samples short of a whole frame
        self._samples = 0
        self._frame = 0  # frames analysed
        self._voiced_run = 0  # voiced frames in the current run (gaps under between_words kept)
        self._run_start = 0  # frame where the current run began
        self._silent_run = 0  # silent frames since the last voiced one
        self._words = 0
        self._greeting_start = 0  # frame where the first word began
        self._last_word_frame = 0  # the last frame that was part of a word
        self._result: AmdResult | None = None

    @property
    def result(self) -> AmdResult | None:
        """The verdict, once there is one."""
        return self._result

    @property
    def elapsed(self) -> float:
        """Seconds of audio seen so far (fed and missing alike)."""
        return self._samples / RATE

    def feed(self, samples: npt.NDArray[np.integer] | npt.NDArray[np.floating]) -> AmdResult | None:
        """Analyse more 8 kHz samples (any length); the result once decided, else None."""
        data = np.asarray(samples)
        if data.ndim != 1:
            raise AmdError(f"AMD takes mono samples (one dimension), got shape {data.shape}")
        self._samples += len(data)
        if self._result is not None:
            return self._result
        audio = np.concatenate([self._pending, data.astype(np.float64)])
        whole = len(audio) - len(audio) % FRAME_SAMPLES
        self._pending = audio[whole:]
        if whole:
            frames = audio[:whole].reshape(-1, FRAME_SAMPLES)
            energies = np.mean(frames * frames, axis=1)
            for energy in energies:
                if self._step(bool(energy >= self._threshold_sq)):
                    self._pending = np.zeros(0, dtype=np.float64)
                    break
        return self._result

    def feed_silence(self, n_samples: int) -> AmdResult | None:
        """Let `n_samples` of time pass with nothing heard (lost or missing packets)."""
        if n_samples < 0:
            raise AmdError(f"AMD cannot go back in time ({n_samples} samples)")
        if self._result is not None:
            self._samples += n_samples
            return self._result
        # Past total_analysis a verdict is certain, so a long gap costs no more than that.
        needed = (self._total - self._frame + 1) * FRAME_SAMPLES
        shown = min(n_samples, needed)
        self.feed(np.zeros(shown, dtype=np.int16))
        self._samples += n_samples - shown
        return self._result

    # -- the state machine, one 20 ms frame at a time -----------------------------------------
    def _step(self, voiced: bool) -> bool:
        """Take one frame; True once decided."""
        self._frame += 1
        if voiced:
            self._voiced()
        else:
            self._silent()
        self._judge()
        return self._result is not None

    def _voiced(self) -> None:
        self._silent_run = 0
        if self._voiced_run == 0:
            self._run_start = self._frame - 1
        self._voiced_run += 1
        if self._phase is not _Phase.IN_WORD and self._voiced_run >= self._min_word:
            if self._words == 0:
                self._greeting_start = self._run_start
            self._words += 1
            self._move(_Phase.IN_WORD)
        if self._phase is _Phase.IN_WORD:
            # Only words make the greeting: a click or a cough after "Hello?" is no greeting.
            self._last_word_frame = self._frame

    def _silent(self) -> None:
        self._silent_run += 1
        if self._silent_run >= self._between_words:
            self._voiced_run = 0  # the run (a word, or a blip too short to be one) is over
            if self._phase is _Phase.IN_WORD:
                self._move(_Phase.PAUSE)

    def _judge(self) -> None:
        """Decide on this frame if the evidence is in (checks in order of strength)."""
        greeting = self._last_word_frame - self._greeting_start if self._words else 0
        quiet = self._voiced_run == 0  # not in the middle of what may become a word
        if greeting > self._max_greeting:
            self._decide(AmdVerdict.MACHINE, "long greeting")
        elif self._words > self.config.max_words:
            self._decide(AmdVerdict.MACHINE, "too many words")
        elif self._words and quiet and self._frame - self._last_word_frame >= self._after_greeting:
            self._decide(AmdVerdict.HUMAN, "short greeting then silence")
        elif not self._words and quiet and self._frame >= self._initial_silence:
            self._decide(AmdVerdict.MACHINE, "initial silence")
        elif self._frame >= self._total:
            self._decide(AmdVerdict.NOT_SURE, "no decision in time")

    def _move(self, phase: _Phase) -> None:
        if phase not in _MOVES[self._phase]:
            raise IllegalTransition("detector", "amd", self._phase.value, phase.value)
        self._phase = phase

    def _decide(self, verdict: AmdVerdict, reason: str) -> None:
        frames = self._last_word_frame - self._greeting_start if self._words else 0
        greeting = frames * FRAME_SECONDS
        likeness = (
            min(1.0, self._words / (self.config.max_words + 1))
            + min(1.0, greeting / self.config.max_greeting)
        ) / 4
        if verdict is AmdVerdict.HUMAN:
            confidence = 1.0 - likeness
        elif verdict is AmdVerdict.NOT_SURE:
            confidence = 0.0
        elif reason == "initial silence":
            confidence = INITIAL_SILENCE_CONFIDENCE
        else:
            confidence = 0.5 + likeness
        self._move(_Phase.DECIDED)
        self._result = AmdResult(
            verdict,
            round(confidence, 3),
            reason,
            round(self._frame * FRAME_SECONDS, 3),
            self._words,
            round(greeting, 3),
        )
