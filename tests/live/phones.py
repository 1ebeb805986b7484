"""Agents for the live tests: a baresip phone registered to the test switch, logged in ready."""

from __future__ import annotations

from pathlib import Path

from seatline.live import LiveAcd
from seatline.routing import AgentConfig
from switch.conftest import DOMAIN, SwitchUnderTest
from switch.harness import Baresip
from switch.test_agents import until


async def agent_phone(
    switch: SwitchUnderTest, tmp: Path, acd: LiveAcd, name: str, answermode: str = "auto"
) -> Baresip:
    """Register `name`'s phone (agent id = name), add the agent to `acd`, log it in ready."""
    switch.credentials.add(DOMAIN, name, f"{name}-pass", agent_id=name)
    (tmp / name).mkdir()
    phone = Baresip(tmp / name, name, f"{name}-pass", DOMAIN, switch.port, answermode=answermode)
    await phone.start()
    core = switch.service.core
    await until(lambda: core.registrar.find_agent(name, core.clock()))
    acd.engine.add_agent(AgentConfig(name), acd.now())
    acd.agent_login(name)
    return phone
