"""Erlang B (the loss formula), computed in log space so thousands of servers never overflow.

Everything else in this package builds on `log_inverse_erlang_b`: the inverse 1/B(n, a) obeys
the recursion r(0) = 1, r(n) = 1 + (n / a) r(n - 1), which needs no factorial and no power, and
its logarithm stays finite long after 1/B itself would overflow a float.
"""

from __future__ import annotations

import math

from ..errors import InvalidTraffic

__all__ = ["erlang_b", "log_inverse_erlang_b", "offered_load"]


def offered_load(rate: float, aht: float) -> float:
    """The offered traffic in Erlangs: arrival rate (per second) times mean handle time (s)."""
    check_traffic(rate, aht)
    return rate * aht


def check_traffic(rate: float, aht: float) -> None:
    """Raise `InvalidTraffic` unless the rate is >= 0 and the handle time is > 0 (both finite)."""
    if not math.isfinite(rate) or rate < 0:
        raise InvalidTraffic(f"arrival rate must be a finite number >= 0, got {rate}")
    if not math.isfinite(aht) or aht <= 0:
        raise InvalidTraffic(f"average handle time must be a finite number > 0, got {aht}")


def check_servers(servers: int, minimum: int = 0) -> None:
    """Raise `InvalidTraffic` unless `servers` is an integer >= `minimum`."""
    if isinstance(servers, bool) or not isinstance(servers, int) or servers < minimum:
        raise InvalidTraffic(f"number of agents must be an integer >= {minimum}, got {servers!r}")


def _log1pexp(x: float) -> float:
    """log(1 + e^x) without overflow for large x."""
    return x + math.log1p(math.exp(-x)) if x > 0 else math.log1p(math.exp(x))


def log_inverse_erlang_b(servers: int, load: float) -> float:
    """log(1 / B(servers, load)); +inf when the load is 0 and there is at least one server."""
    check_servers(servers)
    if not math.isfinite(load) or load < 0:
        raise InvalidTraffic(f"offered load must be a finite number >= 0, got {load}")
    if servers == 0:
        return 0.0
    if load == 0:
        return math.inf
    log_load = math.log(load)
    log_r = 0.0
    for n in range(1, servers + 1):
        log_r = _log1pexp(math.log(n) - log_load + log_r)
    return log_r


def erlang_b(servers: int, load: float) -> float:
    """Blocking probability of an M/M/n/n system offered `load` Erlangs (Erlang B)."""
    return math.exp(-log_inverse_erlang_b(servers, load))
