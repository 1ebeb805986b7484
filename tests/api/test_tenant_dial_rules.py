"""A tenant's dial rules: which external numbers its flows may transfer to."""

from __future__ import annotations

from typing import Any

import httpx

from seatline.store.enums import Role

World = Any  # the conftest's World


async def test_dial_rules_are_validated_and_kept(
    client: httpx.AsyncClient, tenant_a: World
) -> None:
    operator = tenant_a.headers(Role.PLATFORM_ADMIN)
    url = f"/api/tenants/{tenant_a.tenant.id}"
    rules = {"dial_allowed": ["+4930*", " +4989123456 "], "dial_denied": ["+49309*"]}
    changed = await client.patch(url, json=rules, headers=operator)
    assert changed.status_code == 200, changed.text
    assert changed.json()["dial_allowed"] == ["+4930*", "+4989123456"]
    assert changed.json()["dial_denied"] == ["+49309*"]
    for bad in (["49*30"], ["+49-30*"], ["*"], ["+1234567890123456*"]):
        answer = await client.patch(url, json={"dial_allowed": bad}, headers=operator)
        assert answer.status_code == 422, answer.text
        assert "dial pattern" in answer.json()["message"]
    kept = await client.get(url, headers=operator)
    assert kept.json()["dial_allowed"] == ["+4930*", "+4989123456"]
