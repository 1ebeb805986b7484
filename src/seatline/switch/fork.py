"""Forking: ring every destination of a target at once; the first answer wins."""

from __future__ import annotations

import asyncio
from asyncio import FIRST_COMPLETED
from typing import TYPE_CHECKING, Any

from seatline.switch.errors import CallEnded, TargetNotFound

if TYPE_CHECKING:
    from seatline.switch.call import Call
    from seatline.switch.core import SipCore


async def first_answer(
    forks: list[Call], timeout: float, caller: Call | None = None
) -> tuple[Call | None, int]:
    """Wait for the first fork to answer and cancel the others; (None, status) if none did.

    With a `caller`, its hang-up cancels the forks and raises `CallEnded`.
    """
    from seatline.switch.outbound import best_failure

    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    pending = {fork._answer: fork for fork in forks}
    failures: list[int] = []
    winner: Call | None = None
    caller_gone = False
    try:
        while pending and winner is None and loop.time() < deadline:
            waiters: set[asyncio.Future[Any]] = set(pending)
            if caller is not None:
                waiters.add(caller._ended)
            timeout_left = deadline - loop.time()
            await asyncio.wait(waiters, timeout=timeout_left, return_when=FIRST_COMPLETED)
            if caller is not None and caller.ended:
                caller_gone = True
                raise CallEnded(f"call {caller.id} ended while dialling")
            for answer in [a for a in pending if a.done()]:
                fork = pending.pop(answer)
                if answer.result() != 200:
                    failures.append(answer.result())
                elif winner is None:  # a fork answering in the same instant hangs up below
                    winner = fork
    finally:
        reason = "caller-gone" if caller_gone else "fork-lost" if winner else "no-answer"
        for fork in forks:
            if fork is not winner and not fork.ended:
                fork.terminate(reason)
    if winner is not None:
        return winner, 200
    return None, best_failure(failures + [408] * len(pending))


async def ring(
    core: SipCore,
    target: str,
    caller_id: str = "seatline",
    timeout: float | None = None,
    codecs: tuple[int, ...] = (0, 8),
    *,
    tenant_id: str,
) -> tuple[Call | None, int]:
    """Ring every phone of `target` for `tenant_id` with no caller behind it (a callback, a
    campaign call).

    Returns the answered leg (its caller's to use or hang up) and 200, or None and the failure
    (403 when the tenant may not dial the target).
    """
    from seatline.switch import outbound

    try:
        forks = await outbound.dial_all(
            core, target, caller_id=caller_id, codecs=codecs, tenant_id=tenant_id
        )
    except TargetNotFound as refused:  # TargetRefused too: the status says which
        return None, refused.status
    return await first_answer(forks, timeout or core.config.ring_timeout)
