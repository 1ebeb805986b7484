"""Erlang A: the M/M/n+M queue, where each waiting caller hangs up after an exponential patience.

Theory of operation. Let λ be the arrival rate, μ = 1/aht, θ = 1/mean patience and c = nμ.
The queue length is a birth-death chain; relative to π(n) (all agents busy, nobody waiting),
the states with a free agent weigh 1/B(n, λ/μ) - 1 (Erlang B). An arrival that finds j callers
waiting would wait V = Σ_{i=0..j} Exp(c + iθ), so 1 - e^{-θV} ~ Beta(j + 1, c/θ); summing those
over the stationary weights of j collapses into one density on the waiting time of the callers
who must wait (again relative to π(n)):

    h(t) = c · exp(φ(t)),   φ(t) = -c t + (λ/θ)(1 - e^{-θt}).

A caller with offered wait V is answered iff patience > V (probability e^{-θV}), so every figure
is a one-dimensional integral of h against 1, e^{-θt}, t e^{-θt}...; φ is concave, so we
integrate only where it is within e^{-45} of its peak, with Gauss-Legendre panels, and work
relative to the peak so that overloaded or huge centres never overflow.

As θ → 0, h(t) → c e^{-(c-λ)t} and the figures tend to Erlang C (tested).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import numpy.typing as npt

from ..errors import InvalidTraffic
from .loss import check_servers, check_traffic, log_inverse_erlang_b

__all__ = ["ErlangA", "erlang_a"]

_SPAN = 45.0  # integrate where exp(φ - φmax) > e^-45: the rest is below double precision
_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(24)
_PANELS = 24

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class ErlangA:
    """Steady-state figures of an M/M/n+M queue (all shares are of the OFFERED contacts)."""

    agents: int
    load: float  # offered Erlangs
    probability_of_wait: float  # share that find every agent busy
    abandonment: float  # share that hang up before an answer
    service_level: float  # share answered within the target (abandoned ones count as misses)
    answered_service_level: float  # share of the ANSWERED ones answered within the target
    asa: float  # mean wait of answered contacts (seconds); 0 when nobody waits
    average_wait: float  # mean time in queue of all offered contacts, abandoned ones included
    occupancy: float  # share of agent time busy with contacts


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _log_expm1(x: float) -> float:
    """log(e^x - 1) for x > 0, stable at both ends."""
    return x + math.log(-math.expm1(-x)) if x > 30 else math.log(math.expm1(x))


class _Density:
    """exp(φ(t) - φmax) for one queue, and the bounds where it matters."""

    def __init__(self, rate: float, capacity: float, theta: float) -> None:
        self.rate = rate
        self.capacity = capacity
        self.theta = theta
        self.peak_t = math.log(rate / capacity) / theta if rate > capacity else 0.0
        self.peak = self.phi(self.peak_t)
        self.low = self._edge(lower=True)
        self.high = self._edge(lower=False)

    def phi(self, t: float) -> float:
        """φ(t) for a scalar time."""
        return -self.capacity * t - (self.rate / self.theta) * math.expm1(-self.theta * t)

    def relative(self, t: FloatArray) -> FloatArray:
        """exp(φ(t) - φmax) on an array of times."""
        phi = -self.capacity * t - (self.rate / self.theta) * np.expm1(-self.theta * t)
        return np.exp(phi - self.peak)

    def _edge(self, *, lower: bool) -> float:
        """Time on one side of the peak where φ has dropped by `_SPAN` (bisection; φ concave)."""
        floor = self.peak - _SPAN
        if lower:
            if self.peak_t == 0.0 or self.phi(0.0) >= floor:
                return 0.0
            inside, outside = self.peak_t, 0.0
        else:
            step = 1.0 / (self.capacity + self.rate)
            inside, outside = self.peak_t, self.peak_t + step
            while self.phi(outside) >= floor:
                inside, outside = outside, outside + 2 * (outside - self.peak_t)
        for _ in range(200):
            middle = 0.5 * (inside + outside)
            if self.phi(middle) >= floor:
                inside = middle
            else:
                outside = middle
            if abs(outside - inside) <= 1e-12 * max(1.0, abs(inside)):
                break
        return outside

    def grid(self, start: float, end: float) -> tuple[FloatArray, FloatArray]:
        """Gauss-Legendre nodes and weights covering [start, end] ∩ [low, high]."""
        start, end = max(start, self.low), min(end, self.high)
        if end <= start:
            empty = np.zeros(0)
            return empty, empty
        cuts = sorted({start, end, *(x for x in (self.peak_t,) if start < x < end)})
        times: list[FloatArray] = []
        weights: list[FloatArray] = []
        for a, b in pairwise(cuts):
            edges = np.linspace(a, b, _PANELS + 1)
            half = 0.5 * np.diff(edges)
            middle = 0.5 * (edges[:-1] + edges[1:])
            times.append((middle[:, None] + half[:, None] * _NODES[None, :]).ravel())
            weights.append((half[:, None] * _WEIGHTS[None, :]).ravel())
        return np.concatenate(times), np.concatenate(weights)


def erlang_a(
    servers: int, rate: float, aht: float, patience: float, target: float = 20.0
) -> ErlangA:
    """Figures of the M/M/n+M queue: rate per second, aht, mean patience and target in seconds."""
    check_servers(servers, minimum=1)
    check_traffic(rate, aht)
    if not math.isfinite(patience) or patience <= 0:
        raise InvalidTraffic(f"mean patience must be a finite number > 0, got {patience}")
    load = rate * aht
    if rate == 0:
        return ErlangA(servers, 0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0)
    theta = 1.0 / patience
    capacity = servers / aht
    density = _Density(rate, capacity, theta)

    t, w = density.grid(0.0, math.inf)
    f = density.relative(t) * w
    discount = np.exp(-theta * t)
    total = float(f.sum())
    abandoned_mass = float((f * -np.expm1(-theta * t)).sum())
    wait_mass = float((f * t * discount).sum())
    t_sl, w_sl = density.grid(0.0, max(target, 0.0))
    within_mass = float((density.relative(t_sl) * w_sl * np.exp(-theta * t_sl)).sum())

    # Free-agent states weigh 1/B - 1 relative to π(n); waiting ones weigh ∫h = c e^φmax total.
    log_r = log_inverse_erlang_b(servers, load)
    log_free = _log_expm1(log_r) if log_r > 0 else -math.inf
    log_waiting = math.log(capacity) + density.peak + math.log(total)
    p_wait = 1.0 if log_free == -math.inf else _sigmoid(log_waiting - log_free)
    scale = p_wait / total
    abandonment = min(max(scale * abandoned_mass, 0.0), 1.0)
    answered = 1.0 - abandonment
    within = (1.0 - p_wait) + scale * within_mass
    asa = scale * wait_mass / answered if answered > 0 else math.inf
    return ErlangA(
        agents=servers,
        load=load,
        probability_of_wait=p_wait,
        abandonment=abandonment,
        service_level=min(within, 1.0),
        answered_service_level=min(within / answered, 1.0) if answered > 0 else 0.0,
        asa=asa,
        average_wait=abandonment * patience,
        occupancy=min(rate * answered * aht / servers, 1.0),
    )
