"""The predictive pacer's arithmetic: the closed-form bound against brute force."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from seatline.dialer.pacing import dials_allowed


def _brute(gap: np.ndarray, var: np.ndarray, g: np.ndarray, z: float, limit: int) -> int:
    if not np.all(gap + z * np.sqrt(var) <= 0):
        return 0
    best = 0
    for n in range(limit + 1):
        if np.all(gap + n * g + z * np.sqrt(var + n * g * (1 - g)) <= 1e-9):
            best = n
    return best


@settings(max_examples=200, deadline=None)
@given(
    gaps=st.lists(st.floats(-40, 5), min_size=3, max_size=3),
    variances=st.lists(st.floats(0, 30), min_size=3, max_size=3),
    fresh=st.lists(st.floats(0.01, 0.9), min_size=3, max_size=3),
    z=st.floats(0, 3),
)
def test_closed_form_matches_brute_force(
    gaps: list[float], variances: list[float], fresh: list[float], z: float
) -> None:
    gap, var, g = np.array(gaps), np.array(variances), np.array(fresh)
    got = dials_allowed(gap, var, g, z)
    limit = math.ceil(max(0.0, -min(gaps)) / min(fresh)) + 5 + int(40 * z / min(fresh))
    expected = _brute(gap, var, g, z, min(limit, 6000))
    assert abs(got - expected) <= 1  # floating point at the boundary


def test_horizon_no_new_dial_reaches_does_not_limit() -> None:
    n = dials_allowed(np.array([-1.0, -10.0]), np.array([0.0, 0.0]), np.array([0.0, 0.5]), 0.0)
    assert n == 20
    assert dials_allowed(np.array([1.0, -10.0]), np.zeros(2), np.array([0.1, 0.5]), 0.0) == 0
