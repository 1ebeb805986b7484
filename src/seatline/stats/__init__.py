"""seatline.stats: traffic statistics and the staffing math (Erlang B, C and A)."""

from .errors import InvalidTraffic, StatsError, TargetUnreachable

__all__ = ["InvalidTraffic", "StatsError", "TargetUnreachable"]
