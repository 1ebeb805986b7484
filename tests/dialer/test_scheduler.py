"""The lead scheduler: do-not-call lists, windows, retry rules, callbacks, dispositions."""

from __future__ import annotations

import pytest

from seatline.dialer import (
    AttemptOutcome,
    CallingWindow,
    CampaignConfig,
    ConfigError,
    Disposition,
    DoNotCall,
    IllegalTransition,
    Lead,
    LeadScheduler,
    LeadState,
    RetryRule,
)

from .helpers import T0, make_config


def _scheduler(**changes: object) -> LeadScheduler:
    return LeadScheduler(make_config(**changes), DoNotCall(["+1 (555) 000-0001"]))


def test_platform_and_tenant_do_not_call_lists_block() -> None:
    scheduler = _scheduler()
    scheduler.dnc.add("acme", "+15550000002")
    scheduler.dnc.add("other", "+15550000003")
    scheduler.add(
        [Lead("a", "+15550000001"), Lead("b", "+1 555 000 0002"), Lead("c", "+15550000003")], T0
    )
    taken = scheduler.take(T0)
    assert taken is not None and taken.lead.lead_id == "c"  # another tenant's list is not ours
    assert scheduler.record("a").state is LeadState.BLOCKED
    assert scheduler.record("b").state is LeadState.BLOCKED
    assert scheduler.take(T0) is None


def test_lead_outside_its_window_waits_for_it() -> None:
    config = CampaignConfig("c", window=CallingWindow(9 * 60, 21 * 60))
    scheduler = LeadScheduler(config)
    scheduler.add(
        [Lead("la", "+1", "America/Los_Angeles"), Lead("ny", "+2", "America/New_York")], T0
    )
    taken = scheduler.take(T0)  # 07:00 in LA, 10:00 in New York
    assert taken is not None and taken.lead.lead_id == "ny"
    assert scheduler.take(T0) is None
    opens = T0 + 2 * 3600  # 09:00 in LA
    assert scheduler.next_due() == opens
    later = scheduler.take(opens)
    assert later is not None and later.lead.lead_id == "la"


def test_retry_rules_space_attempts_and_cap_them() -> None:
    scheduler = _scheduler(
        retries={
            AttemptOutcome.BUSY: RetryRule(2, 600.0),
            AttemptOutcome.NO_ANSWER: RetryRule(5, 60.0),
        },
        max_attempts=3,
    )
    scheduler.add([Lead("x", "+15551112222")], T0)
    record = scheduler.take(T0)
    assert record is not None
    scheduler.dialled(record, T0)
    scheduler.attempt_ended(record, AttemptOutcome.BUSY, T0 + 3)
    assert scheduler.take(T0 + 602) is None  # spacing runs from the end of the attempt
    again = scheduler.take(T0 + 603)
    assert again is record
    scheduler.dialled(record, T0 + 603)
    scheduler.attempt_ended(record, AttemptOutcome.BUSY, T0 + 606)
    assert record.state is LeadState.DONE  # two busies is the busy rule's maximum
    assert record.attempts == 2


def test_total_attempts_cap_and_unknown_outcome_ends_lead() -> None:
    scheduler = _scheduler(retries={AttemptOutcome.NO_ANSWER: RetryRule(9, 0.0)}, max_attempts=2)
    scheduler.add([Lead("x", "+1")], T0)
    for k in range(2):
        record = scheduler.take(T0 + k)
        assert record is not None
        scheduler.dialled(record, T0 + k)
        scheduler.attempt_ended(record, AttemptOutcome.NO_ANSWER, T0 + k)
    assert scheduler.record("x").state is LeadState.DONE
    scheduler.add([Lead("y", "+2")], T0)
    y = scheduler.take(T0)
    assert y is not None
    scheduler.dialled(y, T0)
    scheduler.attempt_ended(y, AttemptOutcome.FAILED, T0)  # no rule for failures: done
    assert y.state is LeadState.DONE


def test_callback_comes_first_when_due_and_do_not_call_disposition_blocks() -> None:
    scheduler = _scheduler()
    scheduler.add([Lead("a", "+100"), Lead("b", "+200"), Lead("c", "+300")], T0)
    a = scheduler.take(T0)
    assert a is not None
    scheduler.dialled(a, T0)
    scheduler.attempt_ended(a, AttemptOutcome.CONNECTED, T0 + 10)
    scheduler.dispositioned(a, Disposition.CALLBACK, T0 + 3600, T0 + 100)
    assert a.state is LeadState.PENDING
    first = scheduler.take(T0 + 3600)
    assert first is a  # the callback beats the fresh lead b
    scheduler.dialled(a, T0 + 3600)
    scheduler.attempt_ended(a, AttemptOutcome.CONNECTED, T0 + 3610)
    scheduler.dispositioned(a, Disposition.DO_NOT_CALL, None, T0 + 3700)
    assert a.state is LeadState.BLOCKED
    assert scheduler.dnc.blocked("acme", "+100")


def test_illegal_lead_transition_and_bad_config_raise() -> None:
    scheduler = _scheduler()
    scheduler.add([Lead("a", "+1")], T0)
    with pytest.raises(IllegalTransition):
        scheduler.attempt_ended(scheduler.record("a"), AttemptOutcome.BUSY, T0)
    with pytest.raises(ConfigError):
        CampaignConfig("c", ring_timeout=14.9)
    with pytest.raises(ConfigError):
        CampaignConfig("c", abandon_cap=0.0)
    with pytest.raises(ConfigError):
        CampaignConfig("c", max_wait_for_agent=2.5)


def test_changed_leads_are_reported_once_for_the_driver_to_save() -> None:
    scheduler = _scheduler()
    scheduler.add([Lead("blocked", "+15550000001"), Lead("x", "+15551112222")], T0)
    assert scheduler.take_changed() == []  # added leads are as the driver gave them
    record = scheduler.take(T0)  # passes the blocked lead on the way
    assert record is not None and record.lead.lead_id == "x"
    scheduler.dialled(record, T0)
    assert sorted(scheduler.take_changed()) == ["blocked", "x"]
    assert scheduler.take_changed() == []
    scheduler.attempt_ended(record, AttemptOutcome.BUSY, T0 + 3)
    assert scheduler.take_changed() == ["x"]


def test_a_pending_lead_takes_a_corrected_number_a_dialled_one_does_not() -> None:
    scheduler = _scheduler()
    scheduler.add([Lead("x", "+15551112222"), Lead("y", "+15553334444")], T0)
    record = scheduler.take(T0)
    assert record is not None and record.lead.lead_id == "x"
    scheduler.dialled(record, T0)
    assert not scheduler.update(Lead("x", "+15559990000"))
    assert scheduler.update(Lead("y", "+15559990000", "Europe/Berlin"))
    assert scheduler.record("y").lead == Lead("y", "+15559990000", "Europe/Berlin")
    assert scheduler.record("x").lead.number == "+15551112222"
