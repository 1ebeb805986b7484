"""Shared pieces of the dialer tests: an always-open calling window, a start time, campaigns."""

from __future__ import annotations

from seatline.dialer import CallingWindow, Campaign, CampaignConfig, DialMode, Lead

ALWAYS = CallingWindow(0, 24 * 60, frozenset(range(1, 8)))
T0 = 1_796_137_200.0  # Tuesday 2026-12-01 15:00 UTC, an afternoon


def make_config(**changes: object) -> CampaignConfig:
    """Tenant acme's campaign "c", open around the clock, with `changes` to its settings."""
    return CampaignConfig("c", tenant="acme", window=ALWAYS, **changes)  # type: ignore[arg-type]


def make_campaign(mode: DialMode, leads: int = 5, agents: int = 1, **changes: object) -> Campaign:
    """A campaign in `mode` with `leads` leads and agents a1 … a<agents> logged in at T0."""
    settings = CampaignConfig("c", mode=mode, window=ALWAYS, **changes)  # type: ignore[arg-type]
    result = Campaign(settings, [Lead(f"L{i}", f"+1555000{i:04d}") for i in range(leads)], now=T0)
    for k in range(1, agents + 1):
        result.add_agent(f"a{k}", T0)
    return result
