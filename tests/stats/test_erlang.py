"""Erlang B and C against published reference values, large centres, and monotonicity."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seatline.stats import InvalidTraffic, TargetUnreachable
from seatline.stats.erlang import (
    agents_needed,
    erlang_b,
    erlang_c,
    erlang_c_asa,
    erlang_c_service_level,
    forecast,
    log_inverse_erlang_b,
    occupancy,
    scheduled_agents,
)

# The widely published worked example: 100 calls per 30 minutes, AHT 180 s, target 20 s
# (10 Erlangs). Reference figures as printed in the README of the CRAN package "ErlangC"
# 0.1.0 (Damonsoul, 2024): https://stat.ethz.ch/CRAN/web/packages/ErlangC/readme/README.html
RATE = 100 / 1800
AHT = 180.0


def test_worked_example_with_14_agents_matches_published_figures() -> None:
    assert erlang_c(14, RATE * AHT) == pytest.approx(0.1741319, abs=5e-8)
    assert erlang_c_service_level(14, RATE, AHT, 20) == pytest.approx(0.88835, abs=5e-6)
    assert erlang_c_asa(14, RATE, AHT) == pytest.approx(7.83593701177724, rel=1e-9)
    assert occupancy(14, RATE * AHT) == pytest.approx(0.7142857, abs=5e-8)


def test_worked_example_with_11_agents_matches_published_figures() -> None:
    assert erlang_c(11, 10.0) == pytest.approx(0.6821182, abs=5e-8)
    assert erlang_c_service_level(11, RATE, AHT, 20) == pytest.approx(0.3896138, abs=5e-8)


def test_worked_example_needs_14_agents_for_80_percent_in_20_seconds() -> None:
    # Same source: calculate_agents(..., require_service_level = 0.8) gives 14 agents.
    assert agents_needed(RATE, AHT, 20, service_level=0.8).agents == 14
    # The published shrinkage step: 14 agents at 30 % shrinkage → 20 scheduled.
    assert scheduled_agents(14, 0.3) == 20


def test_erlang_b_matches_table_values() -> None:
    # Standard Erlang B tables: 10 circuits carry 4.46 Erlangs at 1 % blocking; the
    # Wolfram Language ErlangB documentation: 30 lines offered 25 Erlangs block about 5 %.
    assert erlang_b(10, 4.46) == pytest.approx(0.0100, abs=5e-5)
    assert erlang_b(30, 25.0) == pytest.approx(0.05, abs=5e-3)
    assert erlang_b(1, 1.0) == pytest.approx(0.5)  # B(1, a) = a / (1 + a)


def _log_erlang_b_direct(n: int, a: float) -> float:
    """log B(n, a) from its definition with lgamma and a log-sum-exp (independent route)."""
    terms = [k * math.log(a) - math.lgamma(k + 1) for k in range(n + 1)]
    top = max(terms)
    return terms[-1] - (top + math.log(sum(math.exp(t - top) for t in terms)))


@pytest.mark.parametrize(("n", "a"), [(1000, 950.0), (3000, 2900.0), (5000, 5100.0), (20, 3.0)])
def test_thousands_of_agents_stay_finite_and_exact(n: int, a: float) -> None:
    assert -log_inverse_erlang_b(n, a) == pytest.approx(_log_erlang_b_direct(n, a), rel=1e-9)
    c = erlang_c(n, a)
    assert 0.0 <= c <= 1.0 and math.isfinite(c)


def test_extreme_overstaffing_rounds_to_zero_instead_of_overflowing() -> None:
    assert erlang_b(5000, 10.0) == 0.0
    assert erlang_c(5000, 10.0) == 0.0
    assert erlang_c_service_level(5000, 0.01, 1000, 20) == 1.0


def test_large_center_staffing_is_fast_and_sensible() -> None:
    f = agents_needed(3000 / 180, 180, 20, service_level=0.8)  # 3000 Erlangs
    assert 3000 < f.agents < 3100
    assert f.service_level >= 0.8
    assert forecast(f.agents - 1, 3000 / 180, 180, 20).service_level < 0.8


def test_overloaded_erlang_c_is_explicit() -> None:
    assert erlang_c(10, 10.0) == 1.0
    assert erlang_c_service_level(10, 1.0, 10.0, 20) == 0.0
    assert erlang_c_asa(10, 1.0, 10.0) == math.inf


def test_asa_target_alone() -> None:
    f = agents_needed(RATE, AHT, 20, max_asa=10.0)
    assert f.asa <= 10.0
    assert forecast(f.agents - 1, RATE, AHT, 20).asa > 10.0


def test_bad_input_is_rejected_with_a_clear_error() -> None:
    with pytest.raises(InvalidTraffic, match="arrival rate"):
        erlang_c_service_level(5, -1.0, 180, 20)
    with pytest.raises(InvalidTraffic, match="handle time"):
        forecast(5, 1.0, 0.0, 20)
    with pytest.raises(InvalidTraffic, match="agents"):
        forecast(0, 1.0, 10.0, 20)
    with pytest.raises(InvalidTraffic, match="shrinkage"):
        scheduled_agents(10, 1.0)
    with pytest.raises(InvalidTraffic, match="at least one"):
        agents_needed(1.0, 10.0)
    with pytest.raises(TargetUnreachable):
        agents_needed(1.0, 10.0, 0.0, service_level=0.99, max_agents=12)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 300), share=st.floats(0.05, 0.98), target=st.floats(0, 120))
def test_more_agents_never_hurt(n: int, share: float, target: float) -> None:
    aht = 200.0
    rate = share * n / aht
    load = rate * aht
    assert erlang_b(n + 1, load) <= erlang_b(n, load)
    assert erlang_c(n + 1, load) <= erlang_c(n, load)
    assert erlang_c_service_level(n + 1, rate, aht, target) >= erlang_c_service_level(
        n, rate, aht, target
    )
    assert erlang_c_asa(n + 1, rate, aht) <= erlang_c_asa(n, rate, aht)
    # Erlang C waits more than Erlang B blocks (C >= B always).
    assert erlang_c(n, load) >= erlang_b(n, load)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 200), share=st.floats(0.05, 0.95), more=st.floats(1.001, 1.5))
def test_more_traffic_never_helps(n: int, share: float, more: float) -> None:
    load = share * n
    assert erlang_b(n, load * more) >= erlang_b(n, load)
    assert erlang_c(n, min(load * more, n)) >= erlang_c(n, load)


@settings(max_examples=40, deadline=None)
@given(rate_per_hour=st.floats(10, 5000), aht=st.floats(30, 900), sl=st.floats(0.5, 0.95))
def test_agents_needed_is_the_smallest_that_meets_the_target(
    rate_per_hour: float, aht: float, sl: float
) -> None:
    rate = rate_per_hour / 3600
    f = agents_needed(rate, aht, 20, service_level=sl)
    assert f.service_level >= sl
    if f.agents > math.floor(rate * aht) + 1:
        assert forecast(f.agents - 1, rate, aht, 20).service_level < sl
