"""A supervisor's summary of an outbound campaign: leads, attempts, AMD, abandonment, dispositions.

Every figure is an SQL aggregate, so a campaign of millions of attempts costs a handful of
grouped queries, not a load of its rows. Nothing here writes.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from seatline.dialer import AmdVerdict, AttemptOutcome, LeadState
from seatline.store.campaigns import get_campaign
from seatline.store.models import CallAttempt, Lead

__all__ = ["OPEN", "Abandonment", "CampaignSummary", "campaign_summary"]

#: The attempts key of attempts with no outcome: still ringing or talking, or cut short by a stop.
OPEN = "open"
_LIVE = (AttemptOutcome.CONNECTED.value, AttemptOutcome.ABANDONED.value)


@dataclass(frozen=True, slots=True)
class Abandonment:
    """Live-answered and abandoned attempts answered in (since, until], against the cap."""

    since: dt.datetime
    until: dt.datetime
    live_answered: int
    abandoned: int
    rate: float
    cap: float


@dataclass(frozen=True, slots=True)
class CampaignSummary:
    """The figures of one campaign a supervisor and a compliance officer look at."""

    campaign_id: uuid.UUID
    campaign_name: str
    leads: dict[str, int]
    leads_total: int
    attempts: dict[str, int]
    attempts_total: int
    amd: dict[str, int]
    amd_mean_seconds: float | None
    abandonment: Abandonment
    connects: int
    mean_talk_seconds: float | None
    mean_wait_seconds: float | None
    dispositions: dict[str, int]


def _counts(known: Iterable[str], rows: Iterable[tuple[str | None, int]]) -> dict[str, int]:
    """Counts by key: every known key (zero if absent) and whatever else the rows hold."""
    counts = dict.fromkeys(known, 0)
    for key, count in rows:
        # Only an attempt's outcome is NULL in the grouped rows (the other queries filter
        # NULLs out): it means the attempt has no outcome yet.
        name = OPEN if key is None else key
        counts[name] = counts.get(name, 0) + int(count)
    return counts


def _mean(value: float | None) -> float | None:
    return None if value is None else float(value)


async def campaign_summary(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    campaign_id: uuid.UUID,
    now: dt.datetime,
    window: dt.timedelta = dt.timedelta(days=30),
) -> CampaignSummary:
    """Return the campaign's summary, the abandonment over `window` ending at `now` (NotFound)."""
    campaign = await get_campaign(session, tenant_id, campaign_id)
    attempts = sa.and_(CallAttempt.tenant_id == tenant_id, CallAttempt.campaign_id == campaign_id)

    lead_rows = await session.execute(
        sa.select(Lead.state, sa.func.count())
        .where(Lead.tenant_id == tenant_id, Lead.campaign_id == campaign_id)
        .group_by(Lead.state)
    )
    leads = _counts((state.value for state in LeadState), lead_rows)

    # Talk and wait are averaged per outcome in the same pass; only the connected row's are used.
    outcome_rows = (
        await session.execute(
            sa.select(
                CallAttempt.outcome,
                sa.func.count(),
                sa.func.avg(CallAttempt.talk_seconds),
                sa.func.avg(CallAttempt.wait_seconds),
            )
            .where(attempts)
            .group_by(CallAttempt.outcome)
        )
    ).all()
    by_outcome = _counts(
        [*(outcome.value for outcome in AttemptOutcome), OPEN],
        ((outcome, count) for outcome, count, _, _ in outcome_rows),
    )
    connected = next(
        (row for row in outcome_rows if row[0] == AttemptOutcome.CONNECTED.value), None
    )

    # The mean is pooled from each verdict's sum and count: one grouped query gives both.
    amd_rows = (
        await session.execute(
            sa.select(
                CallAttempt.amd_result,
                sa.func.count(),
                sa.func.sum(CallAttempt.amd_seconds),
                sa.func.count(CallAttempt.amd_seconds),
            )
            .where(attempts, CallAttempt.amd_result.is_not(None))
            .group_by(CallAttempt.amd_result)
        )
    ).all()
    amd = _counts(
        (verdict.value for verdict in AmdVerdict),
        ((verdict, count) for verdict, count, _, _ in amd_rows),
    )
    timed = sum(int(row[3]) for row in amd_rows)
    amd_mean = sum(float(row[2] or 0.0) for row in amd_rows) / timed if timed else None

    # The dialer's AbandonWindow forgets a call once it is `window` old, so the window is
    # open at its start and closed at `now`: both figures agree at every instant.
    since = now - window
    live_rows = await session.execute(
        sa.select(CallAttempt.outcome, sa.func.count())
        .where(
            attempts,
            CallAttempt.outcome.in_(_LIVE),
            CallAttempt.answered_at > since,
            CallAttempt.answered_at <= now,
        )
        .group_by(CallAttempt.outcome)
    )
    live = _counts(_LIVE, live_rows)
    answered = sum(live.values())
    abandoned = live[AttemptOutcome.ABANDONED.value]

    disposition_rows = await session.execute(
        sa.select(CallAttempt.disposition, sa.func.count())
        .where(attempts, CallAttempt.disposition.is_not(None))
        .group_by(CallAttempt.disposition)
        .order_by(CallAttempt.disposition)
    )

    return CampaignSummary(
        campaign_id=campaign.id,
        campaign_name=campaign.name,
        leads=leads,
        leads_total=sum(leads.values()),
        attempts=by_outcome,
        attempts_total=sum(by_outcome.values()),
        amd=amd,
        amd_mean_seconds=amd_mean,
        abandonment=Abandonment(
            since=since,
            until=now,
            live_answered=answered,
            abandoned=abandoned,
            rate=abandoned / answered if answered else 0.0,
            cap=campaign.abandon_cap,
        ),
        connects=by_outcome[AttemptOutcome.CONNECTED.value],
        mean_talk_seconds=None if connected is None else _mean(connected[2]),
        mean_wait_seconds=None if connected is None else _mean(connected[3]),
        dispositions=_counts((), disposition_rows),
    )
