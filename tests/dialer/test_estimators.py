"""Online estimators, the abandonment window and the learned safety margin."""

from __future__ import annotations

import numpy as np
import pytest

from seatline.dialer import AbandonWindow, AnswerModel, DurationModel, SafetyMargin

HORIZONS = np.arange(1.0, 26.0)


def test_answer_model_learns_rate_and_timing() -> None:
    model = AnswerModel(30.0, HORIZONS, memory=10_000)
    rng = np.random.default_rng(1)
    for k in range(5000):
        person = rng.random() < 0.2
        age = rng.uniform(4, 16) if person else 25.0
        model.record(0.0, k, age, person)
    model.admit(29.0)
    assert model.n == 0  # dials younger than the longest ring are not learned yet
    model.admit(30.0)
    assert model.n == 5000
    assert model.live_rate == pytest.approx(0.2, abs=0.02)
    table = model.table()
    assert table[0, -1] == pytest.approx(0.2, abs=0.02)  # a fresh dial, 25 s ahead
    assert table[0, 2] == pytest.approx(0.0, abs=1e-9)  # nobody answers within 3 s
    # A dial still ringing at 16 s will not bring a person any more.
    assert table[model.bin_of(np.array([16.5]))[0], -1] < 0.01
    # At 10 s, persons still to come: ~6/12 of 0.2 out of the 0.9 still open.
    assert table[20, -1] == pytest.approx(0.1 / 0.9, abs=0.03)


def test_answer_model_forgets_by_dial_order() -> None:
    model = AnswerModel(30.0, HORIZONS, memory=100)
    for k in range(1000):
        model.record(0.0, k, 5.0 if k % 10 == 0 else 25.0, k % 10 == 0)
    model.admit(100.0)
    assert model.n == 100 and model.live_rate == pytest.approx(0.1)


def test_duration_model_conditional_finish() -> None:
    model = DurationModel(memory=1000, prior_mean=100.0)
    for seconds in range(1, 101):  # uniform 1..100 s
        model.record(float(seconds))
    p = model.finish_within(np.array([0.0, 50.0]), np.array([10.0, 50.0]))
    assert p[0, 0] == pytest.approx(0.10)
    assert p[1, 0] == pytest.approx(0.20)  # 10 of the 50 longer than 50 s
    assert p[1, 1] == pytest.approx(1.0)
    assert model.mean == pytest.approx(50.5)
    empty = DurationModel(memory=10, prior_mean=60.0)
    assert empty.finish_within(np.array([5.0]), np.array([60.0]))[0, 0] == pytest.approx(
        1 - np.exp(-1)
    )


def test_abandon_window_rolls_and_budget() -> None:
    window = AbandonWindow(cap=0.03, window=100.0, lookahead=10.0)
    for t in range(100):
        window.add(float(t), abandoned=(t == 5))
    assert window.rate == pytest.approx(0.01)
    # Calls 0..9 leave within the look-ahead: only 90 answered count toward the budget.
    assert window.budget(99.0) == pytest.approx(0.03 * 90 - 1)
    assert window.abandoned == 1
    assert window.budget(106.0) == pytest.approx(0.03 * 83)  # the abandon at 5 left the window
    assert window.abandoned == 0 and window.answered == 93


def test_safety_margin_settles_where_abandons_hit_the_target() -> None:
    rng = np.random.default_rng(3)
    margin = SafetyMargin(initial=0.0, step=0.05, target=0.024)
    # A toy world: the chance of an abandon falls as z rises.
    for _ in range(200_000):
        chance = 0.2 / (1 + np.exp(2 * margin.z))
        margin.observe(bool(rng.random() < chance))
    settled = 0.2 / (1 + np.exp(2 * margin.z))
    assert settled == pytest.approx(0.024, rel=0.35)
