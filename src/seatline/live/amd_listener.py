"""Answering machine detection on a live call: its received RTP decoded into the detector.

The detector (seatline.dialer.amd) is pure; this feeds it from the call's media tap and lets
time pass in it when the far end sends nothing, because a phone that sends no packets (or
suppresses silence) is silent, and silence is half of what tells a person from a machine.
"""

from __future__ import annotations

import asyncio

from seatline.dialer.amd import AmdConfig, AmdResult, AnsweringMachineDetector
from seatline.rtp import g711
from seatline.switch import Call
from seatline.switch.media import payload_offset

__all__ = ["detect_machine"]

RATE = 8000
POLL = 0.05  # how often the wall clock is compared with the audio heard
JITTER = 0.08  # audio may lag this much behind the clock before the gap counts as silence


async def detect_machine(call: Call, config: AmdConfig) -> AmdResult | None:
    """Listen to an answered call until the detector decides; None if the call ended first."""
    detector = AnsweringMachineDetector(config)
    loop = asyncio.get_running_loop()
    started = loop.time()

    def heard(packet: bytes, payload_type: int) -> None:
        if payload_type in (0, 8) and detector.result is None:
            detector.feed(g711.decode(packet[payload_offset(packet) :], payload_type))

    media = call.media
    media.taps.append(heard)
    try:
        while detector.result is None and not call.ended:
            await asyncio.sleep(POLL)
            behind = (loop.time() - started) - detector.elapsed - JITTER
            if behind > 0:
                detector.feed_silence(int(behind * RATE))
    finally:
        if heard in media.taps:
            media.taps.remove(heard)
    return None if call.ended else detector.result
