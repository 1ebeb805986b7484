"""Manual dialing, the baseline: each agent keys a number, listens to it ring, and talks.

No dialer paces anything: an agent takes `manual_dial_seconds` per number, waits through the
ringing (giving up after the ring timeout), hears a machine for `machine_listen_seconds`
before hanging up, and talks and wraps up with the persons who answer. Leads still come from
the campaign's `LeadScheduler`, so do-not-call lists, windows and retries apply as well.
"""

from __future__ import annotations

import heapq

from seatline.dialer import AttemptOutcome, CampaignConfig, DialMode, Disposition, LeadScheduler

from .campaign import Progress, campaign_config
from .campaign_report import CampaignReport
from .campaign_scenario import CampaignScenario, make_leads
from .dial_draws import BUSY, FAILED, MACHINE, NO_ANSWER, PERSON, DialDraws

_OUTCOME = {
    MACHINE: AttemptOutcome.MACHINE,
    BUSY: AttemptOutcome.BUSY,
    FAILED: AttemptOutcome.FAILED,
    NO_ANSWER: AttemptOutcome.NO_ANSWER,
}


def simulate_manual(
    scenario: CampaignScenario,
    seed: int = 0,
    progress: Progress | None = None,
    config: CampaignConfig | None = None,
) -> CampaignReport:
    """Run one campaign day of agents dialing by hand and report."""
    s = scenario
    config = config if config is not None else campaign_config(s, DialMode.PROGRESSIVE)
    scheduler = LeadScheduler(config)
    scheduler.add(make_leads(s, seed), s.start)
    draws = DialDraws(s, seed)
    report = CampaignReport("manual", s.agents, s.duration)
    # Each agent's next free moment; ties broken by agent number.
    heap = [(0.0, k) for k in range(s.agents)]
    mark, step = 0.0, s.duration / 100.0
    while heap:
        t, agent = heapq.heappop(heap)
        if t >= s.duration:
            continue
        if progress is not None and t >= mark:
            progress(t / s.duration)
            mark = t + step
        now = s.start + t
        record = scheduler.take(now)
        if record is None:
            due = scheduler.next_due()
            if due is not None:
                heapq.heappush(heap, (max(due - s.start, t + 1.0), agent))
            continue
        scheduler.dialled(record, now)
        kind, ring, talk, wrap, _ = draws.next()
        report.dials += 1
        t += s.manual_dial_seconds
        if kind == PERSON and ring < s.ring_timeout:
            t += ring
            report.persons_answered += 1
            report.connects += 1
            report.busy(t, talk + wrap)
            scheduler.attempt_ended(record, AttemptOutcome.CONNECTED, s.start + t)
            scheduler.dispositioned(record, Disposition.COMPLETED, None, s.start + t)
            t += talk + wrap
        else:
            if kind == MACHINE:
                t += ring + s.machine_listen_seconds
            else:
                t += min(ring, s.ring_timeout)
            outcome = _OUTCOME[kind if kind != PERSON else NO_ANSWER]
            scheduler.attempt_ended(record, outcome, s.start + t)
        heapq.heappush(heap, (t, agent))
    if progress is not None:
        progress(1.0)
    return report
