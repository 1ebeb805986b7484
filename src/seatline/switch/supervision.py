"""Supervision of a customer's call with its agent: a supervisor listens, whispers or barges."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from seatline.rtp.mixer import MonitorMode
from seatline.switch.conference import Conference
from seatline.switch.errors import SwitchError

if TYPE_CHECKING:
    from seatline.switch.call import Call

__all__ = ["supervise"]


async def supervise(
    call: Call, supervisor: Call | str, mode: MonitorMode, timeout: float | None = None
) -> bool:
    """Mix `supervisor` into `call` and its agent until one of them leaves.

    A string supervisor is dialled first (all its phones ring); False when nobody answers.
    Customer and agent stay connected when the supervisor leaves.
    """
    call._check()
    agent = call.partner
    if agent is None:
        raise SwitchError("monitor needs a call bridged to an agent")
    if isinstance(supervisor, str):
        reached, _ = await call.reach(supervisor, timeout)
        if reached is None:
            return False
        sup = reached
    else:
        sup = supervisor
    assert call.core.media is not None
    conference = Conference(call.core.media)
    conference.monitor(call.media, agent.media, sup.media, mode)
    call._monitor = (conference, agent, sup)
    ends = {asyncio.ensure_future(c.wait_ended()) for c in (sup, call, agent)}
    try:
        await asyncio.wait(ends, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for end in ends:
            end.cancel()
        conference.close()
        call._monitor = None
        if not call.ended and not agent.ended and call.partner is agent:
            call.media.relay_to = agent.media
            agent.media.relay_to = call.media
        if not sup.ended:
            sup.terminate("monitor-ended")
    return True
