"""The campaign facade: modes, the two-second rule, ring timeout, state machines."""

from __future__ import annotations

import pytest

from seatline.dialer import (
    AgentAway,
    AgentPhase,
    AgentReady,
    AttemptOutcome,
    Bridge,
    CallEnded,
    CallResolved,
    CallResult,
    Dial,
    DialMode,
    Dispositioned,
    Hangup,
    IllegalTransition,
    LeadState,
    PacingConfig,
    PlayAbandonMessage,
    Preview,
    PreviewAccepted,
    PreviewSkipped,
    Tick,
    UnknownCall,
)

from .helpers import T0, make_campaign


def test_progressive_dials_one_call_per_free_agent_and_bridges_it() -> None:
    campaign = make_campaign(DialMode.PROGRESSIVE)
    [dial] = campaign.handle(AgentReady(T0, "a1"))
    assert isinstance(dial, Dial) and dial.agent_id == "a1" and dial.ring_timeout == 25.0
    assert campaign.agents["a1"].phase is AgentPhase.RESERVED
    assert campaign.handle(Tick(T0 + 1)) == []  # nobody else free: no second call
    [bridge] = campaign.handle(CallResolved(T0 + 8, dial.call_id, CallResult.PERSON))
    assert bridge == Bridge(dial.call_id, "a1")
    campaign.handle(CallEnded(T0 + 60, dial.call_id))
    assert campaign.agents["a1"].phase is AgentPhase.WRAP_UP
    campaign.handle(Dispositioned(T0 + 65, dial.call_id, "completed"))
    assert campaign.scheduler.record(dial.lead_id).state is LeadState.DONE
    [next_dial] = campaign.handle(AgentReady(T0 + 70, "a1"))
    assert isinstance(next_dial, Dial) and next_dial.lead_id != dial.lead_id


def test_progressive_machine_is_hung_up_and_agent_gets_next_call() -> None:
    campaign = make_campaign(DialMode.PROGRESSIVE)
    [dial] = campaign.handle(AgentReady(T0, "a1"))
    assert isinstance(dial, Dial)
    hangup, redial = campaign.handle(CallResolved(T0 + 9, dial.call_id, CallResult.MACHINE))
    assert hangup == Hangup(dial.call_id, AttemptOutcome.MACHINE)
    assert isinstance(redial, Dial) and redial.agent_id == "a1"


def test_ring_timeout_gives_up_after_the_configured_ring() -> None:
    campaign = make_campaign(DialMode.PROGRESSIVE, ring_timeout=18.0)
    [dial] = campaign.handle(AgentReady(T0, "a1"))
    assert isinstance(dial, Dial)
    assert campaign.next_deadline() == T0 + 18.0
    assert campaign.handle(Tick(T0 + 17.9)) == []
    decisions = campaign.handle(Tick(T0 + 18.0))
    assert decisions[0] == Hangup(dial.call_id, AttemptOutcome.NO_ANSWER)
    record = campaign.scheduler.record(dial.lead_id)
    assert record.outcomes[AttemptOutcome.NO_ANSWER] == 1
    # A late answer after giving up changes nothing.
    assert campaign.handle(CallResolved(T0 + 19, dial.call_id, CallResult.PERSON)) == []


def test_preview_shows_the_lead_then_dials_for_the_agent() -> None:
    campaign = make_campaign(DialMode.PREVIEW)
    [preview] = campaign.handle(AgentReady(T0, "a1"))
    assert isinstance(preview, Preview)
    assert campaign.scheduler.record(preview.lead_id).state is LeadState.PREVIEWING
    [next_preview] = campaign.handle(PreviewSkipped(T0 + 3, "a1", preview.lead_id))
    assert isinstance(next_preview, Preview) and next_preview.lead_id != preview.lead_id
    [dial] = campaign.handle(PreviewAccepted(T0 + 8, "a1", next_preview.lead_id))
    assert isinstance(dial, Dial) and dial.agent_id == "a1"
    with pytest.raises(IllegalTransition):
        campaign.handle(PreviewAccepted(T0 + 9, "a1", next_preview.lead_id))


def test_answered_person_waits_two_seconds_then_hears_the_message() -> None:
    campaign = make_campaign(DialMode.PREDICTIVE, leads=3)
    [dial] = campaign.handle(AgentReady(T0, "a1"))  # one safe call for the one free agent
    assert isinstance(dial, Dial) and dial.agent_id is None
    campaign.handle(AgentAway(T0 + 1, "a1"))  # the agent leaves before the person answers
    assert campaign.handle(CallResolved(T0 + 5, dial.call_id, CallResult.PERSON)) == []
    deadline = campaign.next_deadline()
    assert deadline is not None and deadline <= T0 + 7.0
    assert campaign.handle(Tick(T0 + 6.9)) == []
    decisions = campaign.handle(Tick(T0 + 7.0))
    assert PlayAbandonMessage(dial.call_id) in decisions
    assert campaign.abandons.abandoned == 1 and campaign.abandons.answered == 1
    record = campaign.scheduler.record(dial.lead_id)
    assert record.outcomes[AttemptOutcome.ABANDONED] == 1 and record.state is LeadState.PENDING


def test_waiting_person_takes_the_agent_who_frees_within_two_seconds() -> None:
    campaign = make_campaign(DialMode.PREDICTIVE, leads=3)
    [dial] = campaign.handle(AgentReady(T0, "a1"))
    assert isinstance(dial, Dial)
    campaign.handle(AgentAway(T0 + 1, "a1"))
    campaign.handle(CallResolved(T0 + 5, dial.call_id, CallResult.PERSON))
    decisions = campaign.handle(AgentReady(T0 + 6.5, "a1"))
    assert Bridge(dial.call_id, "a1") in decisions
    assert campaign.abandons.abandoned == 0


def test_errors_for_unknown_calls_and_illegal_agent_moves() -> None:
    campaign = make_campaign(DialMode.PROGRESSIVE)
    with pytest.raises(UnknownCall):
        campaign.handle(CallEnded(T0, "nope"))
    [dial] = campaign.handle(AgentReady(T0, "a1"))
    assert isinstance(dial, Dial)
    with pytest.raises(IllegalTransition):
        campaign.handle(AgentAway(T0 + 1, "a1"))  # reserved for a ringing call


def test_predictive_dials_ahead_once_it_has_learned() -> None:
    pacing = PacingConfig(min_outcomes=1, min_talks=1)
    # A loose cap, so that three connected persons leave room to dial ahead.
    campaign = make_campaign(DialMode.PREDICTIVE, leads=400, pacing=pacing, abandon_cap=0.9)
    for k in range(2, 11):
        campaign.add_agent(f"a{k}", T0)
    now = T0
    outstanding: list[str] = []
    for k in range(1, 11):
        decisions = campaign.handle(AgentReady(now, f"a{k}"))
        outstanding += [d.call_id for d in decisions if isinstance(d, Dial)]
    assert len(outstanding) == 10  # safe start: one call per free agent, no more
    for call_id in outstanding[:3]:
        campaign.handle(CallResolved(now + 5, call_id, CallResult.PERSON))
    for call_id in outstanding[:3]:
        campaign.handle(CallEnded(now + 30, call_id))
    most = 0
    for t in range(31, 90):
        campaign.handle(Tick(now + t))
        most = max(most, campaign.ringing)
    assert campaign.answers.n > 0 and campaign.talk.n == 3
    # Few dials bring a person: for 7 idle agents it rings far more than 7 calls.
    assert most > 50


def test_disposition_before_hang_up_and_callback() -> None:
    campaign = make_campaign(DialMode.PROGRESSIVE)
    [dial] = campaign.handle(AgentReady(T0, "a1"))
    assert isinstance(dial, Dial)
    campaign.handle(CallResolved(T0 + 6, dial.call_id, CallResult.PERSON))
    campaign.handle(Dispositioned(T0 + 40, dial.call_id, "callback", callback_at=T0 + 7200))
    campaign.handle(CallEnded(T0 + 50, dial.call_id))
    assert dial.call_id not in campaign.calls
    record = campaign.scheduler.record(dial.lead_id)
    assert record.state is LeadState.PENDING and record.callback_at == T0 + 7200
