"""Built-in demo numbers: 9000 plays a prompt in a loop (load target), 9001 is an echo test."""

from __future__ import annotations

from seatline.switch.call import Call
from seatline.switch.prompts import demo_prompt
from seatline.switch.router import CallRouter

PROMPT_NUMBER = "9000"
ECHO_NUMBER = "9001"

_PROMPT = demo_prompt()


async def prompt_loop(call: Call) -> None:
    """Answer and play the demo prompt until the caller hangs up."""
    await call.answer()
    await call.play(_PROMPT, loop=True)


async def echo_test(call: Call) -> None:
    """Answer and send the caller's own audio back until they hang up."""
    await call.answer()
    call.media.echo = True
    await call.wait_ended()


def add_demo_numbers(router: CallRouter) -> None:
    """Bind 9000 and 9001 in `router`."""
    router.add(PROMPT_NUMBER, prompt_loop)
    router.add(ECHO_NUMBER, echo_test)


__all__ = ["ECHO_NUMBER", "PROMPT_NUMBER", "add_demo_numbers", "echo_test", "prompt_loop"]
