"""Fixtures for the switch tests: a switch on a free port with test numbers, and its peers."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

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

from .harness import free_port

DOMAIN = "127.0.0.1"

needs_sipp = pytest.mark.skipif(shutil.which("sipp") is None, reason="SIPp (sip-tester) missing")
needs_baresip = pytest.mark.skipif(shutil.which("baresip") is None, reason="baresip missing")


@dataclass
class SwitchUnderTest:
    """A running switch and what the test needs to drive it."""

    service: SwitchService
    router: CallRouter
    credentials: StaticCredentials
    sipp_port: int
    sipp_uas_port: int
    calls: list[Call] = field(default_factory=list)
    results: dict[str, object] = field(default_factory=dict)

    @property
    def port(self) -> int:
        """The switch's SIP port."""
        return self.service.port


@pytest.fixture
async def switch() -> AsyncIterator[SwitchUnderTest]:
    """A switch on 127.0.0.1 whose trunk is the SIPp ports; demo numbers included."""
    sipp_port = free_port()
    sipp_uas_port = free_port()
    trunk = TrunkConfig(
        "sipp", inbound_addresses=(f"127.0.0.1:{sipp_port}", f"127.0.0.1:{sipp_uas_port}")
    )
    config = SwitchConfig(
        domain=DOMAIN,
        trunks=(trunk,),
        ban_max_failures=5,
        ban_window=60,
        ban_seconds=60,
        scopes=(DialScope.lab(),),  # calls with no tenant dial anything: a switch on its own
    )
    router = CallRouter()
    credentials = StaticCredentials()
    service = SwitchService(config, router, credentials)
    low = free_port()
    low = max(20000, min(low, 60000))
    await service.start("127.0.0.1", 0, (low, low + 4000))
    sut = SwitchUnderTest(service, router, credentials, sipp_port, sipp_uas_port)
    try:
        yield sut
    finally:
        await service.stop()
