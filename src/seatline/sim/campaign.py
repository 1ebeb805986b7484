"""Simulated outbound campaigns: a virtual clock driving the real `seatline.dialer.Campaign`.

The simulator plays the carrier, the called people and the agents: each `Dial` meets the
next drawn fate (person, machine, busy, failed, or ringing out), answering machine detection
errs with the scenario's accuracy, bridged persons talk for the drawn time, and agents wrap
up and report ready. Pacing, retries, windows and the two-second rule are the dialer's: the
figures measure the code that ships.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from typing import Any

from seatline.dialer import (
    AgentReady,
    Bridge,
    CallEnded,
    CallResolved,
    CallResult,
    Campaign,
    CampaignConfig,
    Decision,
    Dial,
    DialerEvent,
    DialMode,
    Dispositioned,
    DoNotCall,
    Hangup,
    PlayAbandonMessage,
    Preview,
    PreviewAccepted,
    Tick,
)

from .campaign_report import CampaignReport
from .campaign_scenario import CampaignScenario, make_leads
from .dial_draws import MACHINE, NO_ANSWER, PERSON, DialDraws

__all__ = ["Progress", "campaign_config", "simulate_campaign"]

Progress = Callable[[float], None]  # share of simulated time done, 0..1

_RESOLVE, _TALK_END, _READY, _PREVIEWED = 1, 2, 3, 4
_RESULTS = {
    PERSON: CallResult.PERSON,
    MACHINE: CallResult.MACHINE,
    2: CallResult.BUSY,
    3: CallResult.FAILED,
}


def campaign_config(scenario: CampaignScenario, mode: DialMode, **changes: Any) -> CampaignConfig:
    """The campaign configuration a scenario runs with (dialer defaults otherwise)."""
    return CampaignConfig(
        name="sim",
        mode=mode,
        ring_timeout=scenario.ring_timeout,
        window=scenario.window,
        abandon_cap=scenario.abandon_cap,
        **changes,
    )


class _Run:
    """One run's mutable state: the heap, the calls in flight and the tallies."""

    def __init__(
        self, scenario: CampaignScenario, campaign: Campaign, seed: int, report: CampaignReport
    ) -> None:
        self.s = scenario
        self.campaign = campaign
        self.draws = DialDraws(scenario, seed)
        self.report = report
        self.heap: list[tuple[float, int, int, Any]] = []
        self.seq = itertools.count()
        # call id → (real kind, talk seconds, wrap seconds) of calls the network still holds
        self.live: dict[str, tuple[int, float, float]] = {}
        self.on_decisions: Callable[[list[Decision], float], None] | None = None

    def push(self, at: float, kind: int, payload: Any) -> None:
        heapq.heappush(self.heap, (at, next(self.seq), kind, payload))

    def event(self, event: DialerEvent, t: float) -> None:
        """Feed one event and carry out its decisions."""
        decisions = self.campaign.handle(event)
        if decisions:
            self.carry_out(decisions, t)

    def carry_out(self, decisions: list[Decision], t: float) -> None:
        if self.on_decisions is not None:
            self.on_decisions(decisions, t)
        s, report = self.s, self.report
        for d in decisions:
            if isinstance(d, Dial):
                report.dials += 1
                kind, ring, talk, wrap, amd_ok = self.draws.next()
                self.live[d.call_id] = (kind, talk, wrap)
                if kind == NO_ANSWER or ring >= s.ring_timeout:
                    continue  # rings out: the dialer's own timeout ends it
                if kind == PERSON:
                    report.persons_answered += 1
                    result = CallResult.PERSON if amd_ok else CallResult.MACHINE
                    if not amd_ok:
                        report.persons_lost_to_amd += 1
                        report.abandoned += 1  # hung up on a live person: an abandon too
                elif kind == MACHINE:
                    result = CallResult.MACHINE if amd_ok else CallResult.PERSON
                else:
                    result = _RESULTS[kind]
                self.push(t + ring, _RESOLVE, (d.call_id, result))
            elif isinstance(d, Bridge):
                kind, talk, wrap = self.live[d.call_id]
                if kind == PERSON:
                    report.connects += 1
                    report.busy(t, talk + wrap)
                else:  # a machine AMD let through: the agent listens, hangs up, moves on
                    report.machines_to_agents += 1
                    talk, wrap = s.machine_listen_seconds, 0.0
                    self.live[d.call_id] = (kind, talk, wrap)
                self.push(t + talk, _TALK_END, d.call_id)
            elif isinstance(d, PlayAbandonMessage):
                if self.live.pop(d.call_id)[0] == PERSON:
                    report.abandoned += 1
            elif isinstance(d, Hangup):
                self.live.pop(d.call_id, None)
            elif isinstance(d, Preview):
                self.push(t + s.preview_seconds, _PREVIEWED, (d.agent_id, d.lead_id))


def simulate_campaign(
    scenario: CampaignScenario,
    mode: DialMode,
    seed: int = 0,
    progress: Progress | None = None,
    config: CampaignConfig | None = None,
    on_decisions: Callable[[list[Decision], float], None] | None = None,
    dnc: DoNotCall | None = None,
    inspect: Callable[[Campaign], None] | None = None,
) -> CampaignReport:
    """Run one campaign day in `mode` and report.

    `on_decisions` sees every batch of decisions with its time; `inspect` sees the campaign
    after the run (for tests that check its records).
    """
    start = scenario.start
    config = config if config is not None else campaign_config(scenario, mode)
    campaign = Campaign(config, make_leads(scenario, seed), dnc, now=start)
    report = CampaignReport(mode.value, scenario.agents, scenario.duration)
    run = _Run(scenario, campaign, seed, report)
    run.on_decisions = on_decisions
    for k in range(scenario.agents):
        campaign.add_agent(f"a{k + 1}", start)
    for k in range(scenario.agents):
        run.event(AgentReady(start, f"a{k + 1}"), 0.0)

    heap, end = run.heap, scenario.duration
    mark, step = 0.0, end / 100.0
    pop = heapq.heappop
    while True:
        deadline = campaign.next_deadline()
        t_dialer = deadline - start if deadline is not None else end
        t_heap = heap[0][0] if heap else end
        t = min(t_dialer, t_heap)
        if t >= end:
            break
        if progress is not None and t >= mark:
            progress(t / end)
            mark = t + step
        now = start + t
        if t_dialer < t_heap:
            run.event(Tick(now), t)
            continue
        _, _, kind, payload = pop(heap)
        if kind == _RESOLVE:
            call_id, result = payload
            if call_id in run.live:  # not yet given up on by the dialer
                if result is not CallResult.PERSON:
                    run.live.pop(call_id)
                run.event(CallResolved(now, call_id, result), t)
        elif kind == _TALK_END:
            _, _, wrap = run.live.pop(payload)
            agent_id = campaign.calls[payload].agent_id
            run.event(CallEnded(now, payload), t)
            run.event(Dispositioned(now, payload, "completed"), t)
            run.push(t + wrap, _READY, agent_id)
        elif kind == _READY:
            run.event(AgentReady(now, payload), t)
        elif kind == _PREVIEWED:
            agent_id, lead_id = payload
            run.event(PreviewAccepted(now, agent_id, lead_id), t)
    report.abandon_rate_dialer = campaign.abandon_rate
    if inspect is not None:
        inspect(campaign)
    if progress is not None:
        progress(1.0)
    return report
