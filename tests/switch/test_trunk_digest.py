"""An inbound trunk recognised by digest: baresip, not registered, calls 9000 as the carrier."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from seatline.guard.outbound import DialScope
from seatline.switch import (
    Call,
    CallRouter,
    StaticCredentials,
    SwitchConfig,
    SwitchService,
    TrunkConfig,
)

from .conftest import DOMAIN, needs_baresip
from .harness import Baresip, free_port

pytestmark = [needs_baresip]


@pytest.fixture
async def carrier_switch() -> AsyncIterator[tuple[SwitchService, list[Call]]]:
    """A switch with one trunk known only by its digest account, and agent alice."""
    trunk = TrunkConfig(
        "carrier-trunk", inbound_username="carrier", inbound_password="trunk-pass", tenant_id="t1"
    )
    config = SwitchConfig(
        domain=DOMAIN, trunks=(trunk,), ban_max_failures=50, scopes=(DialScope.lab(),)
    )
    credentials = StaticCredentials()
    credentials.add(DOMAIN, "alice", "alice-pass", agent_id="agent-alice")
    service = SwitchService(config, CallRouter(), credentials)
    calls: list[Call] = []
    demo = service.router.route("9000")
    assert demo is not None

    async def watched(call: Call) -> None:
        calls.append(call)
        await demo(call)

    service.router.add("9000", watched)
    low = max(20000, min(free_port(), 60000))
    await service.start("127.0.0.1", 0, (low, low + 4000))
    try:
        yield service, calls
    finally:
        await service.stop()


async def dial_9000(service: SwitchService, workdir: Path, password: str) -> Baresip:
    """Start an unregistered baresip as user `carrier` and dial 9000 through the switch."""
    workdir.mkdir()
    phone = Baresip(workdir, "carrier", password, DOMAIN, service.port, regint=0)
    await phone.start()
    await phone.command("dial", f"sip:9000@{DOMAIN}:{service.port}")
    return phone


async def test_trunk_digest_account_is_let_in_and_marked(
    carrier_switch: tuple[SwitchService, list[Call]], tmp_path: Path
) -> None:
    service, calls = carrier_switch
    phone = await dial_9000(service, tmp_path / "carrier", "trunk-pass")
    try:
        await phone.wait_event("CALL_ESTABLISHED")
    finally:
        await phone.stop()
    assert len(calls) == 1
    assert calls[0].trunk_name == "carrier-trunk"
    assert calls[0].tenant_id == "t1"
    assert calls[0].agent_id is None


async def test_wrong_trunk_password_never_connects(
    carrier_switch: tuple[SwitchService, list[Call]], tmp_path: Path
) -> None:
    service, calls = carrier_switch
    phone = await dial_9000(service, tmp_path / "carrier", "wrong-pass")
    try:
        await phone.wait_event("CALL_CLOSED")
    finally:
        await phone.stop()
    assert calls == []
    assert service.core.invite_guard.failures > 0
