"""Every tenant's active campaigns on this node, kept in step with the store.

Each refresh starts a runner for a campaign that became active, stops the runner of one
that was stopped or deleted, restarts one whose settings changed (a restart restores every
lead from the store, so nothing is dialled twice), and hands the running ones what changed:
new leads, agents, do-not-call numbers, and dispositions set through the API.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
import uuid
from collections import Counter
from typing import TYPE_CHECKING, Any

from seatline.dialer import (
    AttemptOutcome,
    CallingWindow,
    Campaign,
    CampaignConfig,
    DialMode,
    DoNotCall,
    Lead,
    LeadRecord,
    LeadState,
    RetryRule,
)
from seatline.dialer.amd import AmdConfig
from seatline.dialer.config import default_retries
from seatline.live.bus import LiveEvent
from seatline.live.campaign_runner import CampaignRunner, LiveSettings
from seatline.store import campaigns as store
from seatline.store.models import Campaign as StoredCampaign
from seatline.store.models import Lead as StoredLead

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from seatline.live.center import ContactCenter, TenantDesk

__all__ = ["CampaignDialers", "campaign_config", "lead_record"]

log = logging.getLogger(__name__)


def _seconds(at: dt.datetime | None) -> float | None:
    return None if at is None else at.timestamp()


def campaign_config(row: StoredCampaign) -> CampaignConfig:
    """The dialer's configuration of a stored campaign (raises ConfigError if it is bad)."""
    retries = dict(default_retries())
    for outcome, rule in (row.retries or {}).items():
        retries[AttemptOutcome(outcome)] = RetryRule(
            int(rule["max_attempts"]), float(rule["spacing"])
        )
    return CampaignConfig(
        name=row.name,
        tenant=str(row.tenant_id),
        mode=DialMode(row.mode),
        abandon_cap=row.abandon_cap,
        max_wait_for_agent=row.max_wait_for_agent,
        ring_timeout=row.ring_timeout,
        max_attempts=row.max_attempts,
        retries=retries,
        window=CallingWindow(row.window_start, row.window_end, frozenset(row.window_days)),
    )


def lead_record(row: StoredLead, now: float) -> LeadRecord:
    """A stored lead with its history, as the dialer keeps it."""
    due = _seconds(row.due_at)
    return LeadRecord(
        Lead(str(row.id), row.number, row.timezone),
        state=LeadState(row.state),
        attempts=row.attempts,
        outcomes=Counter({AttemptOutcome(k): int(v) for k, v in (row.outcomes or {}).items()}),
        last_dial=_seconds(row.last_dial_at),
        due=now if due is None else due,
        callback_at=_seconds(row.callback_at),
        disposition=row.disposition,
    )


class _Running:
    """A runner and what it was started from."""

    def __init__(self, runner: CampaignRunner, revision: int, cursor: dt.datetime | None) -> None:
        self.runner = runner
        self.revision = revision
        self.cursor = cursor  # newest lead creation time loaded


class CampaignDialers:
    """Starts, feeds and stops a `CampaignRunner` per active campaign."""

    def __init__(self, center: ContactCenter) -> None:
        self.center = center
        self.running: dict[uuid.UUID, _Running] = {}
        self.dnc = DoNotCall()  # shared by every campaign: tenant lists are keyed by tenant
        self._listening: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Listen for dispositions and preview answers from the API."""
        self._listening = asyncio.get_running_loop().create_task(self._listen())

    async def stop(self) -> None:
        """Stop every runner (bridged calls talk on; the rest is saved)."""
        if self._listening is not None:
            self._listening.cancel()
            await asyncio.gather(self._listening, return_exceptions=True)
        for running in list(self.running.values()):
            await running.runner.stop()
        self.running.clear()

    def runner(self, campaign_id: uuid.UUID) -> CampaignRunner | None:
        """The running campaign of this id."""
        running = self.running.get(campaign_id)
        return None if running is None else running.runner

    async def refresh(self) -> None:
        """Bring the runners in step with the store."""
        async with self.center.database.sessions() as session:
            rows = {row.id: row for row in await store.active_campaigns(session)}
            platform, tenants = await store.dnc_lists(session)
            self.dnc.replace(platform, {str(t): numbers for t, numbers in tenants.items()})
            for campaign_id, current in list(self.running.items()):
                row = rows.get(campaign_id)
                if row is not None and row.revision == current.revision:
                    continue
                if row is not None and self._same_dialling(row, current.runner):
                    # Caller ID, message, wrap-up, detection, lead fields (an import touches
                    # those): applied in place, and the calls in progress go on.
                    current.revision = row.revision
                    current.runner.settings = self._settings(row, current.runner.desk)
                    await self._reread_pending(session, row, current.runner)
                    continue
                del self.running[campaign_id]  # stopped, deleted, or dialling differently
                await current.runner.stop()
            for campaign_id, row in rows.items():
                running = self.running.get(campaign_id)
                try:
                    if running is None:
                        await self._start(session, row)
                    else:
                        await self._feed(session, row, running)
                except Exception:
                    log.exception("campaign %s could not be run", row.name)
        for running in self.running.values():
            try:
                await running.runner.sync_leads()
            except Exception:
                log.exception("leads of campaign %s not saved", running.runner.settings.name)

    async def _start(self, session: AsyncSession, row: StoredCampaign) -> None:
        desk = self.center.desks.get(row.tenant_id)
        if desk is None:
            return
        if self.center.refresh_trunks is not None:
            await self.center.refresh_trunks()
        now = time.time()
        campaign = Campaign(campaign_config(row), (), self.dnc, now)
        leads = await store.open_leads(session, row.id)
        records = [lead_record(lead, now) for lead in leads]
        campaign.restore_leads(records, now)
        since = dt.datetime.fromtimestamp(now - campaign.config.abandon_window, dt.UTC)
        answers = await store.live_answers(session, row.id, since)
        campaign.restore_live_answers(((at.timestamp(), gone) for at, gone in answers), now)
        for agent_id in await store.campaign_agent_ids(session, row.id):
            campaign.add_agent(str(agent_id), now)
        settings = self._settings(row, desk)
        center = self.center
        runner = CampaignRunner(
            campaign,
            settings,
            desk,
            center.service.core,
            center.database,
            center.bus,
            center.data_dir,
            {str(lead.id): lead for lead in leads},
        )
        stored = {str(lead.id): lead.state for lead in leads}
        for record in campaign.scheduler:
            if stored.get(record.lead.lead_id) == record.state.value:
                runner.mark_persisted(record)  # a lead finished on loading is written back
        cursor = max((lead.created_at for lead in leads), default=None)
        self.running[row.id] = _Running(runner, row.revision, cursor)
        runner.start()
        log.info("campaign %s started with %d open leads", row.name, len(records))

    @staticmethod
    async def _reread_pending(
        session: AsyncSession, row: StoredCampaign, runner: CampaignRunner
    ) -> None:
        """Take re-imported numbers, zones and fields of leads not yet being dialled."""
        scheduler = runner.campaign.scheduler
        for lead in await store.open_leads(session, row.id):
            lead_id = str(lead.id)
            known = lead_id in scheduler.records
            if known and scheduler.update(Lead(lead_id, lead.number, lead.timezone)):
                runner.leads[lead_id] = lead  # the fields the agent will see

    @staticmethod
    def _same_dialling(row: StoredCampaign, runner: CampaignRunner) -> bool:
        """Whether the stored settings leave the dialer's own configuration as it runs."""
        try:
            return campaign_config(row) == runner.campaign.config
        except Exception:
            return False  # a setting the dialer refuses: the restart reports it

    @staticmethod
    def _settings(row: StoredCampaign, desk: TenantDesk) -> LiveSettings:
        """The live side's settings of a stored campaign."""
        return LiveSettings(
            campaign_id=row.id,
            tenant_id=row.tenant_id,
            tenant_slug=desk.config.slug,
            name=row.name,
            caller_id=row.caller_id,
            caller_name=row.caller_name,
            wrap_up_seconds=row.wrap_up_seconds,
            amd=AmdConfig.from_overrides(row.amd or {}),
            lead_fields=tuple(row.lead_fields or ()),
        )

    async def _feed(self, session: AsyncSession, row: StoredCampaign, running: _Running) -> None:
        """Hand a running campaign its new leads and agents and the API's dispositions."""
        runner = running.runner
        now = time.time()
        fresh = await store.open_leads(session, row.id, created_after=running.cursor)
        fresh = [lead for lead in fresh if str(lead.id) not in runner.leads]
        if fresh:
            records = [lead_record(lead, now) for lead in fresh]
            runner.campaign.restore_leads(records, now)
            for lead, record in zip(fresh, records, strict=True):
                runner.leads[str(lead.id)] = lead
                if lead.state == record.state.value:
                    runner.mark_persisted(record)
            running.cursor = max(lead.created_at for lead in fresh)
        for agent_id in await store.campaign_agent_ids(session, row.id):
            runner.add_agent(str(agent_id))
        awaiting = runner.awaiting_disposition()
        if awaiting:
            for attempt in await store.dispositioned_among(session, row.id, list(awaiting)):
                if attempt.disposition is not None:
                    runner.dispositioned(
                        attempt.id, attempt.disposition, _seconds(attempt.callback_at)
                    )

    async def _listen(self) -> None:
        """Apply the API's campaign events at once (the refresh catches any we miss)."""
        async for event in self.center.bus.subscribe():
            if event.topic == "campaign":
                with contextlib.suppress(Exception):
                    self._apply(event)

    def _apply(self, event: LiveEvent) -> None:
        data: dict[str, Any] = event.data
        runner = self.runner(uuid.UUID(str(data["campaign_id"])))
        if runner is None:
            return
        if event.kind == "Dispositioned":
            callback = data.get("callback_at")
            at = dt.datetime.fromisoformat(callback).timestamp() if callback else None
            runner.dispositioned(uuid.UUID(str(data["attempt_id"])), str(data["code"]), at)
        elif event.kind in ("PreviewAccepted", "PreviewSkipped"):
            dial = event.kind == "PreviewAccepted"
            runner.preview_answered(str(data["agent_id"]), str(data["lead_id"]), dial)
