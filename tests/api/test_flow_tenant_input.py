"""The API refuses what a tenant's flow may not run, naming the node (issue 11, findings 3, 8)."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from seatline.store.enums import Role

World = Any  # the conftest's World


def flow(node: dict[str, Any]) -> dict[str, Any]:
    """A flow whose start node is `node`, every branch ending in a hang-up."""
    return {"name": "t", "start": "ask", "nodes": {"ask": node, "end": {"type": "hangup"}}}


def collect(pattern: str) -> dict[str, Any]:
    """A collect node checking the digits with `pattern`."""
    return {"type": "collect", "into": "pin", "pattern": pattern, "ok": "end", "invalid": "end"}


def webhook(url: str) -> dict[str, Any]:
    """A lookup node calling `url`."""
    return {
        "type": "lookup",
        "webhook": url,
        "key": "caller",
        "found": "end",
        "not_found": "end",
        "error": "end",
    }


@pytest.mark.parametrize(
    ("node", "words"),
    [
        (collect(r"(\d)\1"), "linear-time pattern engine"),
        (collect("(?<=1)2"), "linear-time pattern engine"),
        (webhook("https://169.254.169.254/latest/meta-data/"), "link-local"),
        (webhook("https://0x7f000001.0/"), "looks like an address"),
    ],
)
async def test_refused_naming_the_node(
    client: httpx.AsyncClient, tenant_a: World, node: dict[str, Any], words: str
) -> None:
    admin = tenant_a.headers(Role.TENANT_ADMIN)
    answer = await client.post(
        "/api/flows", json={"name": "t", "definition": flow(node)}, headers=admin
    )
    assert answer.status_code == 422, answer.text
    message = answer.json()["message"]
    assert message.startswith("node 'ask': field ") and words in message


async def test_a_catastrophic_pattern_is_stored_and_costs_nothing(
    client: httpx.AsyncClient, tenant_a: World
) -> None:
    # RE2 runs (0*)*1 in linear time: nothing to refuse, nothing to fear.
    admin = tenant_a.headers(Role.TENANT_ADMIN)
    before = time.process_time()
    answer = await client.post(
        "/api/flows", json={"name": "t", "definition": flow(collect("(0*)*1"))}, headers=admin
    )
    assert answer.status_code == 201, answer.text
    assert time.process_time() - before < 1.0  # the whole request, on a loaded machine
