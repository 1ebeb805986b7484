"""How many calls to dial now: the predictive pacer's arithmetic.

For horizons τ = 1, 2, … seconds ahead it compares

* demand D(τ): persons expected to answer by now+τ: each call in flight contributes
  P(person within τ | still ringing at its age) from the answer model, and each new dial
  P(person within τ | age 0);
* supply S(τ): agents expected free by now+τ+grace (a person may wait `grace` seconds):
  idle agents, minus persons already waiting, plus each talking agent's chance to finish talk
  and wrap-up, and each wrapping agent's chance to finish wrap-up, from the handle models.

Both are sums of independent Bernoulli variables, so D - S is close to normal with mean
μ(τ) and variance σ²(τ). The pacer places the largest number N of new dials such that, at
every horizon, μ(τ) + z·σ(τ) ≤ 0: each horizon is a quadratic inequality in √(variance),
solved exactly. The margin z is learned from the abandons the pacer causes
(`abandonment.SafetyMargin`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .estimators import AnswerModel, DurationModel, FloatArray

NO_LIMIT = 1_000_000


@dataclass(frozen=True, slots=True)
class Floor:
    """What the pacer needs to know about agents and calls at one instant."""

    idle: int
    waiting: int  # answered persons waiting for an agent
    talk_elapsed: FloatArray  # seconds each talking agent has talked
    wrap_elapsed: FloatArray  # seconds each agent has been in wrap-up
    ring_ages: FloatArray  # seconds each call dialled ahead has been ringing


def expected_supply(
    floor: Floor, talk: DurationModel, wrap: DurationModel, horizons: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Mean and variance of the agents free by each horizon."""
    mean = np.full(len(horizons), float(floor.idle - floor.waiting))
    var = np.zeros(len(horizons))
    if len(floor.talk_elapsed):
        # A talking agent is free after the rest of the talk plus a typical wrap-up.
        p = talk.finish_within(floor.talk_elapsed, horizons - wrap.mean)
        mean += p.sum(axis=0)
        var += (p * (1.0 - p)).sum(axis=0)
    if len(floor.wrap_elapsed):
        q = wrap.finish_within(floor.wrap_elapsed, horizons)
        mean += q.sum(axis=0)
        var += (q * (1.0 - q)).sum(axis=0)
    return mean, var


def expected_demand(
    floor: Floor, answers: AnswerModel
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Mean and variance of persons answering by each horizon from calls in flight, and the
    chance that a new dial brings a person by each horizon."""
    table = answers.table()
    fresh = table[0]
    if not len(floor.ring_ages):
        zero = np.zeros(len(fresh))
        return zero, zero.copy(), fresh
    m = table[answers.bin_of(floor.ring_ages)]
    return m.sum(axis=0), (m * (1.0 - m)).sum(axis=0), fresh


def dials_allowed(gap: FloatArray, variance: FloatArray, fresh: FloatArray, z: float) -> int:
    """Largest N with gap + N·g + z·√(variance + N·g(1-g)) ≤ 0 at every horizon.

    `gap` is demand minus supply without new dials, `fresh` is g, a new dial's chance to bring
    a person by each horizon.
    """
    feasible_now = gap + z * np.sqrt(variance) <= 0.0
    if not feasible_now.all():
        return 0
    g = fresh
    h = np.maximum(g * (1.0 - g), 1e-12)
    c2 = g / h
    c0 = gap - g * variance / h
    disc = z * z - 4.0 * c2 * c0
    with np.errstate(divide="ignore", invalid="ignore"):
        u = (-z + np.sqrt(np.maximum(disc, 0.0))) / (2.0 * c2)
        n = np.floor(np.maximum(u * u - variance, 0.0) / h)
    # A horizon no new dial can reach (g = 0) does not limit N.
    n = np.where(g <= 1e-9, float(NO_LIMIT), n)
    n = np.where(disc < 0.0, 0.0, n)
    return int(min(float(n.min()), NO_LIMIT))


_erf = np.frompyfunc(math.erf, 1, 1)


def expected_excess(gap: FloatArray, variance: FloatArray) -> float:
    """E[max(X, 0)] for X ~ N(gap, variance), at the worst horizon: persons expected to find
    no agent, i.e. the abandons the calls in flight are expected to cause."""
    sigma = np.sqrt(np.maximum(variance, 1e-12))
    ratio = gap / sigma
    cdf = 0.5 * (1.0 + np.asarray(_erf(ratio / math.sqrt(2.0)), dtype=np.float64))
    pdf = np.exp(-0.5 * ratio * ratio) / math.sqrt(2.0 * math.pi)
    return float((sigma * pdf + gap * cdf).max())


def dials_within(
    gap: FloatArray, variance: FloatArray, fresh: FloatArray, most: int, allowance: float
) -> int:
    """Largest N ≤ `most` whose expected abandons stay within `allowance` (binary search:
    the excess grows with N)."""
    low, high = 0, most
    if expected_excess(gap, variance) > allowance:
        return 0
    while low < high:
        mid = (low + high + 1) // 2
        excess = expected_excess(gap + mid * fresh, variance + mid * fresh * (1.0 - fresh))
        if excess <= allowance:
            low = mid
        else:
            high = mid - 1
    return low


def predictive_dials(
    floor: Floor,
    answers: AnswerModel,
    talk: DurationModel,
    wrap: DurationModel,
    z: float,
    grace: float,
    allowance: float = math.inf,
) -> int:
    """New dials to place now (calls in flight already counted), by the margin z and, when
    the window has little room left under the cap, by the abandons it can still absorb."""
    horizons = answers.horizons
    supply, supply_var = expected_supply(floor, talk, wrap, horizons + grace)
    demand, demand_var, fresh = expected_demand(floor, answers)
    gap, variance = demand - supply, demand_var + supply_var
    wanted = dials_allowed(gap, variance, fresh, z)
    if wanted and math.isfinite(allowance):
        wanted = dials_within(gap, variance, fresh, wanted, allowance)
    return wanted
