"""The switch's built-in test numbers on `seatline up --demo` (issue 12, item 4): 9000 plays a
prompt in a loop and 9001 echoes, as the README says, and each call leaves a contact record in
the caller's tenant like every other call. The demo has no number rows pretending otherwise."""

from __future__ import annotations

import asyncio
from pathlib import Path

from switch.conftest import needs_sipp
from switch.harness import free_port, run_sipp

from .node import Node

pytestmark = [needs_sipp]


async def test_calls_to_the_test_numbers_leave_records(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    node = Node(tmp_path / "data")
    await node.start(demo=True)
    try:
        for number in ("9000", "9001"):
            result = await run_sipp(
                "uac_prompt.xml", node.sip, free_port(), "-m", "1", service=number
            )
            assert result.returncode == 0, result.errors[:2000]
        admin = await asyncio.to_thread(node.login, "admin@demo", "demo-admin")
        numbers = await asyncio.to_thread(node.get, "/api/numbers", admin)
        assert not {"9000", "9001"} & {n["number"] for n in numbers}
        records: list[dict[str, object]] = []
        for _ in range(50):
            records = await asyncio.to_thread(node.get, "/api/contacts", admin)
            if len(records) >= 2:
                break
            await asyncio.sleep(0.1)
        assert sorted(str(r["dialled_number"]) for r in records) == ["9000", "9001"]
        assert {r["outcome"] for r in records} == {"self_service"}, records
    finally:
        await node.stop()
