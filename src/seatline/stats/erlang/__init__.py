"""Erlang B, C and A: pure functions for call-center staffing.

Units everywhere: arrival rates are per SECOND, times (handle, target, patience) in seconds,
load in Erlangs (rate × aht). Service level is the share of ALL offered contacts answered
within the target: under Erlang A, callers who hang up count as misses, whenever they hang up.
"""

from .abandonment import ErlangA, erlang_a
from .delay import erlang_c, erlang_c_asa, erlang_c_service_level, occupancy
from .loss import erlang_b, log_inverse_erlang_b, offered_load
from .staffing import Forecast, agents_needed, forecast, scheduled_agents

__all__ = [
    "ErlangA",
    "Forecast",
    "agents_needed",
    "erlang_a",
    "erlang_b",
    "erlang_c",
    "erlang_c_asa",
    "erlang_c_service_level",
    "forecast",
    "log_inverse_erlang_b",
    "occupancy",
    "offered_load",
    "scheduled_agents",
]
