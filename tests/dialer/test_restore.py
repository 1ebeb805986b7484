"""Restoring saved leads after a restart: history, retry limits, callbacks, blocks."""

from __future__ import annotations

import zlib
from collections import Counter

import pytest

from seatline.dialer import (
    AgentReady,
    AttemptOutcome,
    Campaign,
    Dial,
    DialMode,
    DoNotCall,
    DuplicateId,
    Lead,
    LeadRecord,
    LeadScheduler,
    LeadState,
    Tick,
)

from .helpers import T0, make_config


def _saved(lead_id: str, state: LeadState = LeadState.PENDING, **fields: object) -> LeadRecord:
    number = f"+1555{zlib.crc32(lead_id.encode()) % 10**7:07d}"  # stable across runs
    return LeadRecord(Lead(lead_id, number), state, **fields)  # type: ignore[arg-type]


def _dials_over_a_week(campaign: Campaign) -> list[Dial]:
    """Drive one always-ready agent for a week: every call rings out."""
    campaign.add_agent("a1", T0)
    dials = [d for d in campaign.handle(AgentReady(T0, "a1")) if isinstance(d, Dial)]
    now = T0
    while (deadline := campaign.next_deadline()) is not None and deadline < T0 + 7 * 86400:
        now = max(now, deadline)
        dials += [d for d in campaign.handle(Tick(now)) if isinstance(d, Dial)]
    return dials


def test_pending_lead_keeps_its_due_time_or_is_due_at_once() -> None:
    scheduler = LeadScheduler(make_config())
    scheduler.restore(_saved("later", due=T0 + 600), T0)
    scheduler.restore(_saved("overdue", due=T0 - 600), T0)
    taken = scheduler.take(T0)
    assert taken is not None and taken.lead.lead_id == "overdue" and taken.due == T0
    assert scheduler.take(T0 + 599) is None
    later = scheduler.take(T0 + 600)
    assert later is not None and later.lead.lead_id == "later"


def test_history_is_kept_in_a_copy() -> None:
    saved = _saved("x", attempts=2, outcomes=Counter({AttemptOutcome.BUSY: 2}), last_dial=T0 - 9)
    scheduler = LeadScheduler(make_config())
    scheduler.restore(saved, T0)
    record = scheduler.record("x")
    assert record is not saved
    assert (record.attempts, record.outcomes, record.last_dial) == (2, saved.outcomes, T0 - 9)
    record.outcomes[AttemptOutcome.BUSY] += 1
    assert saved.outcomes[AttemptOutcome.BUSY] == 2


def test_one_attempt_short_of_the_limit_gets_exactly_one_more_dial() -> None:
    campaign = Campaign(make_config(mode=DialMode.PROGRESSIVE, max_attempts=6), now=T0)
    outcomes = Counter({AttemptOutcome.NO_ANSWER: 3, AttemptOutcome.BUSY: 2})
    campaign.restore_leads([_saved("x", attempts=5, outcomes=outcomes, due=T0)], T0)
    [dial] = _dials_over_a_week(campaign)
    record = campaign.scheduler.record("x")
    assert dial.lead_id == "x" and record.attempts == 6 and record.state is LeadState.DONE


def test_a_per_outcome_limit_still_holds_after_a_restore() -> None:
    scheduler = LeadScheduler(make_config())  # busy: three times at most
    scheduler.restore(_saved("x", attempts=2, outcomes=Counter({AttemptOutcome.BUSY: 2})), T0)
    record = scheduler.take(T0)
    assert record is not None
    scheduler.dialled(record, T0)
    scheduler.attempt_ended(record, AttemptOutcome.BUSY, T0 + 5)
    assert record.state is LeadState.DONE and record.disposition == "exhausted_busy"


def test_finished_and_blocked_leads_are_kept_but_never_dialled() -> None:
    campaign = Campaign(make_config(mode=DialMode.PROGRESSIVE), now=T0)
    done = _saved("done", LeadState.DONE, attempts=6, disposition="exhausted_no_answer")
    blocked = _saved("blocked", LeadState.BLOCKED, attempts=1, disposition="do_not_call")
    campaign.restore_leads([done, blocked], T0)
    assert _dials_over_a_week(campaign) == []
    assert campaign.scheduler.record("done").state is LeadState.DONE
    assert campaign.scheduler.record("blocked").disposition == "do_not_call"


def test_a_lead_cut_off_mid_call_is_due_at_once_with_its_attempt_counted() -> None:
    scheduler = LeadScheduler(make_config())
    for state in (LeadState.DIALING, LeadState.CONNECTED, LeadState.PREVIEWING):
        scheduler.restore(_saved(state.value, state, attempts=2, due=T0 - 60), T0)
    taken = [scheduler.take(T0) for _ in range(3)]
    assert [r.lead.lead_id for r in taken if r is not None] == ["dialing", "previewing"]
    assert all(r is None or (r.state is LeadState.PENDING and r.attempts == 2) for r in taken)
    assert all(r is None or r.due == T0 for r in taken)
    # One saved mid-conversation talked to an agent: finished, never dialled again.
    talked = scheduler.record("connected")
    assert (talked.state, talked.disposition) == (LeadState.DONE, "connected")


def test_a_lead_cut_off_on_its_last_allowed_attempt_is_finished() -> None:
    scheduler = LeadScheduler(make_config(max_attempts=3))
    scheduler.restore(_saved("x", LeadState.DIALING, attempts=3), T0)
    assert scheduler.take(T0) is None
    record = scheduler.record("x")
    assert record.state is LeadState.DONE and record.disposition == "exhausted_attempts"


def test_callbacks_come_first_and_never_early() -> None:
    scheduler = LeadScheduler(make_config())
    scheduler.restore(_saved("fresh", due=T0 - 3600), T0)
    scheduler.restore(_saved("overdue_callback", callback_at=T0 - 60, due=T0 - 60), T0)
    # Saved with a stale due time: the agreed callback time still rules.
    scheduler.restore(_saved("future_callback", callback_at=T0 + 3600, due=T0 - 60), T0)
    first = scheduler.take(T0)
    assert first is not None and first.lead.lead_id == "overdue_callback"
    second = scheduler.take(T0)
    assert second is not None and second.lead.lead_id == "fresh"
    assert scheduler.take(T0 + 3599) is None
    third = scheduler.take(T0 + 3600)
    assert third is not None and third.lead.lead_id == "future_callback"


def test_a_number_put_on_the_do_not_call_list_after_the_restore_is_blocked() -> None:
    scheduler = LeadScheduler(make_config(), DoNotCall())
    saved = _saved("x", attempts=1, due=T0 + 60)
    scheduler.restore(saved, T0)
    scheduler.dnc.add("acme", saved.lead.number)
    assert scheduler.take(T0 + 60) is None
    assert scheduler.record("x").state is LeadState.BLOCKED


def test_duplicate_ids_raise_and_a_bad_batch_adds_nothing() -> None:
    campaign = Campaign(make_config(), [Lead("a", "+1")], now=T0)
    with pytest.raises(DuplicateId):
        campaign.scheduler.restore(_saved("a"), T0)
    with pytest.raises(DuplicateId):
        campaign.restore_leads([_saved("b"), _saved("a")], T0)
    with pytest.raises(DuplicateId):
        campaign.restore_leads([_saved("c"), _saved("c")], T0)
    assert set(campaign.scheduler.records) == {"a"}


def test_abandons_of_an_earlier_run_count_in_the_window() -> None:
    campaign = Campaign(make_config(abandon_cap=0.03, abandon_window=86400.0), now=T0)
    earlier = [(T0 - 3600.0 - i, i < 3) for i in range(100)]  # 3 % abandoned an hour ago
    stale = [(T0 - 2 * 86400.0, True)] * 50  # outside the window: forgotten
    future = [(T0 + 60.0, True)]  # not yet happened: a clock skew, not an abandon
    campaign.restore_live_answers(earlier + stale + future, T0)
    assert (campaign.abandons.answered, campaign.abandons.abandoned) == (100, 3)
    assert campaign.abandon_rate == pytest.approx(0.03)
    assert campaign.abandons.budget(T0) <= 0.0  # no abandon left to spend: no dialling ahead
