"""Two tenants on one `seatline up` node, set up over HTTP, on real calls (issue 11, findings
1, 2 and 4): a tenant's transfers leave only through its own trunk and within its dial rules,
a tenant admin cannot switch inbound authentication off, and a callback never dials a number
the tenant's rules do not allow.

The carriers are sockets that record the INVITEs they are sent (they never answer), so the test
sees which carrier each call reached; SIPp is the caller and baresip the demo's agent.
"""

from __future__ import annotations

import asyncio
import socket
import urllib.error
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from switch.conftest import needs_baresip, needs_sipp
from switch.harness import InviteRecorder, free_port, run_sipp

from .callers import info_keys_scenario, keys_scenario
from .carrier import carrier_scenario, person_pcap, start_carrier
from .node import Node

# One node for the module (set up once, as an operator would); the tests share its loop.
pytestmark = [needs_sipp, needs_baresip, pytest.mark.asyncio(loop_scope="module")]


def transfer_flow(name: str, number: str) -> dict[str, Any]:
    """A flow that answers and transfers the caller to `number`."""
    return {
        "name": name,
        "definition": {
            "name": name,
            "version": 1,
            "start": "hello",
            "nodes": {
                "hello": {"type": "say", "text": "Transferring you.", "next": "out"},
                "out": {"type": "transfer", "number": number},
            },
        },
    }


GREEDY_FLOW = {
    "name": "greedy",
    "definition": {
        "name": "greedy",
        "version": 1,
        "start": "ask",
        "nodes": {
            "ask": {
                "type": "collect",
                "say": "Your code, then hash.",
                "into": "code",
                "max_length": 40,
                "timeout_seconds": 10,
                # Catastrophic for a backtracking engine: 2^n ways to split n zeros.
                "pattern": "(0*)*1",
                "ok": "yes",
                "invalid": "no",
                "timeout": "no",
            },
            "yes": {"type": "say", "text": "Right."},
            "no": {"type": "say", "text": "Wrong."},
        },
    },
}

CALLBACK_FLOW = {
    "name": "call-me-back",
    "definition": {
        "name": "call-me-back",
        "version": 1,
        "start": "book",
        "nodes": {
            "book": {"type": "callback", "queue": "support", "next": "bye"},
            "bye": {"type": "say", "text": "We will call you back."},
        },
    },
}


@dataclass
class Platform:
    """The node, the operator's and tenant admins' tokens, and the carriers."""

    node: Node
    operator: str
    demo_admin: str
    rival_admin: str
    demo_id: str
    rival_id: str
    demo_carrier: InviteRecorder
    rival_carrier: InviteRecorder
    answering_port: int = 0  # the demo tenant's trunk for +4930777 goes to a SIPp carrier here

    async def send(self, method: str, path: str, token: str, body: object, **kw: Any) -> Any:
        """An API call; the JSON answer."""
        return await asyncio.to_thread(self.node.send, method, path, token, body, **kw)

    async def status_of(self, method: str, path: str, token: str, body: object) -> int:
        """An API call expected to fail: its HTTP status."""
        try:
            await self.send(method, path, token, body)
        except urllib.error.HTTPError as error:
            return error.code
        return 200

    async def number_for(self, tenant: str, number: str, flow: dict[str, Any], admin: str) -> None:
        """The tenant's admin stores `flow`; the operator points `number` at it."""
        stored = await self.send("POST", "/api/flows", admin, flow)
        body = {"number": number, "flow_id": stored["id"]}
        await self.send("POST", "/api/numbers", self.operator, body, tenant=tenant)

    async def call(self, number: str, caller: str, tmp: Path, hold_ms: int | None = 4000) -> None:
        """A SIPp caller (From `caller`) dials `number` and hangs up after `hold_ms`, or (None)
        waits until the switch hangs up."""
        scenario = keys_scenario(tmp / f"{number}-{caller}.xml", [], then_ms=hold_ms, caller=caller)
        result = await run_sipp(scenario, self.node.sip, free_port(), "-m", "1", service=number)
        assert result.returncode == 0, result.errors[:2000]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def platform(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Platform]:
    """`seatline up --demo` plus a second tenant, "rival", with its own admin; the demo tenant
    has a trunk to its carrier and three numbers: two flows transfer out, one books callbacks."""
    tmp_path = tmp_path_factory.mktemp("walls")
    (tmp_path / "data").mkdir()
    node = Node(tmp_path / "data")
    await node.start(demo=True)
    carriers = InviteRecorder(), InviteRecorder()
    try:
        operator = await asyncio.to_thread(node.login, "platform@demo", "demo-platform")
        demo_admin = await asyncio.to_thread(node.login, "admin@demo", "demo-admin")
        (demo,) = await asyncio.to_thread(node.get, "/api/tenants", operator)
        rival_body = {"name": "Rival", "slug": "rival", "sip_domain": "rival.test"}
        rival = await asyncio.to_thread(node.send, "POST", "/api/tenants", operator, rival_body)
        user = {"username": "admin@rival", "password": "rival-admin", "role": "tenant_admin"}
        await asyncio.to_thread(node.send, "POST", "/api/users", operator, user, tenant=rival["id"])
        rival_admin = await asyncio.to_thread(node.login, "admin@rival", "rival-admin")
        p = Platform(node, operator, demo_admin, rival_admin, demo["id"], rival["id"], *carriers)
        # The operator lets both tenants dial Berlin numbers, nothing else.
        for tenant in (demo["id"], rival["id"]):
            rules = {"dial_allowed": ["+4930*"]}
            await p.send("PATCH", f"/api/tenants/{tenant}", operator, rules)
        await p.send("POST", "/api/trunks", demo_admin, trunk("demo-carrier", p.demo_carrier))
        await p.number_for(p.demo_id, "9201", transfer_flow("demo-out", "+4930111"), demo_admin)
        await p.number_for(p.rival_id, "9301", transfer_flow("rival-out", "+4930222"), rival_admin)
        await p.number_for(p.demo_id, "9202", CALLBACK_FLOW, demo_admin)
        await p.number_for(p.rival_id, "9302", GREEDY_FLOW, rival_admin)
        p.answering_port = free_port()
        answering = {
            **trunk("demo-answering", p.demo_carrier),
            "outbound_port": p.answering_port,
            "outbound_prefixes": ["+4930777"],
        }
        await p.send("POST", "/api/trunks", demo_admin, answering)
        await p.number_for(p.demo_id, "9203", transfer_flow("demo-far", "+4930777"), demo_admin)
        await asyncio.sleep(6)  # numbers are polled every 2 s, trunks every 5 s
        yield p
    finally:
        for carrier in carriers:
            carrier.close()
        await node.stop()


def trunk(name: str, carrier: InviteRecorder) -> dict[str, Any]:
    """An outbound trunk for German numbers to `carrier`."""
    return {
        "name": name,
        "direction": "outbound",
        "outbound_host": "127.0.0.1",
        "outbound_port": carrier.port,
        "outbound_prefixes": ["+49"],
    }


async def until_got(carrier: InviteRecorder, number: str, timeout: float = 10.0) -> bool:
    """Whether `carrier` gets an INVITE for `number` within `timeout` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        if carrier.got(number):
            return True
        await asyncio.sleep(0.1)
    return False


async def test_transfers_leave_only_through_the_tenants_own_trunk(
    platform: Platform, tmp_path: Path
) -> None:
    p = platform
    # The demo tenant's own transfer reaches its carrier: the test can see an INVITE.
    caller = asyncio.ensure_future(p.call("9201", "+4930999", tmp_path))
    assert await until_got(p.demo_carrier, "+4930111", timeout=15)
    await caller
    # The rival has no trunk: its transfer must not ride on the demo tenant's carrier; the
    # flow ends and the switch hangs up.
    await p.call("9301", "+4930999", tmp_path, hold_ms=None)
    assert not p.demo_carrier.got("+4930222")
    assert not p.rival_carrier.got("+4930222")

    # The rival adds a trunk with the same prefix: each tenant's calls take its own trunk.
    await p.send("POST", "/api/trunks", p.rival_admin, trunk("rival-carrier", p.rival_carrier))
    await asyncio.sleep(6)  # trunks are polled every 5 s by default
    callers = [
        asyncio.ensure_future(p.call("9301", "+4930999", tmp_path)),
        asyncio.ensure_future(p.call("9201", "+4930998", tmp_path)),
    ]
    assert await until_got(p.rival_carrier, "+4930222")
    await asyncio.gather(*callers)
    demo_uris = [u for u in p.demo_carrier.invites() if "+4930222" in u]
    rival_uris = [u for u in p.rival_carrier.invites() if "+4930111" in u]
    assert demo_uris == [] and rival_uris == []
    assert p.demo_carrier.got("+4930111")


async def test_a_flow_transfers_a_caller_out_through_the_tenants_trunk(
    platform: Platform, tmp_path: Path
) -> None:
    """Issue 12, item 3: a flow's transfer to an external number reaches the carrier, which
    answers; the caller talks to it until hanging up, and the carrier gets the BYE."""
    p = platform
    scenario = carrier_scenario(tmp_path / "far.xml", "person", person_pcap(tmp_path), 20000)
    carrier = await start_carrier(scenario, p.node.sip, p.answering_port)
    await p.call("9203", "+4930999", tmp_path, hold_ms=4000)
    result = await asyncio.wait_for(carrier, 30)
    assert result.returncode == 0, result.errors[:2000]  # answered, then the caller's BYE


async def test_a_tenants_pattern_cannot_stall_the_node(platform: Platform, tmp_path: Path) -> None:
    """Finding 3: a caller of the rival tenant's number keys 27 zeros into a collect node whose
    pattern is `(0*)*1`; meanwhile the API (and every other tenant's calls) keep answering."""
    p = platform
    scenario = info_keys_scenario(tmp_path / "zeros.xml", "0" * 27 + "#")
    caller = asyncio.ensure_future(
        run_sipp(scenario, p.node.sip, free_port(), "-m", "1", service="9302")
    )
    slowest = 0.0
    loop = asyncio.get_running_loop()
    while not caller.done():
        started = loop.time()
        await asyncio.to_thread(p.node.get, "/healthz")
        slowest = max(slowest, loop.time() - started)
        await asyncio.sleep(0.05)
    result = await caller
    assert result.returncode == 0, result.errors[:2000]
    # A backtracking engine spends several seconds on 27 zeros; RE2 a few microseconds.
    assert slowest < 2.0, f"/healthz took {slowest:.1f} s while the pattern ran"


async def test_a_tenant_admin_cannot_switch_inbound_authentication_off(
    platform: Platform,
) -> None:
    p = platform
    wide = {"name": "all", "direction": "inbound", "match_source": "0.0.0.0/0"}
    assert await p.status_of("POST", "/api/trunks", p.rival_admin, wide) == 403
    # Not even the operator may trust the whole internet.
    assert await p.status_of("POST", "/api/trunks", p.operator, {**wide, "name": "op-all"}) == 422
    # So a stranger's INVITE (from another loopback address) is still challenged.
    status = await asyncio.to_thread(stranger_invite, p.node.sip, "9100")
    assert status == 407


def stranger_invite(port: int, number: str) -> int:
    """Send an INVITE from 127.0.0.2 and return the final status of the first answer."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.2", 0))
    sock.settimeout(5)
    local = sock.getsockname()[1]
    invite = (
        f"INVITE sip:{number}@127.0.0.1:{port} SIP/2.0\r\n"
        f"Via: SIP/2.0/UDP 127.0.0.2:{local};branch=z9hG4bKstranger1;rport\r\n"
        "Max-Forwards: 70\r\n"
        f"From: <sip:mallory@127.0.0.2>;tag=m1\r\n"
        f"To: <sip:{number}@127.0.0.1>\r\n"
        "Call-ID: stranger-1@127.0.0.2\r\n"
        "CSeq: 1 INVITE\r\n"
        f"Contact: <sip:mallory@127.0.0.2:{local}>\r\n"
        "Content-Length: 0\r\n\r\n"
    )
    try:
        sock.sendto(invite.encode(), ("127.0.0.1", port))
        while True:
            data = sock.recv(65535)
            status = int(data.split(b" ", 2)[1])
            if status >= 200:
                return status
    finally:
        sock.close()


async def test_a_callback_never_dials_outside_the_dial_rules(
    platform: Platform, tmp_path: Path
) -> None:
    p = platform
    phone = p.node.phone(tmp_path / "cleo", "1003")
    await phone.start()
    try:
        await phone.wait_registered()
        await asyncio.sleep(2.5)  # the contact center sees the phone and readies the agent
        # A caller inside the rules is called back through the trunk: callbacks work.
        await p.call("9202", "+4930555666", tmp_path, hold_ms=None)
        assert await phone.wait_event("CALL_ESTABLISHED", timeout=20)
        assert await until_got(p.demo_carrier, "+4930555666", timeout=20)
        await phone.command("hangup")  # the carrier never answers: the agent gives up
        await phone.wait_event("CALL_CLOSED", timeout=20)
        # A caller outside the rules (Munich) books a callback: the agent's phone rings and
        # answers, but the switch refuses to dial the caller back through the trunk.
        phone.events.clear()
        await p.call("9202", "+4989123456", tmp_path, hold_ms=None)
        assert await phone.wait_event("CALL_ESTABLISHED", timeout=20)
        await phone.wait_event("CALL_CLOSED", timeout=20)
        assert not p.demo_carrier.got("+4989123456")
    finally:
        await phone.stop()
