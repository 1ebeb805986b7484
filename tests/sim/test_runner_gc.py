"""The run pauses CPython's cyclic collector (a speed measure) and always restores it."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import pytest

from seatline.sim import scenario_from_dict, simulate


def _scenario() -> Any:
    return scenario_from_dict(
        {
            "seed": 5,
            "duration": "1h",
            "queues": [{"name": "q", "service_level_target": 20}],
            "arrivals": [{"queue": "q", "rate_per_hour": 300}],
            "handle_time": {"distribution": "exponential", "mean": 120},
            "agents": [{"count": 12, "skills": {"q": 1}}],
        }
    )


@pytest.fixture
def gc_state() -> Iterator[None]:
    was = gc.isenabled()
    yield
    if was:
        gc.enable()
    else:
        gc.disable()


@pytest.mark.parametrize("enabled", [True, False])
def test_collector_state_is_restored(gc_state: None, enabled: bool) -> None:
    if enabled:
        gc.enable()
    else:
        gc.disable()
    report = simulate(_scenario())
    assert gc.isenabled() is enabled
    assert report.contacts > 0


def test_collector_restored_when_the_run_fails(
    gc_state: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    import seatline.sim.runner as runner

    def boom(*args: object) -> None:
        raise RuntimeError("plan failed")

    monkeypatch.setattr(runner, "plan_contacts", boom)
    gc.enable()
    with pytest.raises(RuntimeError, match="plan failed"):
        simulate(_scenario())
    assert gc.isenabled()


def test_results_do_not_depend_on_the_collector(gc_state: None) -> None:
    gc.enable()
    first = simulate(_scenario(), seed=11)
    gc.disable()
    second = simulate(_scenario(), seed=11)
    assert first == second
