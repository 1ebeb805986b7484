"""The demo flow on live calls: SIPp callers press keys, hear prompts, reach the queue or
serve themselves."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from seatline.flows import FlowOutcome, FlowRun, LookupSource, load_flow
from seatline.flows import actions as a
from seatline.flows import events as e
from seatline.flows.calendar import Calendar, calendar_from_dict
from seatline.live import LiveAcd, QueueOutcome
from seatline.live.flow_driver import FlowReport, drive_flow
from seatline.routing import AgentConfig, ContactRequest, QueueConfig, RoutingEngine
from seatline.switch import Call
from switch.conftest import DOMAIN, SwitchUnderTest, needs_baresip, needs_sipp
from switch.harness import Baresip, run_sipp
from switch.test_agents import until

from .callers import keys_scenario

pytestmark = [needs_sipp]

DEMO_FLOW = Path(__file__).parents[2] / "src/seatline/flows/examples/demo.yaml"
ALWAYS_OPEN = {
    "name": "support-hours",
    "time_zone": "Europe/Berlin",
    "weekly": {day: ["00:00-23:59"] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
}


class Services:
    """The flow's ports for the test: an orders table, the live ACD, files under tmp."""

    def __init__(self, acd: LiveAcd, tmp: Path) -> None:
        self.acd = acd
        self.tmp = tmp
        self.orders = {"87654321": {"status": "shipped"}}

    async def lookup(self, source: LookupSource, key: str) -> e.LookupResult | e.LookupFailed:
        assert source.kind == "table" and source.target == "orders"
        values = self.orders.get(key)
        return e.LookupResult(values is not None, values or {})

    async def enqueue(self, call: Call, action: a.Enqueue) -> QueueOutcome:
        request = ContactRequest(call.id, action.queue, priority=action.priority, vip=action.vip)
        return await self.acd.enqueue(call, request, self.tmp / f"{call.id}.wav")

    def request_callback(self, call: Call, action: a.RequestCallback) -> None:
        raise AssertionError("no callback expected")

    def prompt_path(self, prompt: str) -> Path:
        return self.tmp / f"{prompt}.wav"

    def voicemail_path(self, call: Call) -> Path:
        return self.tmp / f"voicemail-{call.id}.wav"


class Line:
    """The demo flow on a test number, with its reports."""

    def __init__(self, switch: SwitchUnderTest, tmp: Path) -> None:
        self.switch = switch
        self.tmp = tmp
        self.engine = RoutingEngine()
        self.engine.add_queue(QueueConfig("support", offer_timeout=5.0))
        self.acd = LiveAcd(self.engine)
        self.services = Services(self.acd, tmp)
        self.flow = load_flow(DEMO_FLOW.read_text(), calendars={"support-hours"})
        self.calendars: dict[str, Calendar] = {"support-hours": calendar_from_dict(ALWAYS_OPEN)}
        self.reports: list[FlowReport] = []
        self.phones: list[Baresip] = []

        async def app(call: Call) -> None:
            run = FlowRun(self.flow, calendars=self.calendars)
            started = e.Started(call.caller, call.number, contact_id=call.id)
            self.reports.append(await drive_flow(call, run, self.services, started))

        switch.router.add("7600", app)

    async def call(self, steps: list[tuple[int, str]], then_ms: int | None) -> None:
        scenario = keys_scenario(self.tmp / "caller.xml", steps, then_ms, speak=True)
        result = await run_sipp(
            scenario, self.switch.port, self.switch.sipp_port, "-m", "1", service="7600"
        )
        assert result.returncode == 0, result.errors[:3000]
        await until(lambda: self.reports, timeout=20)


@pytest.fixture
async def line(switch: SwitchUnderTest, tmp_path: Path) -> AsyncIterator[Line]:
    line = Line(switch, tmp_path)
    try:
        yield line
    finally:
        await line.acd.close()
        for phone in line.phones:
            await phone.stop()


async def test_self_service_order_status_without_an_agent(line: Line) -> None:
    # '1' (typed ahead during the welcome), then the order number and '#'.
    await line.call([(800, "1"), (1500, "87654321#")], then_ms=None)
    (report,) = line.reports
    assert report.ended is not None
    assert report.ended.outcome is FlowOutcome.HANGUP
    path = report.ended.path
    assert path[:2] == ("hours", "vip-check")
    assert "find-order" in path and "tell-status" in path
    assert report.ended.inputs["main-menu"] == ("1",)
    assert report.ended.inputs["ask-order"] == ("87654321",)
    assert report.ended.variables["order_status"] == "shipped"
    assert report.queue is None  # no agent involved


@needs_baresip
async def test_menu_two_reaches_the_agent(line: Line) -> None:
    line.switch.credentials.add(DOMAIN, "cleo", "cleo-pass", agent_id="cleo")
    (line.tmp / "cleo").mkdir()
    phone = Baresip(line.tmp / "cleo", "cleo", "cleo-pass", DOMAIN, line.switch.port)
    line.phones.append(phone)
    await phone.start()
    core = line.switch.service.core
    await until(lambda: core.registrar.find_agent("cleo", core.clock()))
    line.engine.add_agent(AgentConfig("cleo"), line.acd.now())
    line.acd.agent_login("cleo")
    await line.call([(800, "2")], then_ms=6000)
    (report,) = line.reports
    assert report.ended is not None and report.ended.outcome is FlowOutcome.ANSWERED
    assert report.ended.path[-1] == "support"
    assert report.ended.inputs["main-menu"] == ("2",)
    assert report.queue is not None and report.queue.agent_id == "cleo"
    assert report.queue.answered_at is not None
    await asyncio.wait_for(phone.wait_event("CALL_CLOSED"), 10)
