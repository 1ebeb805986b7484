"""The contact center on one node: a dialled number starts its tenant's flow, the flow queues
the caller, the routing engine picks an agent, and a contact record is saved when it ends.

It sits in the service layer: it reads the store, drives the switch's calls, and keeps one
`LiveAcd` (routing engine) per tenant in step with the store by polling, so queue, agent and
flow edits apply without a restart and without dropping anyone.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import logging
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from seatline.flows import FlowRun
from seatline.flows import actions as a
from seatline.flows import events as e
from seatline.flows.model import LookupSource
from seatline.guard.outbound import DialScope
from seatline.live.acd import NO_PHONE, LiveAcd, QueueOutcome, QueueResult
from seatline.live.bus import EventBus, LiveEvent, default_bus
from seatline.live.campaigns import CampaignDialers
from seatline.live.config import NumberEntry, TenantConfig, load_tenants
from seatline.live.flow_driver import FlowReport, drive_flow
from seatline.live.lookups import webhook_lookup
from seatline.live.records import CallFacts, callback_record, contact_record
from seatline.live.waiting import WaitingPolicy
from seatline.routing import (
    AgentState,
    AgentStateChanged,
    ContactRequest,
    QueueNotEmpty,
    RoutingEngine,
    RoutingError,
    RoutingEvent,
)
from seatline.store.agent_state import (
    AGENT_STATE_REQUESTED,
    NO_ANSWER_REASON,
    NO_PHONE_REASON,
    request_ready,
    set_agent_not_ready,
)
from seatline.store.contacts import ContactRecord, save_contact_record
from seatline.store.seats import LOGIN_REASON
from seatline.switch import Call, SwitchService
from seatline.switch.router import CallHandler

if TYPE_CHECKING:
    from seatline.store.db import Database

__all__ = ["ContactCenter", "TenantDesk"]

# Pauses the routing engine makes by itself, and the reason the store knows them by.
_SYSTEM_PAUSES = {"no answer": NO_ANSWER_REASON, NO_PHONE: NO_PHONE_REASON}

log = logging.getLogger(__name__)


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class TenantDesk:
    """One tenant's running routing engine, kept in step with its stored configuration."""

    def __init__(
        self,
        config: TenantConfig,
        bus: EventBus,
        on_callback_record: Callable[[ContactRecord], None] | None = None,
    ) -> None:
        self.config = config
        self.bus = bus
        self.on_callback_record = on_callback_record  # the center saves it
        self.engine = RoutingEngine()
        self.acd = LiveAcd(self.engine, self._publish, self._callback_done)
        self.logged_in: set[str] = set()
        self.seen: dict[str, tuple[bool, str | None]] = {}  # the stored wish last applied
        self.on_system_pause: Callable[[TenantDesk, str, str], None] | None = None
        # Agents a campaign holds (reserved, on an outbound call, in its wrap-up): inbound
        # routing sees them not ready, and the agent's own wish waits until they are released.
        self.held: dict[str, str] = {}
        self.watchers: list[Callable[[RoutingEvent], None]] = []  # campaigns follow the agents
        self.apply(config)

    def apply(self, config: TenantConfig) -> None:
        """Bring the engine to `config`: new and changed queues and agents, logins, logouts."""
        now = self.acd.now()
        old = self.config if self.config is not config else None
        for name, queue in config.queues.items():
            try:
                if old is None or name not in old.queues:
                    self.engine.add_queue(queue, now)
                elif old.queues[name] != queue:
                    self.engine.update_queue(queue, now)
            except RoutingError as error:
                log.error("tenant %s: queue %s not applied: %s", config.slug, name, error)
        for agent_id, agent in config.agents.items():
            try:
                if old is None or agent_id not in old.agents:
                    self.engine.add_agent(agent, now)
                elif old.agents[agent_id] != agent:
                    self.engine.update_agent(agent, now)
            except RoutingError as error:
                log.error("tenant %s: agent %s not applied: %s", config.slug, agent_id, error)
        if old is not None:
            self._remove_deleted(old, config, now)
        for agent_id in sorted(config.logged_in - self.logged_in):
            ready, _ = config.readiness.get(agent_id, (False, LOGIN_REASON))
            with contextlib.suppress(RoutingError):
                self.acd.agent_login(agent_id, ready=ready)
                self.logged_in.add(agent_id)
                self.seen[agent_id] = config.readiness.get(agent_id, (ready, None))
        for agent_id in sorted(self.logged_in - config.logged_in):
            if agent_id in self.held:
                continue  # on an outbound call: logged out at a refresh after it ends
            try:
                self.acd.agent_logout(agent_id)
                self.logged_in.discard(agent_id)
                self.seen.pop(agent_id, None)
            except RoutingError:
                pass  # on a call: logged out at the next refresh after it ends
        for agent_id in sorted(self.logged_in & config.logged_in):
            wish = config.readiness.get(agent_id)
            if wish is None or wish == self.seen.get(agent_id):
                continue  # only a change the agent (or a supervisor) made is applied
            self.seen[agent_id] = wish
            if agent_id not in self.held:  # a held agent gets its wish when released
                self._apply_wish(agent_id)
        # Edits and removals may re-route, withdraw offers or move contacts: carry that out.
        self.acd.settle()
        self.config = config

    def _apply_wish(self, agent_id: str) -> None:
        ready, reason = self.seen.get(agent_id, (True, None))
        with contextlib.suppress(RoutingError):
            if ready:
                self.acd.set_ready(agent_id)
            else:
                self.acd.set_not_ready(agent_id, reason or "not-ready")

    def hold(self, agent_id: str, reason: str) -> bool:
        """Take a free agent away from inbound routing for a campaign; False if not possible."""
        if agent_id in self.held:
            return True
        # Held first: the pause below is published at once, and watchers must see it as ours.
        self.held[agent_id] = reason
        try:
            self.acd.set_not_ready(agent_id, reason)
        except RoutingError:
            del self.held[agent_id]
            return False
        return True

    def release(self, agent_id: str, pause: str | None = None) -> None:
        """Give a held agent back to inbound routing, as it last asked to be (or paused)."""
        if self.held.pop(agent_id, None) is None:
            return
        if pause is not None:
            with contextlib.suppress(RoutingError):
                self.acd.set_not_ready(agent_id, pause)
        else:
            self._apply_wish(agent_id)

    def _remove_deleted(self, old: TenantConfig, config: TenantConfig, now: float) -> None:
        """Queues and agents deleted from the store leave the engine without losing anyone.

        A queue someone still waits in stays until it is empty (kept in `config`, so the
        next refresh tries again); an agent on a call leaves once the call ends.
        """
        for name in sorted(set(old.queues) - set(config.queues)):
            try:
                self.engine.remove_queue(name, now)
            except QueueNotEmpty:
                config.queues[name] = old.queues[name]
            except RoutingError as error:
                log.error("tenant %s: queue %s not removed: %s", config.slug, name, error)
        for agent_id in sorted(set(old.agents) - set(config.agents)):
            with contextlib.suppress(RoutingError):
                self.engine.remove_agent(agent_id, now)
            self.logged_in.discard(agent_id)
            self.seen.pop(agent_id, None)

    def _publish(self, event: RoutingEvent) -> None:
        for watcher in self.watchers:
            watcher(event)
        data = {f.name: str(getattr(event, f.name)) for f in dataclasses.fields(event)}
        if (
            isinstance(event, AgentStateChanged)
            and event.new is AgentState.NOT_READY
            and event.reason in _SYSTEM_PAUSES
            and self.on_system_pause is not None
        ):
            self.on_system_pause(self, event.agent_id, _SYSTEM_PAUSES[event.reason])
        topic = "agent" if isinstance(event, AgentStateChanged) else "contact"
        self.bus.publish(LiveEvent(topic, str(self.config.tenant_id), type(event).__name__, data))

    def _callback_done(self, contact_id: str, outcome: QueueOutcome) -> None:
        self.bus.publish(
            LiveEvent(
                "contact",
                str(self.config.tenant_id),
                "CallbackDone",
                {"contact_id": contact_id, "result": outcome.result.value},
            )
        )
        if self.on_callback_record is not None:
            self.on_callback_record(callback_record(self.config.tenant_id, contact_id, outcome))


@dataclass
class _Services:
    """The flow's ports for one call of one tenant."""

    center: ContactCenter
    desk: TenantDesk
    contact_id: str
    recording: Path

    async def lookup(self, source: LookupSource, key: str) -> e.LookupResult | e.LookupFailed:
        """A tenant table row or a webhook's JSON object."""
        if source.kind == "table":
            from seatline.store.lookups import lookup

            try:
                async with self.center.database.sessions() as session:
                    values = await lookup(session, self.desk.config.tenant_id, source.target, key)
            except Exception as error:
                log.warning("lookup in %s failed: %s", source.target, error)
                return e.LookupFailed(str(error))
            return e.LookupResult(values is not None, dict(values or {}))
        return await webhook_lookup(source, key, allow_private=self.center.allow_private_networks)

    async def enqueue(self, call: Call, action: a.Enqueue) -> QueueOutcome:
        """Queue the caller in the tenant's engine; the conversation is recorded."""
        request = ContactRequest(
            self.contact_id,
            action.queue,
            priority=action.priority,
            vip=action.vip,
            attributes={
                k: v
                for k, v in action.attributes.items()
                if isinstance(v, str | int | float | bool)
            },
            requirement=action.requirement,
        )
        try:
            return await self.desk.acd.enqueue(
                call,
                request,
                self.recording,
                waiting_policy=self.center.waiting_policy,
                leave_when_unstaffed=True,
            )
        except RoutingError as error:
            log.error("cannot queue %s in %s: %s", self.contact_id, action.queue, error)
            now = self.desk.acd.wall()
            return QueueOutcome(QueueResult.REJECTED, action.queue, now, now, reason=str(error))

    def request_callback(self, call: Call, action: a.RequestCallback) -> None:
        """Book a callback in the queue: an agent who frees up dials `action.number` back."""
        request = ContactRequest(
            self.contact_id,
            action.queue,
            priority=action.priority,
            vip=action.vip,
            requirement=action.requirement,
        )
        try:
            self.desk.acd.book_callback(self.center.service.core, call, request, action.number)
        except RoutingError as error:
            log.error("callback for %s not booked in %s: %s", self.contact_id, action.queue, error)

    def prompt_path(self, prompt: str) -> Path:
        """Tenant prompts live under the data directory."""
        safe = Path(prompt).name  # a flow names a prompt, never a path elsewhere
        return self.center.data_dir / "prompts" / self.desk.config.slug / f"{safe}.wav"

    def voicemail_path(self, call: Call) -> Path:
        """Voicemail next to the recordings, named after the contact."""
        return self.recording.with_name(f"{self.contact_id}-voicemail.wav")


class ContactCenter:
    """Numbers → flows → queues → agents on this node, with a record per contact."""

    def __init__(
        self,
        database: Database,
        service: SwitchService,
        data_dir: Path,
        refresh_seconds: float = 2.0,
        bus: EventBus | None = None,
        refresh_trunks: Callable[[], Awaitable[object]] | None = None,
        allow_private_networks: bool = False,
    ) -> None:
        self.database = database
        self.service = service
        # The operator's `allow_private_networks`: may tenants' webhooks reach private hosts?
        self.allow_private_networks = allow_private_networks
        # The switch's trunks are polled on their own (slower) clock; a campaign about to start
        # asks for them first, so one set up with its trunk a moment ago finds its route.
        self.refresh_trunks = refresh_trunks
        self.data_dir = data_dir
        self.refresh_seconds = refresh_seconds
        self.bus = bus or default_bus()
        self.waiting_policy = WaitingPolicy()
        self.desks: dict[uuid.UUID, TenantDesk] = {}
        self.numbers: dict[str, NumberEntry] = {}
        self.saved: list[uuid.UUID] = []  # contact ids saved by this node, newest last
        self._refreshing: asyncio.Task[None] | None = None
        self._saving: set[asyncio.Task[None]] = set()
        self.dialers = CampaignDialers(self)

    async def start(self) -> None:
        """Load every tenant and take its numbers, then keep both fresh."""
        self._record_builtins()
        await self.refresh()
        self.dialers.start()
        self._refreshing = asyncio.create_task(self._refresh_forever())

    async def stop(self) -> None:
        """Stop refreshing and every ACD's timers and rings."""
        if self._refreshing is not None:
            self._refreshing.cancel()
            await asyncio.gather(self._refreshing, return_exceptions=True)
        await self.dialers.stop()
        for desk in self.desks.values():
            await desk.acd.close()
        await asyncio.gather(*self._saving, return_exceptions=True)

    async def refresh(self) -> None:
        """Re-read the store and apply it to the running desks."""
        async with self.database.sessions() as session:
            tenants = await load_tenants(session)
        numbers: dict[str, NumberEntry] = {}
        for tenant_id, config in tenants.items():
            desk = self.desks.get(tenant_id)
            if desk is None:
                desk = TenantDesk(config, self.bus, self._save_soon)
                desk.on_system_pause = self._pause_in_store
                self.desks[tenant_id] = desk
            else:
                desk.apply(config)
            numbers.update(config.numbers)
        self._route_numbers(numbers)
        # What each tenant's legs may dial: its own trunks (or shared ones) and its dial rules.
        self.service.core.replace_scopes(
            DialScope(str(tenant_id), config.dial_rules) for tenant_id, config in tenants.items()
        )
        self._wake_agents_with_phones()
        await self.dialers.refresh()

    def _record_builtins(self) -> None:
        """The switch's built-in test numbers (9000 prompt loop, 9001 echo) keep their
        applications, and each call to them leaves a contact record like any other."""
        router = self.service.router
        for number, handler in router.exact().items():
            router.add(number, self._recorded_builtin(number, handler))

    def _recorded_builtin(self, number: str, handler: CallHandler) -> CallHandler:
        async def recorded(call: Call) -> None:
            arrived = _utc_now()
            try:
                await handler(call)
            finally:
                await self._save_builtin_call(call, number, handler, arrived)

        return recorded

    async def _save_builtin_call(
        self, call: Call, number: str, handler: CallHandler, arrived: dt.datetime
    ) -> None:
        """The record of a built-in test call, in the tenant of the caller's trunk or phone."""
        try:
            tenant_id = uuid.UUID(call.tenant_id)
        except ValueError:
            return  # a caller of no tenant (a lab switch): nobody to keep the record for
        if tenant_id not in self.desks:
            return
        what = f"built-in test number {number} ({getattr(handler, '__name__', 'app')})"
        ended = a.FlowEnded(a.FlowOutcome.HANGUP, what, (f"builtin-{number}",), {}, {})
        report = FlowReport(ended=ended, ended_at=_utc_now())
        facts = CallFacts(
            tenant_id,
            uuid.uuid4(),
            call.id,
            call.number,
            call.caller,
            "",
            arrived,
            _utc_now(),
            call.end_reason or what,
            None,
            None,
            None,
        )
        await self._save(contact_record(facts, report))

    def _route_numbers(self, numbers: dict[str, NumberEntry]) -> None:
        """Route exactly the tenants' numbers to their flows (a built-in route stays first).

        Exact routes, not a catch-all: a transfer to any other number leaves through the
        tenant's trunks instead of coming back here as an unknown number.
        """
        router = self.service.router
        for number in set(self.numbers) - set(numbers):
            if router.route(number) == self.handle_call:
                router.remove(number)
        for number in numbers:
            if router.route(number) is None:
                router.add(number, self.handle_call)
        self.numbers = numbers

    def _pause_in_store(self, desk: TenantDesk, agent_id: str, reason: str) -> None:
        """Write a pause the engine made (no answer, no phone) so the agent and API see it."""
        desk.seen[agent_id] = (False, reason)

        async def write() -> None:
            try:
                async with self.database.sessions() as session:
                    state = await set_agent_not_ready(session, agent_id, reason, _utc_now())
            except Exception:
                log.warning("could not record the pause of agent %s", agent_id, exc_info=True)
                return
            self.bus.publish(
                LiveEvent("agent", str(state.tenant_id), AGENT_STATE_REQUESTED, state.as_data())
            )

        self._spawn(write())

    def _ready_in_store(self, desk: TenantDesk, agent_id: str) -> None:
        """An agent whose phone came back is ready again, in the store too."""
        desk.seen[agent_id] = (True, None)

        async def write() -> None:
            try:
                async with self.database.transaction() as session:
                    await request_ready(
                        session, desk.config.tenant_id, uuid.UUID(agent_id), _utc_now()
                    )
            except Exception:
                log.warning("could not record agent %s as ready", agent_id, exc_info=True)

        self._spawn(write())

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._saving.add(task)
        task.add_done_callback(self._saving.discard)

    def _wake_agents_with_phones(self) -> None:
        """Agents paused because no phone was registered get calls again once one is."""
        core = self.service.core
        now = core.clock()
        for desk in self.desks.values():
            for agent in desk.engine.snapshot(desk.acd.now()).agents:
                if agent.reason == NO_PHONE and core.registrar.find_agent(agent.agent_id, now):
                    with contextlib.suppress(RoutingError):
                        desk.acd.set_ready(agent.agent_id)
                        self._ready_in_store(desk, agent.agent_id)

    async def _refresh_forever(self) -> None:
        while True:
            await asyncio.sleep(self.refresh_seconds)
            try:
                await self.refresh()
            except Exception:
                log.warning("could not refresh the contact center from the store", exc_info=True)

    # -- one call ------------------------------------------------------------------------
    async def handle_call(self, call: Call) -> None:
        """Run the dialled number's flow on `call` and save the contact record."""
        entry = self.numbers.get(call.number)
        if entry is None:
            await call.reject(404)
            return
        desk = self.desks[entry.tenant_id]
        arrived = _utc_now()
        contact_id = uuid.uuid4()
        call.tenant_id = str(entry.tenant_id)
        day = arrived.strftime("%Y-%m-%d")
        recording = self.data_dir / "recordings" / desk.config.slug / day / f"{contact_id}.wav"
        report = FlowReport()
        end_reason = ""
        try:
            if entry.flow is None:
                await call.reject(503)  # the number's flow does not validate: say so, plainly
                end_reason = f"flow not valid: {entry.problem[:200]}"
            else:
                config = desk.config
                run = FlowRun(entry.flow, calendars=config.calendars, dial_rules=config.dial_rules)
                services = _Services(self, desk, str(contact_id), recording)
                started = e.Started(call.caller, call.number, contact_id=str(contact_id))
                report = await drive_flow(call, run, services, started)
                if report.transfer_status == 200:
                    # Handed on (to a number's own flow, or out through a trunk): the caller
                    # talks on, and the record waits for the end of the whole call.
                    await call.wait_ended()
        finally:
            if not call.ended:
                await call.hangup()
            end_reason = end_reason or call.end_reason
            facts = CallFacts(
                entry.tenant_id,
                contact_id,
                call.id,
                call.number,
                call.caller,
                "",
                arrived,
                _utc_now(),
                end_reason,
                entry.flow_id,
                entry.flow_name,
                entry.flow_version,
            )
            await self._save(contact_record(facts, report, recording))

    def _save_soon(self, record: ContactRecord) -> None:
        """Save a record from synchronous code (a callback call that just ended)."""
        self._spawn(self._save(record))

    async def _save(self, record: ContactRecord) -> None:
        """Write the record now (committed before the call's task ends)."""
        try:
            async with self.database.sessions() as session:
                await save_contact_record(session, record)
        except Exception:
            log.exception("contact record %s could not be saved", record.contact_id)
            return
        self.saved.append(record.contact_id)
        self.bus.publish(
            LiveEvent(
                "contact",
                str(record.tenant_id),
                "ContactRecorded",
                {"contact_id": str(record.contact_id), "outcome": record.outcome.value},
            )
        )
