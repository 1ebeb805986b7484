"""The async call API the rest of Seatline programs against: one `Call` per leg.

Contact flows and the dialer use only this: answer, play, say, collect digits, record,
bridge, transfer, hang up, and the call's events. SIP details stay in `dialogs.py`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from asyncio import FIRST_COMPLETED
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from seatline.rtp.mixer import MonitorMode, monitor_routes
from seatline.switch.conference import Conference
from seatline.switch.errors import CallEnded, SwitchError, TargetNotFound
from seatline.switch.events import (
    Answered,
    CallEvent,
    DtmfReceived,
    HoldChanged,
    HungUp,
    Progress,
    Transferred,
)
from seatline.switch.leg import Leg, LegState
from seatline.switch.prompts import Audio, encode_audio, ringback, synthesize
from seatline.switch.recorder import Recorder

if TYPE_CHECKING:
    from seatline.switch.core import SipCore
    from seatline.switch.media import RtpSession
    from seatline.switch.router import CallHandler

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class BridgeResult:
    """How a bridge ended: whether it connected, the far end's final status, and to whom."""

    connected: bool
    status: int
    partner: Call | None = None


class Call:
    """One leg of a call as the application sees it."""

    def __init__(self, core: SipCore, leg: Leg, number: str, caller: str, inbound: bool) -> None:
        self.core = core
        self.leg = leg
        self.number = number
        self.caller = caller
        self.inbound = inbound
        self.agent_id: str | None = None
        self.tenant_id = ""
        self.trunk_name: str | None = None  # the carrier trunk an inbound call came through
        self.partner: Call | None = None
        self.end_reason = ""
        self.held = False
        loop = asyncio.get_running_loop()
        self._ended: asyncio.Future[None] = loop.create_future()
        self._answer: asyncio.Future[int] = loop.create_future()
        self._digits: asyncio.Queue[str | None] = asyncio.Queue()
        self._queues: list[asyncio.Queue[CallEvent]] = []
        self._callbacks: list[Callable[[CallEvent], Any]] = []
        self._owners = 0
        self._link_changed = asyncio.Event()
        self._recorder: Recorder | None = None
        self._progress_hook: Callable[[int], None] | None = None
        self._monitor: tuple[Conference, Call, Call] | None = None
        self._barge_in: asyncio.Event | None = None  # set by a digit while a prompt may be cut
        leg.call = self

    def __repr__(self) -> str:
        return f"<Call {self.leg.call_id} {self.number} {self.leg.state.value}>"

    # -- state -------------------------------------------------------------------------------
    @property
    def id(self) -> str:
        """The leg's Call-ID."""
        return self.leg.call_id

    @property
    def answered(self) -> bool:
        """Whether the leg is connected."""
        return self.leg.state is LegState.CONFIRMED

    @property
    def ended(self) -> bool:
        """Whether the leg is over."""
        return self.leg.ended

    @property
    def media(self) -> RtpSession:
        """The leg's RTP session."""
        assert self.leg.media is not None, "call has no media yet"
        return self.leg.media

    def attach_media(self, media: RtpSession) -> None:
        """Give the leg its RTP session."""
        self.leg.media = media
        media.on_dtmf = self.on_dtmf

    # -- events ------------------------------------------------------------------------------
    def on(self, callback: Callable[[CallEvent], Any]) -> None:
        """Call `callback(event)` for every later event."""
        self._callbacks.append(callback)

    async def events(self) -> AsyncIterator[CallEvent]:
        """Iterate over the call's events until (and including) `HungUp`."""
        queue: asyncio.Queue[CallEvent] = asyncio.Queue()
        self._queues.append(queue)
        try:
            if self.ended:
                yield HungUp(self.end_reason)
                return
            while True:
                event = await queue.get()
                yield event
                if isinstance(event, HungUp):
                    return
        finally:
            self._queues.remove(queue)

    def _emit(self, event: CallEvent) -> None:
        for queue in self._queues:
            queue.put_nowait(event)
        for callback in self._callbacks:
            try:
                callback(event)
            except Exception:
                log.exception("call event callback failed")

    def on_dtmf(self, digit: str) -> None:
        """A digit arrived from the network."""
        self._digits.put_nowait(digit)
        if self._barge_in is not None:
            self._barge_in.set()
        self._emit(DtmfReceived(digit))

    def on_hold_changed(self, held: bool) -> None:
        """The far end held or resumed."""
        if held != self.held:
            self.held = held
            self._emit(HoldChanged(held))

    def on_progress(self, status: int) -> None:
        """An outbound leg rings (180) or has early media (183)."""
        self._emit(Progress(status))
        if self._progress_hook is not None:
            self._progress_hook(status)

    def on_answered(self) -> None:
        """An outbound leg was answered."""
        if not self._answer.done():
            self._answer.set_result(200)
        self._emit(Answered())

    def outbound_failed(self, status: int) -> None:
        """An outbound leg got a final error (or timed out)."""
        if not self._answer.done():
            self._answer.set_result(status)
        self.terminate(f"failed-{status}", send=False)

    # -- running applications ----------------------------------------------------------------
    async def run(self, handler: CallHandler) -> None:
        """Run an application on this call; the last one to finish hangs up."""
        self._owners += 1
        await self._own(handler)

    async def _own(self, handler: CallHandler) -> None:
        """Run `handler` under an ownership already counted, releasing it when done."""
        failed = False
        try:
            await handler(self)
        except CallEnded:
            pass
        except Exception:
            failed = True
            log.exception("call application failed on %s", self)
        finally:
            self._owners -= 1
            if self._owners == 0 and not self.ended:
                if self.inbound and not self.answered:
                    from seatline.switch import dialogs

                    dialogs.reject(self.core, self, 500 if failed else 480)
                else:
                    self.terminate("application-done")

    # -- the API -----------------------------------------------------------------------------
    def _check(self) -> None:
        if self.ended:
            raise CallEnded(f"call {self.id} ended ({self.end_reason})")

    async def answer(self) -> None:
        """Answer an inbound call (200 OK with SDP); for an outbound one, wait for the answer."""
        self._check()
        if self.answered:
            return
        if not self.inbound:
            await self.wait_answer()
            return
        from seatline.switch import dialogs

        dialogs.answer(self.core, self.leg)
        self._emit(Answered())

    async def ring(self, early_media: bool = False) -> None:
        """Tell an inbound caller we ring: 180, or 183 with a ringback tone as early media."""
        self._check()
        if self.answered or not self.inbound:
            return
        from seatline.switch import dialogs

        if early_media:
            dialogs.answer(self.core, self.leg, status=183)
            self.media.play(encode_audio(ringback(), self.media.codec), loop=True)
        elif self.leg.state is LegState.INCOMING:
            dialogs.ring(self.core, self.leg)

    async def reject(self, status: int = 486) -> None:
        """Refuse an inbound call that is not answered yet."""
        self._check()
        from seatline.switch import dialogs

        dialogs.reject(self.core, self, status)

    async def wait_answer(self, timeout: float | None = None) -> int:
        """Wait for an outbound leg's final status (200 when answered, 408 on timeout)."""
        try:
            return await asyncio.wait_for(asyncio.shield(self._answer), timeout)
        except TimeoutError:
            return 408

    async def play(self, audio: Audio, loop: bool = False, barge_in: bool = False) -> None:
        """Play a WAV file or 8 kHz PCM; returns when done, raises `CallEnded` on hang-up.

        With `barge_in`, a key the caller presses cuts the prompt short (the digit stays queued
        for `collect_digits`), as callers who know the menu expect.
        """
        self._check()
        if barge_in and not self._digits.empty():
            return
        done = self.media.play(encode_audio(audio, self.media.codec), loop)
        if barge_in:
            self._barge_in = asyncio.Event()
            pressed = asyncio.ensure_future(self._barge_in.wait())
            waiters: set[asyncio.Future[Any]] = {done, pressed}
            try:
                await asyncio.wait(waiters, return_when=FIRST_COMPLETED)
            finally:
                pressed.cancel()
                self._barge_in = None
            if not done.done():
                self.stop_playing()
        else:
            await done
        self._check()

    async def say(self, text: str, voice: str = "en", barge_in: bool = False) -> None:
        """Speak `text` with espeak-ng (raises `SpeechUnavailable` without it)."""
        await self.play(await synthesize(text, voice), barge_in=barge_in)

    def stop_playing(self) -> None:
        """Cut the current prompt short."""
        if self.leg.media is not None:
            self.leg.media.stop_playing()

    async def collect_digits(
        self,
        max_digits: int = 1,
        timeout: float = 5.0,
        inter_digit_timeout: float = 3.0,
        terminator: str | None = "#",
    ) -> str:
        """Collect up to `max_digits` (type-ahead kept); stops at the terminator or a timeout."""
        digits = ""
        while len(digits) < max_digits:
            self._check()
            wait = timeout if not digits else inter_digit_timeout
            try:
                digit = await asyncio.wait_for(self._digits.get(), wait)
            except TimeoutError:
                break
            if digit is None:
                self._check()
                continue
            if terminator is not None and digit == terminator:
                break
            digits += digit
        return digits

    def send_dtmf(self, digits: str) -> None:
        """Send RFC 4733 events to the far end."""
        self._check()
        self.media.send_dtmf(digits)

    def start_recording(self, path: str | Path, max_seconds: float = 3600.0) -> Recorder:
        """Record this leg to a stereo WAV: channel 0 what it says, channel 1 what it hears."""
        self._check()
        self.stop_recording()
        recorder = Recorder(path, max_seconds)
        self._recorder = recorder
        # Only this leg's session is tapped: its send path carries whatever the far end hears
        # (partner, prompts, mixes), so partners and later links need no recorder of their own.
        self.media.recorder = recorder
        return recorder

    def stop_recording(self) -> Path | None:
        """Finish the recording (if any) and return its path."""
        recorder, self._recorder = self._recorder, None
        if recorder is None:
            return None
        if self.leg.media is not None and self.leg.media.recorder is recorder:
            self.leg.media.recorder = None
        return recorder.close()

    async def record(self, path: str | Path, max_seconds: float) -> Path:
        """Record this leg for up to `max_seconds` (or until hang-up); returns the WAV path."""
        self._check()
        recorder = self.start_recording(path, max_seconds)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(self._ended), max_seconds)
        self.stop_recording()
        # A hang-up (the usual end of a voicemail) already closed it; close() is idempotent.
        return recorder.close()

    async def bridge(
        self,
        target: Call | str,
        timeout: float | None = None,
        record_to: str | Path | None = None,
        early_media: bool = False,
    ) -> BridgeResult:
        """Connect to another call or a dial target (all its phones ring); returns when it ends."""
        other, status = await self.connect(target, timeout, early_media)
        if other is None:
            return BridgeResult(False, status, None)
        if record_to is not None:
            self.start_recording(record_to)
        await self.wait_unlinked()
        return BridgeResult(True, 200, other)

    async def connect(
        self, target: Call | str, timeout: float | None = None, early_media: bool = False
    ) -> tuple[Call | None, int]:
        """Ring `target`, then answer this call and relay media; (partner or None, final status).

        Unlike `bridge` it returns as soon as the two are linked.
        """
        self._check()
        if isinstance(target, Call):
            other = target
        else:
            reached, status = await self.reach(target, timeout, early_media)
            if reached is None:
                return None, status
            other = reached
        if not self.answered:
            await self.answer()
        self.link(other)
        return other, 200

    async def reach(
        self, target: str, timeout: float | None = None, early_media: bool = False
    ) -> tuple[Call | None, int]:
        """Ring every phone of `target`: (the answered leg, 200) or (None, the final failure).

        The answered leg is not linked yet and is the caller's to link or hang up; cancelling
        the wait cancels the ringing.
        """
        self._check()
        from seatline.switch import outbound

        codecs = (self.media.codec,) if self.leg.remote_media is not None else (0, 8)
        try:
            forks = await outbound.dial_all(
                self.core, target, caller_id=self.caller, codecs=codecs, tenant_id=self.tenant_id
            )
        except TargetNotFound as refused:  # TargetRefused too: the status says which
            log.info("%s may not reach %r: %s", self, target, refused)
            return None, refused.status
        for fork in forks:
            fork._progress_hook = lambda status: self._peer_progress(early_media)
        from seatline.switch.fork import first_answer

        return await first_answer(forks, timeout or self.core.config.ring_timeout, self)

    async def wait_unlinked(self) -> None:
        """Wait until this call ends or is unlinked from its partner."""
        while not self.ended and self.partner is not None:
            self._link_changed.clear()
            await self._link_changed.wait()

    def _peer_progress(self, early_media: bool) -> None:
        if self.inbound and not self.answered and not self.ended:
            self.core.spawn(self.ring(early_media))

    def link(self, other: Call) -> None:
        """Relay media between this call and `other` (no decoding unless recording)."""
        self.unlink()
        other.unlink()
        self.partner, other.partner = other, self
        self.stop_playing()
        other.stop_playing()
        self.media.relay_to = other.media
        other.media.relay_to = self.media
        self._link_changed.set()
        other._link_changed.set()

    def unlink(self) -> None:
        """Stop relaying to the current partner (both stay up)."""
        partner, self.partner = self.partner, None
        if self.leg.media is not None:
            self.leg.media.relay_to = None
        if partner is not None:
            partner.partner = None
            if partner.leg.media is not None:
                partner.leg.media.relay_to = None
            partner._link_changed.set()
        self._link_changed.set()

    async def transfer(self, target: str, hang_up_partner: bool = True) -> int:
        """Blind transfer: drop the current partner and connect this call to `target`.

        `target` is a number in the router (its application takes the call over at once) or any
        dial target accepted by `bridge`. Returns the final status: 200 once the target answered
        or an application took the call, else the failure; then a partner kept up
        (`hang_up_partner=False`, as for REFER) is connected back, so nobody is left in silence.
        """
        self._check()
        partner = self.partner
        # Own the call before unlinking: the application that bridged it may finish meanwhile.
        self._owners += 1
        self.unlink()
        if partner is not None and hang_up_partner:
            partner.terminate("transferred")
        self._emit(Transferred(target))
        handler = self.core.router.route(target)
        if handler is not None:
            self.core.spawn(self._own(handler))
            return 200
        status = 487
        try:
            status = (await self.connect(target))[1]
        finally:
            if status != 200 and partner is not None and not partner.ended and not self.ended:
                self.link(partner)
            self.core.spawn(self._own(Call.wait_unlinked))
        return status

    async def monitor(
        self, supervisor: Call | str, mode: str = "listen", timeout: float | None = None
    ) -> bool:
        """Let a supervisor listen to, whisper to or barge into this call and its agent.

        `self` is the customer's call, bridged to an agent. Returns when the supervisor leaves
        (customer and agent stay connected), or False if the supervisor could not be reached.
        """
        from seatline.switch.supervision import supervise

        return await supervise(self, supervisor, MonitorMode(mode), timeout)

    def set_monitor_mode(self, mode: str) -> None:
        """Switch a running supervision between listen, whisper and barge."""
        if self._monitor is None:
            raise SwitchError("this call is not being monitored")
        conference, agent, sup = self._monitor
        conference.routes = monitor_routes(self.media, agent.media, sup.media, MonitorMode(mode))

    async def hold(self) -> None:
        """Put the far end on hold (re-INVITE a=sendonly)."""
        self._check()
        from seatline.switch import outbound

        outbound.reinvite(self.core, self.leg, "sendonly")

    async def resume(self) -> None:
        """Take the far end off hold (re-INVITE a=sendrecv)."""
        self._check()
        from seatline.switch import outbound

        outbound.reinvite(self.core, self.leg, "sendrecv")

    async def hangup(self) -> None:
        """End the call (BYE, CANCEL or a 480 as the state requires)."""
        if not self.ended:
            self.terminate("local")

    def hangup_soon(self, reason: str) -> None:
        """End the call from synchronous code."""
        self.terminate(reason)

    async def wait_ended(self) -> None:
        """Wait until the call ends."""
        await asyncio.shield(self._ended)

    def terminate(self, reason: str, send: bool = True) -> None:
        """End the leg now: signal the far end if `send`, release media, hang up the partner."""
        leg = self.leg
        if leg.ended:
            return
        if send:
            from seatline.switch import outbound

            if leg.state is LegState.CONFIRMED:
                outbound.send_bye(self.core, leg)
            elif leg.inbound and leg.invite is not None:
                self.core.respond(leg.invite, leg.invite_key, 480, to_tag=leg.local_tag)
            elif leg.invite_key is not None:
                self.core.cancel(leg.invite_key)
        leg.move("end")
        self.end_reason = reason
        if self.core.legs.get(leg.call_id) is leg:
            del self.core.legs[leg.call_id]
        self.stop_recording()
        partner = self.partner
        self.unlink()
        if leg.media is not None:
            leg.media.close()
        if not self._answer.done():
            self._answer.set_result(487)
        if not self._ended.done():
            self._ended.set_result(None)
        self._digits.put_nowait(None)
        self._emit(HungUp(reason))
        if partner is not None and not partner.ended:
            partner.terminate("partner-hangup")
