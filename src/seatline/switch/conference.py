"""Three-way audio for supervision (listen, whisper, barge): decode, mix, encode every 20 ms.

While a conference runs, its members' RTP is not relayed packet by packet; each member's latest
received frame is decoded and `seatline.rtp.mix` builds what every member hears according to
the routes (`monitor_routes`). Frames that miss a tick are heard as silence.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from seatline.rtp import g711
from seatline.rtp.mixer import MonitorMode, Pcm, mix, monitor_routes
from seatline.switch.media import FRAME_SAMPLES, MediaEngine, RtpSession, payload_offset

_MAX_BUFFERED = 6 * FRAME_SAMPLES


class Conference:
    """A set of RTP sessions mixed together by the media engine's 20 ms timer."""

    def __init__(self, engine: MediaEngine) -> None:
        self.engine = engine
        self.routes: dict[RtpSession, frozenset[RtpSession]] = {}
        # Received audio per member, cut into 20 ms frames at each tick (peers may send 30 ms).
        self._buffers: dict[RtpSession, Pcm] = {}
        self._taps: dict[RtpSession, Callable[[bytes, int], None]] = {}

    def join(self, session: RtpSession) -> None:
        """Take `session` out of any relay and feed its audio into the mix."""
        session.relay_to = None
        session.stop_playing()

        def tap(packet: bytes, pt: int, session: RtpSession = session) -> None:
            if pt in (g711.PCMU, g711.PCMA):
                pcm = g711.decode(packet[payload_offset(packet) :], pt)
                held = self._buffers.get(session)
                joined = pcm if held is None else np.concatenate((held, pcm))
                self._buffers[session] = joined[-_MAX_BUFFERED:]  # bound the added latency

        self._taps[session] = tap
        session.taps.append(tap)
        self.engine.mixers[self] = None

    def monitor(
        self, caller: RtpSession, agent: RtpSession, supervisor: RtpSession, mode: MonitorMode
    ) -> None:
        """Join the three sessions with the routes of `mode`."""
        for session in (caller, agent, supervisor):
            if session not in self._taps:
                self.join(session)
        self.routes = monitor_routes(caller, agent, supervisor, mode)

    def tick(self) -> None:
        """Mix one 20 ms frame for every member and send it."""
        frames: dict[RtpSession, Pcm] = {}
        for session, held in list(self._buffers.items()):
            if len(held) >= FRAME_SAMPLES:
                frames[session] = held[:FRAME_SAMPLES]
                self._buffers[session] = held[FRAME_SAMPLES:]
        for session, pcm in mix(frames, self.routes).items():
            if session.transport is not None:
                session.send_payload(g711.encode(pcm, session.codec), session.codec)

    def close(self) -> None:
        """Stop mixing and detach from every session."""
        self.engine.mixers.pop(self, None)
        for session, tap in self._taps.items():
            if tap in session.taps:
                session.taps.remove(tap)
        self._taps.clear()
        self._buffers.clear()
        self.routes = {}
