"""Erlang A (M/M/n+M) against a direct numerical solution of its birth-death chain."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.linalg import expm
from scipy.stats import poisson

from seatline.stats import InvalidTraffic
from seatline.stats.erlang import agents_needed, erlang_a, erlang_c, erlang_c_asa, forecast
from seatline.stats.erlang import erlang_c_service_level as c_sl


def _chain(n: int, rate: float, aht: float, patience: float, target: float) -> dict[str, float]:
    """Solve the truncated queue-length chain and the tagged caller's absorbing chain."""
    mu, theta = 1 / aht, 1 / patience
    size = n + 300  # states 0..size-1; the tail beyond is far below 1e-12 for these cases
    q = np.zeros((size, size))
    for k in range(size):
        if k + 1 < size:
            q[k, k + 1] = rate
        if k > 0:
            q[k, k - 1] = min(k, n) * mu + max(k - n, 0) * theta
        q[k, k] = -q[k].sum()
    # π Q = 0 with Σπ = 1: replace one balance equation by the normalisation.
    a = np.vstack([q.T[:-1], np.ones(size)])
    b = np.zeros(size)
    b[-1] = 1.0
    pi = np.linalg.solve(a, b)
    queued = np.maximum(np.arange(size) - n, 0)
    p_wait = pi[n:].sum()
    p_abandon = theta * (pi * queued).sum() / rate  # abandonment flow / arrival flow
    # A caller who finds j waiting: transient states "i callers ahead" (i = 0..J), absorbed in
    # SERVED (agent frees up while first in line) or GONE (own patience ends).
    jmax = size - n
    gen = np.zeros((jmax + 2, jmax + 2))
    served, gone = jmax, jmax + 1
    for i in range(jmax):
        if i > 0:
            gen[i, i - 1] = n * mu + i * theta
        else:
            gen[i, served] = n * mu
        gen[i, gone] = theta
        gen[i, i] = -gen[i].sum()
    within = expm(gen * target)[:jmax, served]
    s = gen[:jmax, :jmax]
    r = gen[:jmax, served]
    u = np.linalg.solve(-s, r)  # P(served) from each start
    w = np.linalg.solve(-s, u)  # E[wait · 1{served}] from each start
    p_answered = 1 - p_abandon
    return {
        "p_wait": p_wait,
        "abandonment": p_abandon,
        "service_level": pi[:n].sum() + (pi[n:] * within).sum(),
        "asa": (pi[n:] * w).sum() / p_answered,
        "served_after_wait": (pi[n:] * u).sum(),
    }


CASES = [
    # agents, rate (/s), aht, patience, target — under-, critically and over-loaded
    (20, 0.1, 180.0, 120.0, 20.0),
    (14, 100 / 1800, 180.0, 180.0 / 2, 20.0),
    (10, 0.08, 150.0, 60.0, 30.0),
    (30, 0.25, 150.0, 300.0, 15.0),
    (5, 0.05, 120.0, 600.0, 60.0),
]


@pytest.mark.parametrize(("n", "rate", "aht", "patience", "target"), CASES)
def test_matches_the_birth_death_chain(
    n: int, rate: float, aht: float, patience: float, target: float
) -> None:
    got = erlang_a(n, rate, aht, patience, target)
    want = _chain(n, rate, aht, patience, target)
    assert got.probability_of_wait == pytest.approx(want["p_wait"], rel=1e-7)
    assert got.abandonment == pytest.approx(want["abandonment"], rel=1e-7)
    assert got.abandonment == pytest.approx(want["p_wait"] - want["served_after_wait"], rel=1e-6)
    assert got.service_level == pytest.approx(want["service_level"], rel=1e-7)
    assert got.asa == pytest.approx(want["asa"], rel=1e-6)
    assert got.answered_service_level == pytest.approx(
        want["service_level"] / (1 - want["abandonment"]), rel=1e-7
    )
    # Little's law on the queue: mean time in queue of all callers = P(abandon) · patience.
    assert got.average_wait == pytest.approx(want["abandonment"] * patience, rel=1e-7)


def test_patience_equal_to_handle_time_is_an_infinite_server_queue() -> None:
    # With θ = μ every caller leaves at rate μ, served or not: N ~ Poisson(λ/μ) (M/M/∞).
    n, rate, aht = 12, 0.1, 100.0
    got = erlang_a(n, rate, aht, patience=aht, target=20)
    load = rate * aht
    assert got.probability_of_wait == pytest.approx(poisson.sf(n - 1, load), rel=1e-9)
    mean_queue = sum((k - n) * poisson.pmf(k, load) for k in range(n, 200))
    assert got.abandonment == pytest.approx(mean_queue / load, rel=1e-9)


def test_very_patient_callers_give_erlang_c() -> None:
    rate, aht = 100 / 1800, 180.0
    got = erlang_a(14, rate, aht, patience=1e9, target=20)
    assert got.probability_of_wait == pytest.approx(erlang_c(14, 10.0), rel=1e-5)
    assert got.service_level == pytest.approx(c_sl(14, rate, aht, 20), rel=1e-5)
    assert got.asa == pytest.approx(erlang_c_asa(14, rate, aht), rel=1e-5)
    assert got.abandonment < 1e-6


def test_overloaded_and_huge_centres_stay_finite() -> None:
    big = erlang_a(2000, 20.0, 180.0, 120.0, 20.0)  # 3600 Erlangs offered to 2000 agents
    assert big.abandonment == pytest.approx(1 - 2000 / 3600, abs=0.01)  # fluid limit
    assert 0.99 < big.occupancy <= 1.0
    assert math.isfinite(big.asa)
    idle = erlang_a(3000, 1.0, 180.0, 120.0, 20.0)  # 180 Erlangs, 3000 agents
    assert idle.probability_of_wait == 0.0 and idle.service_level == 1.0


def test_staffing_with_patience_needs_fewer_agents_than_erlang_c() -> None:
    rate, aht = 100 / 1800, 180.0
    with_patience = agents_needed(rate, aht, 20, service_level=0.8, patience=120)
    assert with_patience.model == "erlang_a"
    assert with_patience.agents < agents_needed(rate, aht, 20, service_level=0.8).agents
    assert forecast(with_patience.agents - 1, rate, aht, 20, 120).service_level < 0.8
    capped = agents_needed(rate, aht, 20, max_abandonment=0.02, patience=120)
    assert capped.abandonment <= 0.02


def test_bad_patience_is_rejected() -> None:
    with pytest.raises(InvalidTraffic, match="patience"):
        erlang_a(5, 0.1, 100, 0.0)


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 150),
    share=st.floats(0.3, 1.6),
    patience=st.floats(10, 2000),
    target=st.floats(0, 90),
)
def test_monotone_in_agents_and_patience(
    n: int, share: float, patience: float, target: float
) -> None:
    aht = 180.0
    rate = share * n / aht
    base = erlang_a(n, rate, aht, patience, target)
    more = erlang_a(n + 1, rate, aht, patience, target)
    assert more.abandonment <= base.abandonment + 1e-12
    assert more.service_level >= base.service_level - 1e-12
    assert more.probability_of_wait <= base.probability_of_wait + 1e-12
    calmer = erlang_a(n, rate, aht, patience * 1.5, target)
    assert calmer.abandonment <= base.abandonment + 1e-12
    for figure in (base.service_level, base.abandonment, base.occupancy):
        assert 0.0 <= figure <= 1.0
