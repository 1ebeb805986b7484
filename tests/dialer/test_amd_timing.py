"""Answering machine detection time counts in the two-second rule."""

from __future__ import annotations

from seatline.dialer import (
    AgentAway,
    AgentReady,
    AttemptOutcome,
    Bridge,
    CallResolved,
    CallResult,
    Campaign,
    Dial,
    DialMode,
    PlayAbandonMessage,
    Tick,
)

from .helpers import T0, make_campaign


def _unattended_dials(campaign: Campaign, agents: int = 1) -> list[str]:
    """Dial one call per agent ahead of them, then send every agent away (nobody free)."""
    calls: list[str] = []
    for k in range(1, agents + 1):
        calls += [
            d.call_id for d in campaign.handle(AgentReady(T0, f"a{k}")) if isinstance(d, Dial)
        ]
    for k in range(1, agents + 1):
        campaign.handle(AgentAway(T0 + 1, f"a{k}"))
    assert len(calls) == agents
    return calls


def test_half_a_second_of_detection_leaves_one_and_a_half_to_wait() -> None:
    campaign = make_campaign(DialMode.PREDICTIVE)
    [call_id] = _unattended_dials(campaign)
    answered = T0 + 10.0
    resolved = CallResolved(answered + 0.5, call_id, CallResult.PERSON, answered_at=answered)
    assert campaign.handle(resolved) == []
    assert campaign.calls[call_id].answered_at == answered
    assert PlayAbandonMessage(call_id) not in campaign.handle(Tick(answered + 1.99))
    assert PlayAbandonMessage(call_id) in campaign.handle(Tick(answered + 2.0))
    assert campaign.abandons.abandoned == 1


def test_detection_past_the_limit_abandons_at_once_when_nobody_is_free() -> None:
    campaign = make_campaign(DialMode.PREDICTIVE)
    [call_id] = _unattended_dials(campaign)
    answered = T0 + 10.0
    resolved = CallResolved(answered + 2.5, call_id, CallResult.PERSON, answered_at=answered)
    assert PlayAbandonMessage(call_id) in campaign.handle(resolved)
    assert call_id not in campaign.calls
    assert campaign.abandons.abandoned == 1 and campaign.abandons.answered == 1
    [record] = [r for r in campaign.scheduler if r.outcomes[AttemptOutcome.ABANDONED]]
    assert record.outcomes[AttemptOutcome.ABANDONED] == 1


def test_a_free_agent_takes_the_person_however_long_detection_took() -> None:
    reserved = make_campaign(DialMode.PROGRESSIVE)
    [dial] = reserved.handle(AgentReady(T0, "a1"))
    assert isinstance(dial, Dial) and dial.agent_id == "a1"
    late = CallResolved(T0 + 13.0, dial.call_id, CallResult.PERSON, answered_at=T0 + 10.0)
    assert reserved.handle(late) == [Bridge(dial.call_id, "a1")]

    idle = make_campaign(DialMode.PREDICTIVE)
    [ahead] = idle.handle(AgentReady(T0, "a1"))
    assert isinstance(ahead, Dial) and ahead.agent_id is None
    late = CallResolved(T0 + 13.0, ahead.call_id, CallResult.PERSON, answered_at=T0 + 10.0)
    assert Bridge(ahead.call_id, "a1") in idle.handle(late)
    assert idle.abandons.abandoned == 0


def test_an_answer_time_after_the_result_is_taken_as_the_result_time() -> None:
    campaign = make_campaign(DialMode.PREDICTIVE)
    [call_id] = _unattended_dials(campaign)
    # A driver's clock glitch must never stretch the wait past two seconds.
    resolved = CallResolved(T0 + 10.0, call_id, CallResult.PERSON, answered_at=T0 + 12.0)
    assert campaign.handle(resolved) == []
    assert campaign.calls[call_id].answered_at == T0 + 10.0
    assert PlayAbandonMessage(call_id) in campaign.handle(Tick(T0 + 12.0))


def test_the_person_answered_first_gets_the_next_free_agent() -> None:
    campaign = make_campaign(DialMode.PREDICTIVE, agents=2)
    first, second = _unattended_dials(campaign, agents=2)
    campaign.handle(CallResolved(T0 + 10.0, first, CallResult.PERSON, answered_at=T0 + 10.0))
    # Resolved later, but answered earlier: its detection took longer, less of its wait is left.
    campaign.handle(CallResolved(T0 + 10.5, second, CallResult.PERSON, answered_at=T0 + 9.0))
    assert Bridge(second, "a1") in campaign.handle(AgentReady(T0 + 10.6, "a1"))
    assert PlayAbandonMessage(first) in campaign.handle(Tick(T0 + 12.0))
