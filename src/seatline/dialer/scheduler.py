"""The lead scheduler: which lead to call next, and when a lead may be called again.

Every dial goes through `take(now)`, which is the one place that enforces the rules: a lead
on a do-not-call list is blocked, a lead outside its calling window waits for the window to
open, and a lead is due only after its retry spacing. Scheduled callbacks come first.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections import Counter
from collections.abc import Iterable, Iterator

from .config import CampaignConfig
from .dnc import DoNotCall
from .errors import DuplicateId, UnknownLead
from .leads import Lead, LeadRecord, LeadState
from .outcomes import AttemptOutcome, Disposition
from .windows import WindowClock

_Entry = tuple[float, int, str]  # due, sequence (FIFO among equals), lead id

# States a lead is only in while a call or a preview is in progress: a restored lead found in
# one of them was cut off by a restart, and no driver holds its call any more.
_IN_PROGRESS = frozenset({LeadState.PREVIEWING, LeadState.DIALING})


class LeadScheduler:
    """Leads of one campaign, ordered by when each may be dialled next."""

    __slots__ = ("_callbacks", "_dnc", "_queue", "_seq", "changed", "config", "records", "windows")

    def __init__(self, config: CampaignConfig, dnc: DoNotCall | None = None) -> None:
        self.config = config
        self._dnc = dnc if dnc is not None else DoNotCall()
        self.windows = WindowClock(config.window)
        self.records: dict[str, LeadRecord] = {}
        self._queue: list[_Entry] = []
        self._callbacks: list[_Entry] = []
        self._seq = itertools.count()
        # Leads changed since the driver last took them (a live runner saves just these).
        self.changed: set[str] = set()

    @property
    def dnc(self) -> DoNotCall:
        """The do-not-call lists this campaign checks."""
        return self._dnc

    def add(self, leads: Iterable[Lead], now: float) -> None:
        """Add leads, due at once (in the order given)."""
        for lead in leads:
            if lead.lead_id in self.records:
                raise DuplicateId(f"lead {lead.lead_id!r} already in campaign")
            record = LeadRecord(lead, due=now)
            self.records[lead.lead_id] = record
            self._queue.append((now, next(self._seq), lead.lead_id))
        heapq.heapify(self._queue)

    def restore(self, record: LeadRecord, now: float) -> None:
        """Add a copy of a lead saved by an earlier run, with its attempts and outcomes."""
        lead_id = record.lead.lead_id
        if lead_id in self.records:
            raise DuplicateId(f"lead {lead_id!r} already in campaign")
        callback_at = record.callback_at
        if callback_at is not None and not math.isfinite(callback_at):
            callback_at = None  # as `dispositioned` does: a callback needs a real time
        restored = LeadRecord(
            record.lead,
            state=record.state,
            attempts=record.attempts,
            outcomes=Counter(record.outcomes),
            last_dial=record.last_dial,
            due=record.due,
            callback_at=callback_at,
            disposition=record.disposition,
        )
        self.records[lead_id] = restored
        self.changed.add(lead_id)  # the driver compares it with what it saved
        if restored.state is LeadState.CONNECTED:
            # Saved mid-conversation: the person talked to an agent, so the lead is finished
            # (a disposition may still reach the attempt's record), never dialled again.
            restored.state = LeadState.DONE
            restored.disposition = restored.disposition or "connected"
            return
        if restored.state in _IN_PROGRESS:
            # The cut-off dial was counted; the lead gets another unless that was its last.
            restored.state = LeadState.PENDING
            if restored.attempts >= self.config.max_attempts and callback_at is None:
                restored.disposition = "exhausted_attempts"
                restored.state = LeadState.DONE
                return
            due = now
        elif restored.state is LeadState.PENDING:
            due = record.due if math.isfinite(record.due) else now
            if callback_at is not None:
                due = max(due, callback_at)  # never call back before the agreed time
            due = max(due, now)
        else:
            return  # DONE and BLOCKED leads are kept for the record, never dialled
        self._push(restored, due, callback=callback_at is not None)

    def record(self, lead_id: str) -> LeadRecord:
        """The record of `lead_id`."""
        try:
            return self.records[lead_id]
        except KeyError:
            raise UnknownLead(lead_id) from None

    def __iter__(self) -> Iterator[LeadRecord]:
        return iter(self.records.values())

    # -- choosing ---------------------------------------------------------------------------
    def take(self, now: float) -> LeadRecord | None:
        """The next lead that may be dialled now (still PENDING: the caller moves it), or None."""
        for heap in (self._callbacks, self._queue):
            while heap and heap[0][0] <= now:
                due, _, lead_id = heapq.heappop(heap)
                record = self.records[lead_id]
                if record.state is not LeadState.PENDING or record.due != due:
                    continue  # superseded entry (lazy removal)
                if self.dialable(record, now):
                    return record
        return None

    def dialable(self, record: LeadRecord, now: float) -> bool:
        """Check the do-not-call lists and the window; block or postpone the lead if needed."""
        lead = record.lead
        if self._dnc.blocked(self.config.tenant, lead.number):
            record.move(LeadState.BLOCKED)
            self.changed.add(lead.lead_id)
            return False
        if self.windows.is_open(lead.timezone, now):
            return True
        self.changed.add(lead.lead_id)
        opens = self.windows.next_open(lead.timezone, now)
        if opens is None:
            record.disposition = "no_calling_window"
            record.move(LeadState.DONE)
        else:
            self._push(record, opens, callback=record.callback_at is not None)
        return False

    def next_due(self) -> float | None:
        """When the earliest waiting lead becomes due (stale entries may make it early)."""
        dues = [heap[0][0] for heap in (self._callbacks, self._queue) if heap]
        return min(dues) if dues else None

    def update(self, lead: Lead) -> bool:
        """Take a corrected number or zone of a lead not being dialled; False if it is."""
        record = self.record(lead.lead_id)
        if record.state is not LeadState.PENDING:
            return False
        if record.lead != lead:
            record.lead = lead
        return True

    def touched(self, record: LeadRecord) -> None:
        """Note a change made to a lead outside the scheduler (shown to an agent)."""
        self.changed.add(record.lead.lead_id)

    def take_changed(self) -> list[str]:
        """The ids of the leads changed since the last call, and forget them."""
        changed, self.changed = self.changed, set()
        return list(changed)

    def put_back(self, record: LeadRecord, now: float) -> None:
        """A taken or previewed lead was not dialled: it is due again at once."""
        if record.state is not LeadState.PENDING:
            record.move(LeadState.PENDING)
        self._push(record, now, callback=record.callback_at is not None)

    # -- results ----------------------------------------------------------------------------
    def dialled(self, record: LeadRecord, now: float) -> None:
        """A lead is being dialled: count the attempt."""
        record.move(LeadState.DIALING)
        self.changed.add(record.lead.lead_id)
        record.attempts += 1
        record.last_dial = now
        record.callback_at = None

    def attempt_ended(self, record: LeadRecord, outcome: AttemptOutcome, now: float) -> None:
        """Apply the retry rules to an attempt that did not reach an agent."""
        record.outcomes[outcome] += 1
        self.changed.add(record.lead.lead_id)
        if outcome is AttemptOutcome.CONNECTED:
            record.move(LeadState.CONNECTED)
            return
        rule = self.config.retries.get(outcome)
        if (
            rule is not None
            and record.outcomes[outcome] < rule.max_attempts
            and record.attempts < self.config.max_attempts
        ):
            record.move(LeadState.PENDING)
            self._push(record, now + rule.spacing, callback=False)
        else:
            record.disposition = f"exhausted_{outcome}"
            record.move(LeadState.DONE)

    def dispositioned(
        self, record: LeadRecord, code: str, callback_at: float | None, now: float
    ) -> None:
        """Close a connected lead, block it, or schedule the callback the person asked for."""
        record.disposition = code
        self.changed.add(record.lead.lead_id)
        if code == Disposition.DO_NOT_CALL:
            self._dnc.add(self.config.tenant, record.lead.number)
            record.move(LeadState.BLOCKED)
        elif callback_at is not None and math.isfinite(callback_at):
            record.callback_at = max(callback_at, now)
            record.move(LeadState.PENDING)
            self._push(record, record.callback_at, callback=True)
        else:
            record.move(LeadState.DONE)

    def _push(self, record: LeadRecord, due: float, *, callback: bool) -> None:
        record.due = due
        self.changed.add(record.lead.lead_id)
        heapq.heappush(
            self._callbacks if callback else self._queue,
            (due, next(self._seq), record.lead.lead_id),
        )
