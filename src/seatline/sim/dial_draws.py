"""What each dial meets, drawn in vectorised batches from a seeded NumPy generator.

Dial k of a run always meets the same draw, whatever the dialing mode: the modes are
compared on the same luck (common random numbers), and one seed replays one run.
"""

from __future__ import annotations

import numpy as np

from .campaign_scenario import CampaignScenario

PERSON, MACHINE, BUSY, FAILED, NO_ANSWER = 0, 1, 2, 3, 4
_BATCH = 65_536


class DialDraws:
    """An endless sequence of dial fates: (kind, ring seconds, talk seconds, AMD correct)."""

    __slots__ = ("_i", "_kind", "_ok", "_ring", "_rng", "_s", "_talk", "_wrap")

    def __init__(self, scenario: CampaignScenario, seed: int) -> None:
        self._s = scenario
        self._rng = np.random.default_rng(np.random.SeedSequence([seed, 1]))
        self._i = 0
        self._kind: list[int] = []
        self._ring: list[float] = []
        self._talk: list[float] = []
        self._wrap: list[float] = []
        self._ok: list[bool] = []

    def _refill(self) -> None:
        s, rng, n = self._s, self._rng, _BATCH
        shares = [s.person_share, s.machine_share, s.busy_share, s.failed_share]
        kind = rng.choice(5, size=n, p=[*shares, max(0.0, 1.0 - sum(shares))])
        ring = np.full(n, s.ring_timeout)
        ring = np.where(kind == PERSON, rng.uniform(*s.person_ring, n), ring)
        ring = np.where(kind == MACHINE, rng.uniform(*s.machine_ring, n), ring)
        ring = np.where(kind == BUSY, s.busy_after, ring)
        ring = np.where(kind == FAILED, s.failed_after, ring)
        self._kind = kind.tolist()
        self._ring = ring.tolist()
        self._talk = s.talk.sample(rng, n).tolist()
        self._wrap = s.wrap_up.sample(rng, n).tolist()
        self._ok = (rng.random(n) < s.amd_accuracy).tolist()
        self._i = 0

    def next(self) -> tuple[int, float, float, float, bool]:
        """The next dial's kind, ring time, talk time, wrap-up time and AMD correctness."""
        if self._i >= len(self._kind):
            self._refill()
        i = self._i
        self._i += 1
        return self._kind[i], self._ring[i], self._talk[i], self._wrap[i], self._ok[i]
