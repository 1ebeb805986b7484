"""Staffing: one forecast for a number of agents, and the fewest agents that meet targets.

Erlang C is used when callers never hang up (`patience=None`), Erlang A otherwise. Every
figure is monotone in the number of agents, so the search is a doubling + bisection.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..errors import InvalidTraffic, TargetUnreachable
from .abandonment import erlang_a
from .delay import erlang_c, erlang_c_asa, erlang_c_service_level
from .loss import check_servers, check_traffic

__all__ = ["Forecast", "agents_needed", "forecast", "scheduled_agents"]


@dataclass(frozen=True, slots=True)
class Forecast:
    """What a queue looks like in steady state with `agents` agents on the phones."""

    model: str  # "erlang_c" or "erlang_a"
    agents: int
    load: float  # offered Erlangs
    probability_of_wait: float
    service_level: float  # share of ALL offered contacts answered within the target
    asa: float  # mean wait of answered contacts, seconds (inf when overloaded without patience)
    abandonment: float  # share of offered contacts that hang up (0 under Erlang C)
    occupancy: float


def forecast(
    agents: int, rate: float, aht: float, target: float, patience: float | None = None
) -> Forecast:
    """Steady-state figures: rate per second, aht/target/patience in seconds."""
    check_servers(agents, minimum=1)
    check_traffic(rate, aht)
    load = rate * aht
    if patience is None:
        stable = load < agents
        return Forecast(
            model="erlang_c",
            agents=agents,
            load=load,
            probability_of_wait=erlang_c(agents, load),
            service_level=erlang_c_service_level(agents, rate, aht, target),
            asa=erlang_c_asa(agents, rate, aht),
            abandonment=0.0,
            occupancy=min(load / agents, 1.0) if stable else 1.0,
        )
    a = erlang_a(agents, rate, aht, patience, target)
    return Forecast(
        model="erlang_a",
        agents=agents,
        load=load,
        probability_of_wait=a.probability_of_wait,
        service_level=a.service_level,
        asa=a.asa,
        abandonment=a.abandonment,
        occupancy=a.occupancy,
    )


def _meets(
    f: Forecast, service_level: float | None, max_asa: float | None, max_abandon: float | None
) -> bool:
    if service_level is not None and f.service_level < service_level:
        return False
    if max_asa is not None and not f.asa <= max_asa:
        return False
    return max_abandon is None or f.abandonment <= max_abandon


def agents_needed(
    rate: float,
    aht: float,
    target: float = 20.0,
    *,
    service_level: float | None = None,
    max_asa: float | None = None,
    max_abandonment: float | None = None,
    patience: float | None = None,
    max_agents: int = 100_000,
) -> Forecast:
    """The forecast for the fewest agents meeting every given target (at least one target)."""
    check_traffic(rate, aht)
    if service_level is None and max_asa is None and max_abandonment is None:
        raise InvalidTraffic("give at least one of service_level, max_asa, max_abandonment")
    if service_level is not None and not 0 <= service_level < 1:
        raise InvalidTraffic(f"service level must be in [0, 1), got {service_level}")
    if max_asa is not None and max_asa < 0:
        raise InvalidTraffic(f"max ASA must be >= 0, got {max_asa}")
    if max_abandonment is not None and max_abandonment < 0:
        raise InvalidTraffic(f"max abandonment must be >= 0, got {max_abandonment}")
    load = rate * aht
    # Without abandonment fewer agents than the load never keeps up.
    low = max(1, math.floor(load) + 1) if patience is None else 1

    def check(n: int) -> tuple[bool, Forecast]:
        f = forecast(n, rate, aht, target, patience)
        return _meets(f, service_level, max_asa, max_abandonment), f

    ok, best = check(low)
    if ok:
        return best
    high = low
    while True:  # double until the target is met; `low` stays a failing count
        low, high = high, min(max(high * 2, high + 1), max_agents)
        ok, best = check(high)
        if ok:
            break
        if high >= max_agents:
            raise TargetUnreachable(f"no staffing up to {max_agents} agents meets the target")
    while high - low > 1:
        middle = (low + high) // 2
        ok, f = check(middle)
        if ok:
            high, best = middle, f
        else:
            low = middle
    return best


def scheduled_agents(agents: int, shrinkage: float) -> int:
    """Agents to schedule so that `agents` remain after shrinkage (breaks, training, absence)."""
    check_servers(agents)
    if not 0 <= shrinkage < 1:
        raise InvalidTraffic(f"shrinkage must be in [0, 1), got {shrinkage}")
    # Round away float noise first: 14 / 0.7 must give 20, not 21.
    return math.ceil(round(agents / (1.0 - shrinkage), 9))
