"""Audio mixing for conferences and supervision, and the stereo call-recording buffer.

`Bridge` holds who hears whom (a conference is "everyone but yourself", N-1; supervision modes
are fixed routes) and mixes one 20 ms tick of int16 frames with saturation, as one integer matrix
product. `StereoRecorder` places caller audio on the left and agent audio on the right by time,
filling gaps with silence. Sans-I/O: frames and `now` in, frames out.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from enum import StrEnum
from typing import Generic, TypeVar

import numpy as np
import numpy.typing as npt

__all__ = ["Bridge", "Channel", "MonitorMode", "StereoRecorder", "mix", "monitor_routes"]

Pcm = npt.NDArray[np.int16]
K = TypeVar("K", bound=Hashable)


class MonitorMode(StrEnum):
    """How a supervisor joins an agent's call."""

    LISTEN = "listen"  # supervisor hears both; nobody hears the supervisor
    WHISPER = "whisper"  # the agent also hears the supervisor; the caller does not
    BARGE = "barge"  # a three-way conference


def monitor_routes(caller: K, agent: K, supervisor: K, mode: MonitorMode) -> dict[K, frozenset[K]]:
    """Who hears whom on a monitored call, for `Bridge.set_routes` or `mix`."""
    supervisor_heard_by_agent = mode in (MonitorMode.WHISPER, MonitorMode.BARGE)
    supervisor_heard_by_caller = mode is MonitorMode.BARGE
    return {
        caller: frozenset({agent, supervisor} if supervisor_heard_by_caller else {agent}),
        agent: frozenset({caller, supervisor} if supervisor_heard_by_agent else {caller}),
        supervisor: frozenset({caller, agent}),
    }


def mix(
    frames: Mapping[K, Pcm],
    routes: Mapping[K, Iterable[K]] | None = None,
    samples: int = 160,
) -> dict[K, Pcm]:
    """Each listener's frame: the saturated sum of the sources it hears.

    Without `routes`, every member of `frames` hears all the others (N-1 mixing). A source with
    no frame this tick is silent; a listener without a frame still gets its mix.
    """
    if routes is None:
        members = list(frames)
        if not members:
            return {}
        stack = _stack(frames, members, samples)
        # N-1 without N^2 work: everyone's sum once, then remove each listener's own voice.
        total = stack[0].copy()
        for row in stack[1:]:
            total += row  # a Python loop over a handful of rows beats a reduction's overhead
        return _saturate(np.subtract(total, stack), members)
    listeners = list(routes)
    heard = {listener: list(routes[listener]) for listener in listeners}
    sources = list(dict.fromkeys(s for sources in heard.values() for s in sources))
    index = {source: i for i, source in enumerate(sources)}
    matrix = np.zeros((len(listeners), len(sources)), dtype=np.int32)
    for row, listener in enumerate(listeners):
        for source in heard[listener]:
            if source != listener:  # nobody hears themselves
                matrix[row, index[source]] = 1
    return _saturate(matrix @ _stack(frames, sources, samples), listeners)


def _saturate(sums: npt.NDArray[np.int32], members: list[K]) -> dict[K, Pcm]:
    # minimum/maximum in place: np.clip costs several times more on 20 ms frames.
    np.maximum(sums, -32768, out=sums)
    np.minimum(sums, 32767, out=sums)
    mixed = sums.astype(np.int16)
    return {member: mixed[i] for i, member in enumerate(members)}


def _stack(frames: Mapping[K, Pcm], members: list[K], samples: int) -> npt.NDArray[np.int32]:
    silent = None
    rows = []
    for member in members:
        frame = frames.get(member)
        if frame is None:
            if silent is None:
                silent = np.zeros(samples, dtype=np.int16)
            frame = silent
        elif frame.shape != (samples,):
            raise ValueError(f"frame of {member!r} has shape {frame.shape}, need ({samples},)")
        rows.append(frame)
    if not rows:
        return np.zeros((0, samples), dtype=np.int32)
    return np.array(rows, dtype=np.int32)


class Bridge(Generic[K]):
    """A mixing point for one call or conference: members and who hears whom."""

    def __init__(self, samples: int = 160) -> None:
        """`samples` per frame: 160 for 20 ms at 8 kHz."""
        self.samples = samples
        self._routes: dict[K, frozenset[K] | None] = {}

    @property
    def members(self) -> list[K]:
        """Members in joining order."""
        return list(self._routes)

    def join(self, member: K, hears: Iterable[K] | None = None) -> None:
        """Add a member; `hears=None` means everyone else (a conference member)."""
        self._routes[member] = None if hears is None else frozenset(hears)

    def leave(self, member: K) -> None:
        """Remove a member; others stop hearing it."""
        self._routes.pop(member, None)

    def set_routes(self, routes: Mapping[K, Iterable[K]]) -> None:
        """Replace who hears whom for the given members (e.g. from `monitor_routes`)."""
        for member, hears in routes.items():
            self._routes[member] = frozenset(hears)

    def routes(self) -> dict[K, frozenset[K]]:
        """The effective routes: conference members resolved to everyone else present."""
        present = frozenset(self._routes)
        return {
            member: (present if hears is None else hears & present) - {member}
            for member, hears in self._routes.items()
        }

    def mix(self, frames: Mapping[K, Pcm]) -> dict[K, Pcm]:
        """One tick: what each member hears, given the frames received from members."""
        if all(hears is None for hears in self._routes.values()):
            present = {m: frames[m] for m in self._routes if m in frames}
            for member in self._routes:
                present.setdefault(member, np.zeros(self.samples, dtype=np.int16))
            return mix(present, None, self.samples)
        return mix(frames, self.routes(), self.samples)


class Channel(StrEnum):
    """Recording channel: the caller on the left, the agent on the right."""

    CALLER = "caller"
    AGENT = "agent"


class StereoRecorder:
    """Collects both sides of a call by time into (n, 2) int16 stereo, gaps as silence."""

    def __init__(self, start: float, sample_rate: int = 8000) -> None:
        """`start` is the `now` of the recording's first sample."""
        self.start = start
        self.sample_rate = sample_rate
        self._drained = 0  # absolute sample index already handed out
        self._chunks: dict[Channel, list[tuple[int, Pcm]]] = {c: [] for c in Channel}
        self._ends: dict[Channel, int] = dict.fromkeys(Channel, 0)

    def write(self, channel: Channel, samples: Pcm, now: float) -> None:
        """Add audio of one side whose first sample was heard at `now`."""
        position = round((now - self.start) * self.sample_rate)
        # Never overlap what this side already has: jittery timing must not erase audio.
        position = max(position, self._ends[channel])
        end = position + len(samples)
        if end <= self._drained:
            return  # arrived after that stretch was already written out
        if position < self._drained:
            samples = samples[self._drained - position :]
            position = self._drained
        self._chunks[channel].append((position, samples))
        self._ends[channel] = end

    def drain(self, now: float) -> npt.NDArray[np.int16]:
        """Stereo samples from the last drain up to `now`; later writes there are dropped."""
        upto = round((now - self.start) * self.sample_rate)
        return self._take(max(upto, self._drained))

    def finish(self) -> npt.NDArray[np.int16]:
        """Everything not yet drained, up to the end of the longer side."""
        return self._take(max(self._drained, *self._ends.values()))

    def _take(self, upto: int) -> npt.NDArray[np.int16]:
        out = np.zeros((upto - self._drained, 2), dtype=np.int16)
        for column, channel in enumerate(Channel):
            kept: list[tuple[int, Pcm]] = []
            for position, samples in self._chunks[channel]:
                stop = min(position + len(samples), upto)
                if stop > position:
                    out[position - self._drained : stop - self._drained, column] = samples[
                        : stop - position
                    ]
                if position + len(samples) > upto:
                    start = max(position, upto)
                    kept.append((start, samples[start - position :]))
            self._chunks[channel] = kept
        self._drained = upto
        return out
