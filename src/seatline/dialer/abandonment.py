"""The abandonment cap: the rolling rate, the budget left under the cap, and the pacer's
safety margin learned from the abandons it causes.
"""

from __future__ import annotations

from collections import deque


class AbandonWindow:
    """Live-answered calls and abandons over the rolling window (FCC style: 3 % over 30 days).

    A rolling rate can cross the cap with no new abandon at all, when answered calls age out
    of the window faster than abandons do. So the budget is counted conservatively: answered
    calls only if they will still be in the window `lookahead` seconds from now, abandons as
    long as they are in it.
    """

    __slots__ = ("_events", "_lasting", "abandoned", "answered", "cap", "lookahead", "window")

    def __init__(self, cap: float, window: float, lookahead: float | None = None) -> None:
        self.cap = cap
        self.window = window
        self.lookahead = min(window / 10.0, 600.0) if lookahead is None else lookahead
        self._events: deque[tuple[float, bool]] = deque()
        self._lasting: deque[float] = deque()  # answered calls, for the look-ahead count
        self.answered = 0  # live-answered calls in the window, abandoned ones included
        self.abandoned = 0

    def add(self, now: float, abandoned: bool) -> None:
        """A live-answered call either reached an agent or was abandoned."""
        self._events.append((now, abandoned))
        self._lasting.append(now)
        self.answered += 1
        self.abandoned += abandoned
        self.expire(now)

    def expire(self, now: float) -> None:
        """Forget calls that left the window."""
        events = self._events
        horizon = now - self.window
        while events and events[0][0] <= horizon:
            _, was_abandoned = events.popleft()
            self.answered -= 1
            self.abandoned -= was_abandoned
        lasting, soon = self._lasting, horizon + self.lookahead
        while lasting and lasting[0] <= soon:
            lasting.popleft()

    @property
    def rate(self) -> float:
        """Abandoned ÷ live-answered in the window (0 when nobody answered yet)."""
        return self.abandoned / self.answered if self.answered else 0.0

    def budget(self, now: float) -> float:
        """How many more abandons the window can take and stay at or under the cap, now and
        `lookahead` seconds from now."""
        self.expire(now)
        return self.cap * len(self._lasting) - self.abandoned


class SafetyMargin:
    """The pacer's z (standard deviations of slack), steered toward a target abandon rate.

    A stochastic-approximation step: each abandon raises z by `step`, each connected call
    lowers it by step·p/(1-p). The drift is zero exactly when the abandon probability is p, so
    z settles wherever this list, this team and this hour need it: nothing is fitted offline.
    """

    __slots__ = ("_down", "step", "target", "z")

    LOW, HIGH = -1.5, 5.0  # beyond these the normal approximation means nothing any more

    def __init__(self, initial: float, step: float, target: float) -> None:
        self.z = initial
        self.step = step
        self.target = target
        self._down = step * target / (1.0 - target)

    def observe(self, abandoned: bool) -> None:
        """Learn from one live-answered call."""
        z = self.z + self.step if abandoned else self.z - self._down
        self.z = min(max(z, self.LOW), self.HIGH)
