"""The engine's single timer heap, with lazy cancellation by generation.

A timer never gets removed when it becomes pointless (an offer answered before its timeout):
it carries the generation of its target at scheduling time, and the engine ignores it when it
fires if the target has moved on. That keeps cancellation O(1) and the heap honest.
"""

from __future__ import annotations

import heapq
import itertools
from enum import IntEnum
from typing import Any


class TimerKind(IntEnum):
    """What a timer is for."""

    OFFER_TIMEOUT = 1
    WRAP_END = 2
    STICKY_END = 3
    OVERFLOW = 4
    MAX_WAIT = 5


TimerEntry = tuple[float, int, TimerKind, Any, int, int]  # due, seq, kind, target, gen, arg


class Timers:
    """A min-heap of (due, sequence) timers; the sequence keeps equal times in FIFO order."""

    __slots__ = ("_seq", "heap")

    def __init__(self) -> None:
        # The engine reads and pops this heap directly: its hot loops cannot afford a method
        # call per timer. Only `schedule` pushes.
        self.heap: list[TimerEntry] = []
        # A C-level counter: `next()` is cheaper than incrementing a Python attribute, and
        # scheduling runs twice per contact.
        self._seq = itertools.count(1)

    def __len__(self) -> int:
        return len(self.heap)

    def schedule(self, due: float, kind: TimerKind, target: Any, gen: int, arg: int = 0) -> None:
        """Add a timer firing at `due` for `target` as of generation `gen`."""
        heapq.heappush(self.heap, (due, next(self._seq), kind, target, gen, arg))
