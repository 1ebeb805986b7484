"""What a queued caller hears: music on hold, their place and expected wait now and then, and
an offer to be called back without losing their place."""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import numpy as np

from seatline.switch import Call, CallEnded, SpeechUnavailable
from seatline.switch.prompts import Pcm, tone

__all__ = ["WaitingPolicy", "announcement", "hold_music", "keep_company"]


@dataclass(frozen=True)
class WaitingPolicy:
    """How a queue keeps its callers company."""

    announce_every: float = 30.0  # seconds of music between announcements
    announce_position: bool = True
    announce_wait: bool = True
    callback_key: str | None = "1"  # None: no callback offer


def hold_music() -> Pcm:
    """A soft four-chord loop (8 kHz PCM), so a caller knows the line is alive."""
    chords = (
        (261.6, 329.6, 392.0),
        (220.0, 261.6, 329.6),
        (174.6, 220.0, 261.6),
        (196.0, 246.9, 293.7),
    )
    parts = []
    for chord in chords:
        sound = tone(chord, 1.5, level=0.08)
        fade = np.linspace(1.0, 0.0, len(sound)) ** 0.5  # each chord dies away like a bell
        parts.append((sound * fade).astype(np.int16))
    return np.concatenate(parts)


def announcement(position: int | None, wait: float | None, callback_key: str | None) -> str:
    """The sentence a waiting caller hears."""
    words = []
    if position is not None:
        words.append(f"You are caller number {position} in the queue.")
    if wait is not None:
        minutes = max(1, math.ceil(wait / 60.0))
        unit = "minute" if minutes == 1 else "minutes"
        words.append(f"Your expected wait is about {minutes} {unit}.")
    if callback_key is not None:
        words.append(f"To be called back without losing your place, press {callback_key}.")
    return " ".join(words)


async def keep_company(
    call: Call,
    policy: WaitingPolicy,
    place: Callable[[], tuple[int | None, float | None]],
    callback: Callable[[], Awaitable[None]],
) -> None:
    """Music, then the caller's place and wait, round and round; the callback key books one.

    `place()` gives the current (position, expected wait); `callback()` releases the caller
    with a callback. The owner cancels this task once an agent answers.
    """
    music = hold_music()
    while True:
        playing = asyncio.ensure_future(call.play(music, loop=True))
        try:
            key = await call.collect_digits(1, timeout=policy.announce_every, terminator=None)
        finally:
            playing.cancel()
            with contextlib.suppress(asyncio.CancelledError, CallEnded):
                await playing
            call.stop_playing()
        if key and key == policy.callback_key:
            await _say(call, "Thank you. We will call you back and keep your place. Goodbye.")
            await callback()
            return
        position, wait = place()
        text = announcement(
            position if policy.announce_position else None,
            wait if policy.announce_wait else None,
            policy.callback_key,
        )
        if text:
            await _say(call, text, barge_in=True)


async def _say(call: Call, text: str, barge_in: bool = False) -> None:
    try:
        await call.say(text, barge_in=barge_in)
    except SpeechUnavailable:
        await call.play(tone((660.0,), 0.3), barge_in=barge_in)
