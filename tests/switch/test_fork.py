"""An agent with two registered phones: a bridge rings both, the first to answer wins and the
other is cancelled."""

from __future__ import annotations

import asyncio
from pathlib import Path

from seatline.switch import BridgeResult, Call
from seatline.switch.outbound import best_failure

from .conftest import DOMAIN, SwitchUnderTest, needs_baresip, needs_sipp
from .harness import Baresip, run_sipp
from .test_agents import until


@needs_sipp
@needs_baresip
async def test_bridge_rings_every_phone_of_the_agent(
    switch: SwitchUnderTest, tmp_path: Path
) -> None:
    core = switch.service.core
    switch.credentials.add(DOMAIN, "alice", "right-pass", agent_id="agent-alice")
    desk = Baresip(tmp_path / "desk", "alice", "right-pass", DOMAIN, switch.port)
    # The phone that registers last is the freshest binding; it never answers by itself, so a
    # switch ringing only one contact would leave the caller unanswered.
    soft = Baresip(
        tmp_path / "soft", "alice", "right-pass", DOMAIN, switch.port, answermode="manual"
    )
    try:
        for count, phone in enumerate((desk, soft), 1):
            phone.dir.mkdir()
            await phone.start()
            await until(
                lambda n=count: len(core.registrar.find_agent("agent-alice", core.clock())) == n
            )
        outcome: asyncio.Future[BridgeResult] = asyncio.get_running_loop().create_future()

        async def to_agent(call: Call) -> None:
            outcome.set_result(await call.bridge("agent:agent-alice", timeout=6))

        switch.router.add("7300", to_agent)
        result = await run_sipp(
            "uac_pcap.xml", switch.port, switch.sipp_port, "-m", "1", service="7300"
        )
        assert result.returncode == 0, result.errors[:2000]
        bridged = await asyncio.wait_for(outcome, 5)
        assert bridged.connected, bridged
        await desk.wait_event("CALL_ESTABLISHED")
        await soft.wait_event("CALL_INCOMING")  # it rang too ...
        await soft.wait_event("CALL_CLOSED")  # ... and was cancelled when the desk answered
        assert not any(e.get("type") == "CALL_ESTABLISHED" for e in soft.events)
        assert bridged.partner is not None and bridged.partner.end_reason
    finally:
        await desk.stop()
        await soft.stop()


def test_the_most_telling_failure_is_reported() -> None:
    assert best_failure([408, 486]) == 486
    assert best_failure([503, 480]) == 480
    assert best_failure([486, 603, 404]) == 603
    assert best_failure([500, 502]) == 500
    assert best_failure([]) == 480
