"""Done-when 1 and 2: SIPp load against the prompt number, and RFC 2833 digits via the call API."""

from __future__ import annotations

import asyncio

from seatline.switch import Call

from .conftest import SwitchUnderTest, needs_sipp
from .harness import run_sipp

pytestmark = [needs_sipp]


async def test_prompt_number_takes_200_calls_at_20_per_second(switch: SwitchUnderTest) -> None:
    result = await run_sipp(
        "uac_prompt.xml",
        switch.port,
        switch.sipp_port,
        "-r",
        "20",
        "-m",
        "200",
        "-l",
        "100",
        "-d",
        "1000",
        "-rtp_echo",
        service="9000",
        timeout=60,
    )
    assert result.returncode == 0, result.errors[:2000]
    assert result.successful == 200
    assert result.failed == 0
    await asyncio.sleep(0.2)
    media = switch.service.core.media
    assert media is not None
    assert media.sessions_opened == 200
    # ~1 s of prompt per call went out, and SIPp's echo of it came back in.
    assert media.packets_out > 200 * 30
    assert media.packets_in > 200 * 20
    assert not switch.service.core.legs


async def test_rfc2833_digits_reach_the_call_api(switch: SwitchUnderTest) -> None:
    collected: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    async def collect(call: Call) -> None:
        await call.answer()
        digits = await call.collect_digits(
            max_digits=14, timeout=15, inter_digit_timeout=5, terminator=None
        )
        collected.set_result(digits)
        await call.wait_ended()

    switch.router.add("7100", collect)
    result = await run_sipp(
        "uac_dtmf.xml", switch.port, switch.sipp_port, "-m", "1", service="7100"
    )
    assert result.returncode == 0, result.errors[:2000]
    # Every RFC 2833 capture SIPp ships (0-9, *, #), then two digits from play_dtmf.
    assert await asyncio.wait_for(collected, 5) == "123*0#45678959"


async def test_calls_over_tcp(switch: SwitchUnderTest) -> None:
    result = await run_sipp(
        "uac_prompt.xml",
        switch.port,
        switch.sipp_port,
        "-t",
        "t1",
        "-m",
        "5",
        "-r",
        "5",
        "-d",
        "200",
        service="9000",
    )
    assert result.returncode == 0, result.errors[:2000]
    assert result.successful == 5


async def test_say_speaks_with_espeak_and_the_caller_gets_the_audio(
    switch: SwitchUnderTest,
) -> None:
    sent: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    async def greet(call: Call) -> None:
        await call.answer()
        await call.say("Welcome to Seatline.")
        sent.set_result(call.media.packets_out)

    switch.router.add("7800", greet)
    result = await run_sipp(
        "uac_wait_bye.xml", switch.port, switch.sipp_port, "-m", "1", service="7800"
    )
    assert result.returncode == 0, result.errors[:2000]
    assert await asyncio.wait_for(sent, 2) > 25  # at least half a second of speech was paced out


async def test_echo_number_sends_the_callers_audio_back(switch: SwitchUnderTest) -> None:
    result = await run_sipp(
        "uac_pcap.xml", switch.port, switch.sipp_port, "-m", "1", service="9001"
    )
    assert result.returncode == 0, result.errors[:2000]
    await asyncio.sleep(0.1)
    media = switch.service.core.media
    assert media is not None
    assert media.packets_in > 50  # 3 s of g711a.pcap (30 ms frames)
    assert media.packets_out >= media.packets_in - 2  # every frame went back to the caller
