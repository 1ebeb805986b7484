"""Attended transfer: REFER with Replaces (RFC 3891) joins the two customers' calls."""

from __future__ import annotations

import asyncio
import secrets
from urllib.parse import quote

import pytest

from seatline.sip import SipResponse, parse_message
from seatline.switch import Call

from .conftest import SwitchUnderTest, needs_sipp
from .harness import free_port, run_sipp, start_sipp, until_listening

pytestmark = [needs_sipp]


@pytest.mark.parametrize("tags", ["dialog", "guessed"])
async def test_refer_with_replaces_joins_the_partners(switch: SwitchUnderTest, tags: str) -> None:
    """With the replaced dialog's tags the partners are joined; with its Call-ID alone (a
    stranger's guess, or another agent's call learnt somehow) nothing moves."""
    customers: dict[str, Call] = {}
    agent_ports = {"7901": free_port(), "7902": free_port()}

    async def to_agent(call: Call) -> None:
        customers[call.number] = call
        await call.bridge(f"sip:agent@127.0.0.1:{agent_ports[call.number]}")

    switch.router.add("7901", to_agent)
    switch.router.add("7902", to_agent)
    agents = [
        start_sipp(scenario, switch.port, port, "-m", "1")
        for scenario, port in zip(
            ("uas_referrer.xml", "uas_answer.xml"), agent_ports.values(), strict=True
        )
    ]
    for port in agent_ports.values():
        await until_listening(port)
    callers = [
        asyncio.ensure_future(
            run_sipp("uac_wait_bye.xml", switch.port, port, "-m", "1", service=number)
        )
        for number, port in (("7901", switch.sipp_port), ("7902", switch.sipp_uas_port))
    ]
    deadline = asyncio.get_running_loop().time() + 20
    while len(customers) < 2 or any(c.partner is None for c in customers.values()):
        if asyncio.get_running_loop().time() > deadline:  # say why rather than hang
            ended = [
                (f.result().returncode, f.result().errors[:500])
                for f in agents + callers
                if f.done()
            ]
            pytest.fail(f"not bridged: customers {sorted(customers)}, SIPp runs ended {ended}")
        await asyncio.sleep(0.05)
    first, second = customers["7901"], customers["7902"]
    referrer = first.partner
    assert referrer is not None
    referrer_leg = referrer.leg
    replaced_leg = second.partner.leg  # type: ignore[union-attr]

    # The first agent asks the switch to replace the second agent's dialog with its own customer.
    # Over TCP: that agent's UDP address is SIPp's, and a UDP request inside a dialog must come
    # from the dialog's peer (finding 5 of issue 11); a stream carries no forgeable source.
    reader, writer = await asyncio.open_connection("127.0.0.1", switch.port)
    port = writer.get_extra_info("sockname")[1]
    to_tag, from_tag = replaced_leg.local_tag, replaced_leg.remote_tag
    if tags == "guessed":
        to_tag, from_tag = "guess1", "guess2"
    replaces = quote(f"{replaced_leg.call_id};to-tag={to_tag};from-tag={from_tag}")
    refer = "\r\n".join(
        [
            f"REFER sip:seatline@127.0.0.1:{switch.port} SIP/2.0",
            f"Via: SIP/2.0/TCP 127.0.0.1:{port};branch=z9hG4bK{secrets.token_hex(6)}",
            "Max-Forwards: 70",
            f"From: {referrer_leg.remote_uri};tag={referrer_leg.remote_tag}",
            f"To: {referrer_leg.local_uri};tag={referrer_leg.local_tag}",
            f"Call-ID: {referrer_leg.call_id}",
            "CSeq: 9 REFER",
            f"Refer-To: <sip:agent@127.0.0.1?Replaces={replaces}>",
            "Content-Length: 0",
            "",
            "",
        ]
    )
    writer.write(refer.encode())
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 2)
    accepted = parse_message(head)
    writer.close()
    assert isinstance(accepted, SipResponse) and accepted.status == 202
    await asyncio.sleep(0.2)  # the NOTIFYs reach the referrer
    if tags == "dialog":
        assert first.partner is second and second.partner is first
        assert first.media.relay_to is second.media
        await referrer.hangup()  # (a real phone hangs up itself after the final NOTIFY)
        await first.hangup()  # ends both customers' calls
    else:
        assert first.partner is referrer and second.partner is not None
        assert second.partner.leg is replaced_leg
        await first.hangup()  # each customer hangs up with its own agent
        await second.hangup()
    results = [await c for c in callers] + [await a for a in agents]
    assert all(r.returncode == 0 for r in results), [r.errors[:500] for r in results]
