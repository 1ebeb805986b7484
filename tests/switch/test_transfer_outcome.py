"""Blind transfer reports the real outcome: the final NOTIFY waits for the target to answer, and
a failed transfer puts the caller back with the agent."""

from __future__ import annotations

from pathlib import Path

import pytest

from seatline.switch import Call, HungUp, transfer
from seatline.switch.leg import Leg

from .conftest import DOMAIN, SwitchUnderTest, needs_baresip, needs_sipp
from .harness import Baresip, run_sipp, start_sipp, until_listening
from .test_agents import registered

pytestmark = [needs_sipp]


@needs_baresip
async def test_final_notify_waits_until_the_target_answers(
    switch: SwitchUnderTest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    switch.credentials.add(DOMAIN, "bob", "bob-pass", agent_id="agent-bob")
    bob = Baresip(tmp_path, "bob", "bob-pass", DOMAIN, switch.port)
    await bob.start()
    customer: list[Call] = []
    finals: list[tuple[str, bool]] = []
    real_notify = transfer.notify

    def watching_notify(core: object, leg: Leg, status_line: str, final: bool) -> None:
        if final:
            partner = customer[0].partner if customer else None
            finals.append((status_line, partner is not None and partner.answered))
        real_notify(core, leg, status_line, final)  # type: ignore[arg-type]

    monkeypatch.setattr(transfer, "notify", watching_notify)

    async def to_agent(call: Call) -> None:
        customer.append(call)
        await call.bridge(f"sip:agent@127.0.0.1:{switch.sipp_uas_port}")

    switch.router.add("7410", to_agent)
    try:
        await registered(switch, "bob")
        agent = start_sipp(
            "uas_refer.xml",
            switch.port,
            switch.sipp_uas_port,
            "-m",
            "1",
            "-key",
            "transfer_to",
            "bob",
        )
        await until_listening(switch.sipp_uas_port)
        caller = start_sipp(
            "uac_wait_bye.xml", switch.port, switch.sipp_port, "-m", "1", service="7410"
        )
        agent_result = await agent
        assert agent_result.returncode == 0, agent_result.errors[:3000]
        await bob.wait_event("CALL_ESTABLISHED")
        # The caller now talks to bob; the final NOTIFY went out only once bob had answered.
        assert finals == [("SIP/2.0 200 OK", True)]
        assert customer[0].partner is not None and customer[0].partner.answered
        await customer[0].hangup()
        assert (await caller).returncode == 0
    finally:
        await bob.stop()


async def test_failed_transfer_returns_the_caller_to_the_agent(switch: SwitchUnderTest) -> None:
    reasons: list[str] = []

    async def to_agent(call: Call) -> None:
        call.on(lambda e: isinstance(e, HungUp) and reasons.append(e.reason))
        await call.bridge(f"sip:agent@127.0.0.1:{switch.sipp_uas_port}")

    switch.router.add("7420", to_agent)
    agent = start_sipp(
        "uas_refer_fail.xml",
        switch.port,
        switch.sipp_uas_port,
        "-m",
        "1",
        "-key",
        "transfer_to",
        "nobody",
    )
    await until_listening(switch.sipp_uas_port)
    caller = await run_sipp(
        "uac_wait_bye.xml", switch.port, switch.sipp_port, "-m", "1", service="7420"
    )
    agent_result = await agent
    assert agent_result.returncode == 0, agent_result.errors[:3000]  # the NOTIFY said 404
    assert caller.returncode == 0, caller.errors[:3000]
    # Linked back to the agent, the caller ended when the agent hung up (not dropped earlier).
    assert reasons == ["partner-hangup"]
