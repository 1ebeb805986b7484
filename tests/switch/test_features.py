"""Done-when 4: hold/resume by re-INVITE, blind transfer by REFER, CANCEL before answer."""

from __future__ import annotations

import asyncio
import dataclasses

from seatline.switch import Call, CallEvent, HoldChanged, HungUp, TrunkConfig
from seatline.switch.prompts import tone

from .conftest import SwitchUnderTest, needs_sipp
from .harness import run_sipp, start_sipp, until_listening

pytestmark = [needs_sipp]


async def test_hold_and_resume(switch: SwitchUnderTest) -> None:
    events: list[CallEvent] = []
    iterated: list[CallEvent] = []
    consumers: list[asyncio.Future[None]] = []

    async def consume(call: Call) -> None:
        async for event in call.events():
            iterated.append(event)

    async def app(call: Call) -> None:
        call.on(events.append)
        consumers.append(asyncio.ensure_future(consume(call)))
        await asyncio.sleep(0)  # let the iterator subscribe before anything happens
        await call.answer()
        await call.play(tone((440.0,), 1.0), loop=True)

    switch.router.add("7300", app)
    result = await run_sipp(
        "uac_hold.xml", switch.port, switch.sipp_port, "-m", "1", service="7300"
    )
    assert result.returncode == 0, result.errors[:3000]
    holds = [e.held for e in events if isinstance(e, HoldChanged)]
    assert holds == [True, False]
    assert isinstance(events[-1], HungUp)
    await asyncio.wait_for(consumers[0], 2)
    assert iterated == events  # the async iterator sees the same events, ending with HungUp


async def test_blind_transfer_by_refer(switch: SwitchUnderTest) -> None:
    arrived: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    async def to_agent(call: Call) -> None:
        await call.bridge(f"sip:agent@127.0.0.1:{switch.sipp_uas_port}")

    async def transfer_target(call: Call) -> None:
        arrived.set_result(call.caller)
        await call.play(tone((660.0,), 0.3))

    switch.router.add("7400", to_agent)
    switch.router.add("7401", transfer_target)
    agent = start_sipp(
        "uas_refer.xml", switch.port, switch.sipp_uas_port, "-m", "1", "-key", "transfer_to", "7401"
    )
    await until_listening(switch.sipp_uas_port)
    caller = await run_sipp(
        "uac_wait_bye.xml", switch.port, switch.sipp_port, "-m", "1", service="7400"
    )
    agent_result = await agent
    assert agent_result.returncode == 0, agent_result.errors[:3000]
    assert caller.returncode == 0, caller.errors[:3000]
    assert await asyncio.wait_for(arrived, 2) == "sipp"


async def test_cancel_before_answer_reaches_the_agent(switch: SwitchUnderTest) -> None:
    ended: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    async def to_agent(call: Call) -> None:
        call.on(lambda e: isinstance(e, HungUp) and ended.set_result(e.reason))
        await call.bridge(f"sip:agent@127.0.0.1:{switch.sipp_uas_port}")

    switch.router.add("7500", to_agent)
    agent = start_sipp("uas_ring.xml", switch.port, switch.sipp_uas_port, "-m", "1")
    await until_listening(switch.sipp_uas_port)
    caller = await run_sipp(
        "uac_cancel.xml", switch.port, switch.sipp_port, "-m", "1", service="7500"
    )
    agent_result = await agent
    assert caller.returncode == 0, caller.errors[:3000]
    assert agent_result.returncode == 0, agent_result.errors[:3000]
    assert await asyncio.wait_for(ended, 2) == "cancelled"
    assert not switch.service.core.legs


async def test_outbound_trunk_answers_a_digest_challenge(switch: SwitchUnderTest) -> None:
    core = switch.service.core
    carrier = TrunkConfig(
        "carrier",
        outbound_host="127.0.0.1",
        outbound_port=switch.sipp_uas_port,
        outbound_username="trunkuser",
        outbound_password="pw",
        outbound_prefixes=("0",),
    )
    core.config = dataclasses.replace(core.config, trunks=(*core.config.trunks, carrier))
    bridged: asyncio.Future[bool] = asyncio.get_running_loop().create_future()

    async def out(call: Call) -> None:
        bridged.set_result((await call.bridge("0312345678")).connected)

    switch.router.add("7700", out)
    carrier_run = start_sipp("uas_auth.xml", switch.port, switch.sipp_uas_port, "-m", "1")
    await until_listening(switch.sipp_uas_port)
    caller = await run_sipp(
        "uac_prompt.xml", switch.port, switch.sipp_port, "-m", "1", "-d", "500", service="7700"
    )
    assert caller.returncode == 0, caller.errors[:2000]
    assert (await carrier_run).returncode == 0
    assert await asyncio.wait_for(bridged, 2) is True
