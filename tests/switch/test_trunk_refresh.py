"""Trunks apply live: the store-fed switch picks up added, edited and deleted trunks (SIPp)."""

from __future__ import annotations

import asyncio
import secrets
import shutil
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from seatline.store.db import Database
from seatline.store.enums import TrunkDirection
from seatline.store.models import Tenant, Trunk
from seatline.store.repo import create_owned, delete_owned, get_owned
from seatline.switch import Call
from seatline.switch_node import SwitchNode

from .conftest import needs_sipp
from .harness import SippResult, free_port, run_sipp

pytestmark = [needs_sipp]

REFRESH_SECONDS = 0.2


@dataclass
class NodeUnderTest:
    """A running store-fed switch, its tenant, and the calls its 9000 number took."""

    node: SwitchNode
    database: Database
    tenant: Tenant
    sipp_port: int
    calls: list[Call] = field(default_factory=list)

    def source(self, port: int | None = None) -> str:
        """A trunk's match_source naming SIPp's address."""
        return f"127.0.0.1:{port or self.sipp_port}"

    async def call(self, pause_ms: int = 100) -> SippResult:
        """One SIPp call to 9000 from SIPp's port; a 407 challenge makes it fail."""
        return await run_sipp(
            "uac_prompt.xml",
            self.node.port,
            self.sipp_port,
            "-m",
            "1",
            "-d",
            str(pause_ms),
            service="9000",
            timeout=15,
        )

    async def wait_until(self, condition: Callable[[], bool], seconds: float = 5.0) -> None:
        """Poll `condition` (the switch's view of its trunks) until true or time is up."""
        deadline = asyncio.get_running_loop().time() + seconds
        while not condition() and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.05)

    def accepts_sipp(self) -> bool:
        """Whether the switch currently trusts SIPp's source as a trunk."""
        return self.node.service.core.trunk_for_source("127.0.0.1", self.sipp_port) is not None


@pytest.fixture
async def node(sqlite_template: Path, tmp_path: Path) -> AsyncIterator[NodeUnderTest]:
    """A SwitchNode over a migrated SQLite copy with one tenant and no trunks yet."""
    path = tmp_path / "seatline.db"
    shutil.copyfile(sqlite_template, path)
    database = Database(f"sqlite+aiosqlite:///{path}")
    slug = f"t{secrets.token_hex(4)}"
    async with database.transaction() as session:
        tenant = Tenant(name=slug, slug=slug, seat_count=1, sip_domain=f"{slug}.example")
        session.add(tenant)
    switch_node = SwitchNode(database, refresh_seconds=REFRESH_SECONDS)
    sut = NodeUnderTest(switch_node, database, tenant, free_port())
    demo = switch_node.service.router.route("9000")
    assert demo is not None

    async def watched(call: Call) -> None:
        sut.calls.append(call)
        await demo(call)

    switch_node.service.router.add("9000", watched)
    low = max(20000, min(free_port(), 60000))
    await switch_node.start("127.0.0.1", 0, (low, low + 4000))
    try:
        yield sut
    finally:
        await switch_node.stop()
        await database.dispose()


async def add_trunk(sut: NodeUnderTest, name: str, match_source: str) -> Trunk:
    """Store an inbound trunk for the node's tenant, as the API would."""
    async with sut.database.transaction() as session:
        values = {"name": name, "direction": TrunkDirection.INBOUND, "match_source": match_source}
        return await create_owned(session, Trunk, sut.tenant.id, values)


async def test_a_trunk_added_after_start_is_accepted_and_a_deleted_one_is_not(
    node: NodeUnderTest,
) -> None:
    refused = await node.call()
    assert refused.successful == 0 and refused.failed == 1
    assert node.calls == []

    trunk = await add_trunk(node, "late-carrier", node.source())
    await node.wait_until(node.accepts_sipp)
    accepted = await node.call()
    assert accepted.returncode == 0, accepted.errors[:2000]
    assert accepted.successful == 1
    assert [(c.trunk_name, c.tenant_id) for c in node.calls] == [
        ("late-carrier", str(node.tenant.id))
    ]

    async with node.database.transaction() as session:
        await delete_owned(session, Trunk, node.tenant.id, trunk.id)
    await node.wait_until(lambda: not node.accepts_sipp())
    refused_again = await node.call()
    assert refused_again.successful == 0 and refused_again.failed == 1
    assert len(node.calls) == 1


async def test_an_edited_trunk_applies_and_a_call_in_progress_survives_its_deletion(
    node: NodeUnderTest,
) -> None:
    trunk = await add_trunk(node, "carrier", node.source(free_port()))  # another port first
    await node.wait_until(lambda: len(node.node.service.core.config.trunks) == 1)
    assert not node.accepts_sipp()
    async with node.database.transaction() as session:
        row = await get_owned(session, Trunk, node.tenant.id, trunk.id)
        row.match_source = node.source()
    await node.wait_until(node.accepts_sipp)

    # A 3 s call; the trunk it came over is deleted while it is up.
    long_call = asyncio.ensure_future(node.call(pause_ms=3000))
    await node.wait_until(lambda: bool(node.calls))
    assert node.calls, "the call never reached the switch"
    async with node.database.transaction() as session:
        await delete_owned(session, Trunk, node.tenant.id, trunk.id)
    await node.wait_until(lambda: not node.accepts_sipp())
    assert not node.accepts_sipp()
    assert node.node.service.core.legs, "the call in progress was dropped"
    result = await long_call
    assert result.returncode == 0, result.errors[:2000]
    assert result.successful == 1  # its BYE was still answered with 200
