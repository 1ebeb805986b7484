"""Erlang C: the M/M/n queue where callers wait as long as it takes (no abandonment).

Probability of waiting, service level, average speed of answer and occupancy, all derived from
Erlang B through 1/C = (n - a)/n * 1/B + a/n, which stays exact when 1/B is astronomically
large (C then rounds to 0 instead of overflowing).
"""

from __future__ import annotations

import math

from .loss import check_servers, check_traffic, log_inverse_erlang_b

__all__ = [
    "erlang_c",
    "erlang_c_asa",
    "erlang_c_service_level",
    "occupancy",
]

_MAX_LOG = 700.0  # exp() of more than this overflows a float


def erlang_c(servers: int, load: float) -> float:
    """Probability that a contact waits (all agents busy) in M/M/n; 1.0 when load >= servers."""
    check_servers(servers)
    if load >= servers:
        return 1.0
    log_r = log_inverse_erlang_b(servers, load)
    if log_r > _MAX_LOG:
        return 0.0
    inverse_b = math.exp(log_r)
    return 1.0 / ((servers - load) / servers * inverse_b + load / servers)


def erlang_c_service_level(servers: int, rate: float, aht: float, target: float) -> float:
    """Share of contacts answered within `target` seconds: 1 - C * exp(-(n - a) * target / aht)."""
    check_traffic(rate, aht)
    load = rate * aht
    if load >= servers:
        return 0.0
    wait = erlang_c(servers, load)
    return 1.0 - wait * math.exp(-(servers - load) * max(target, 0.0) / aht)


def erlang_c_asa(servers: int, rate: float, aht: float) -> float:
    """Average speed of answer (mean wait of all contacts, seconds); inf when overloaded."""
    check_traffic(rate, aht)
    load = rate * aht
    if load >= servers:
        return math.inf
    return erlang_c(servers, load) * aht / (servers - load)


def occupancy(servers: int, load: float) -> float:
    """Share of agent time spent on contacts when every contact is served: load / servers."""
    check_servers(servers, minimum=1)
    return min(load / servers, 1.0)
