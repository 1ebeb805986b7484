"""Supervision through the mixer: a supervisor listens to, then barges into, a bridged call."""

from __future__ import annotations

import asyncio

from seatline.switch import Call

from .conftest import SwitchUnderTest, needs_sipp
from .harness import free_port, run_sipp, start_sipp, until_listening
from .test_agents import until

pytestmark = [needs_sipp]


async def test_supervisor_listens_then_barges(switch: SwitchUnderTest) -> None:
    customer: asyncio.Future[Call] = asyncio.get_running_loop().create_future()

    async def to_agent(call: Call) -> None:
        customer.set_result(call)
        await call.bridge(f"sip:agent@127.0.0.1:{switch.sipp_uas_port}")

    switch.router.add("7600", to_agent)
    sup_port = free_port()
    agent = start_sipp("uas_answer.xml", switch.port, switch.sipp_uas_port, "-m", "1", "-rtp_echo")
    supervisor = start_sipp("uas_answer.xml", switch.port, sup_port, "-m", "1")
    await until_listening(switch.sipp_uas_port)
    await until_listening(sup_port)
    caller = asyncio.ensure_future(
        run_sipp("uac_pcap.xml", switch.port, switch.sipp_port, "-m", "1", service="7600")
    )
    call = await asyncio.wait_for(customer, 5)
    await until(lambda: call.partner is not None)
    monitoring = asyncio.ensure_future(call.monitor(f"sip:sup@127.0.0.1:{sup_port}", "listen"))
    await until(lambda: call._monitor is not None)
    _, agent_call, sup_call = call._monitor
    sent_before = agent_call.media.packets_out
    await asyncio.sleep(0.8)
    heard_by_supervisor = sup_call.media.packets_out
    assert heard_by_supervisor > 25  # ~50 mixed frames/s go to the supervisor
    assert agent_call.media.packets_out - sent_before > 25  # the agent still hears the caller
    call.set_monitor_mode("barge")
    await asyncio.sleep(0.3)
    assert sup_call.media.packets_out > heard_by_supervisor
    result = await caller
    assert result.returncode == 0, result.errors[:2000]
    assert await asyncio.wait_for(monitoring, 5) is True
    assert (await agent).returncode == 0
    assert (await supervisor).returncode == 0
