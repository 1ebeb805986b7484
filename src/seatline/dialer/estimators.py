"""Online estimators: what the pacer learns from the events it sees, nothing assumed.

* `AnswerModel`: how dials resolve, as a function of their age: the chance that a dial that
  has rung `a` seconds without result brings a live person within the next `τ` seconds.
* `DurationModel`: talk and wrap-up times: the chance that a call in progress for `e`
  seconds ends within the next `τ` seconds.

Both keep a sliding memory of recent samples, so they follow a list that changes during the
day (answer rates drift with the hour, talk times with the offer).
"""

from __future__ import annotations

import heapq
import math
from collections import deque

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

ANSWER_BIN = 0.5  # seconds per age bin of the answer model


class AnswerModel:
    """Empirical resolution times of dials: which ones brought a person, and when."""

    __slots__ = (
        "_bins",
        "_dirty",
        "_limit",
        "_max_age",
        "_memory",
        "_pending",
        "_person",
        "_table",
        "_total",
        "horizons",
        "n",
    )

    def __init__(self, max_age: float, horizons: FloatArray, memory: int) -> None:
        self._bins = math.ceil(max_age / ANSWER_BIN) + 1
        self._max_age = max_age
        self._pending: list[tuple[float, int, int, bool]] = []
        self.horizons = horizons
        self._memory: deque[tuple[int, bool]] = deque()
        self._person = np.zeros(self._bins, dtype=np.float64)
        self._total = np.zeros(self._bins, dtype=np.float64)
        self._table: FloatArray | None = None
        self._dirty = True
        self.n = 0
        self._limit = memory

    def record(self, dialed_at: float, order: int, resolved_at: float, person: bool) -> None:
        """Dial number `order`, placed at `dialed_at`, resolved at `resolved_at`."""
        b = min(int(max(resolved_at - dialed_at, 0.0) / ANSWER_BIN), self._bins - 1)
        # Ties in dial time (one pacing step dials many) are broken by dial order, never by
        # outcome: forgetting the oldest must not forget the quick outcomes first.
        heapq.heappush(self._pending, (dialed_at, order, b, person))

    def admit(self, now: float) -> None:
        """Learn from every dial placed long enough ago that all its peers have resolved.

        Taking outcomes as they come would over-sample quick ones (busy, early answers) while
        the dial rate rises and slow ones (ringing out) while it falls; admitting by dial
        time keeps the sample a fair one of dials.
        """
        pending, cutoff = self._pending, now - self._max_age
        while pending and pending[0][0] <= cutoff:
            _, _, b, person = heapq.heappop(pending)
            self._admit(b, person)

    def _admit(self, b: int, person: bool) -> None:
        self._memory.append((b, person))
        self._total[b] += 1.0
        if person:
            self._person[b] += 1.0
        if len(self._memory) > self._limit:
            old, was_person = self._memory.popleft()
            self._total[old] -= 1.0
            if was_person:
                self._person[old] -= 1.0
        self.n = len(self._memory)
        self._dirty = True

    @property
    def live_rate(self) -> float:
        """Share of dials that brought a live person."""
        return float(self._person.sum() / self.n) if self.n else 0.0

    def bin_of(self, ages: FloatArray) -> npt.NDArray[np.intp]:
        """Age bins of dials in flight (ages past the last bin share it)."""
        return np.minimum((ages / ANSWER_BIN).astype(np.intp), self._bins - 1)

    def table(self) -> FloatArray:
        """Matrix [age bin, horizon]: P(person within the horizon | unresolved at that age)."""
        if self._dirty or self._table is None:
            cum_person = np.concatenate(([0.0], np.cumsum(self._person)))
            still_open = self._total[::-1].cumsum()[::-1]  # resolved in this bin or later
            start = np.arange(self._bins)[:, None]
            steps = np.rint(self.horizons / ANSWER_BIN).astype(np.intp)[None, :]
            stop = np.minimum(start + steps, self._bins)
            gained = cum_person[stop] - cum_person[start]
            # One pseudo-count keeps empty tails finite; it only matters where data is thin.
            self._table = gained / (still_open[:, None] + 1.0)
            self._dirty = False
        return self._table


class DurationModel:
    """Empirical distribution of a duration (talk or wrap-up) from recent samples."""

    __slots__ = ("_dirty", "_limit", "_mean", "_memory", "_sorted", "prior_mean")

    def __init__(self, memory: int, prior_mean: float) -> None:
        self._memory: deque[float] = deque(maxlen=memory)
        self._limit = memory
        self._sorted: FloatArray = np.zeros(0)
        self._mean = prior_mean
        self.prior_mean = prior_mean
        self._dirty = False

    def record(self, seconds: float) -> None:
        """One observed duration."""
        self._memory.append(max(seconds, 0.0))
        self._dirty = True

    @property
    def n(self) -> int:
        """Samples remembered."""
        return len(self._memory)

    @property
    def mean(self) -> float:
        """Mean of the remembered samples (the prior before any)."""
        self._refresh()
        return self._mean

    def _refresh(self) -> None:
        if self._dirty:
            self._sorted = np.sort(np.fromiter(self._memory, np.float64, len(self._memory)))
            self._mean = float(self._sorted.mean()) if len(self._sorted) else self.prior_mean
            self._dirty = False

    def finish_within(self, elapsed: FloatArray, horizons: FloatArray) -> FloatArray:
        """Matrix [item, horizon]: P(duration ≤ elapsed + τ | duration > elapsed)."""
        self._refresh()
        data = self._sorted
        n = len(data)
        reach = elapsed[:, None] + horizons[None, :]
        # Past the data's tail (or before any data), fall back to a memoryless guess.
        fallback = 1.0 - np.exp(-np.maximum(horizons[None, :], 0.0) / max(self._mean, 1e-9))
        if n == 0:
            return np.broadcast_to(fallback, reach.shape).copy()
        done = np.searchsorted(data, elapsed, side="right").astype(np.float64)
        later = np.searchsorted(data, reach, side="right").astype(np.float64)
        alive = n - done
        with np.errstate(divide="ignore", invalid="ignore"):
            empirical = (later - done[:, None]) / alive[:, None]
        thin = alive < 5  # a handful of longer samples says little about the tail
        return np.where(thin[:, None], fallback, np.clip(empirical, 0.0, 1.0))
