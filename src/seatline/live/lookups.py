"""Lookups a flow makes outside the store: a tenant's https webhook answering a JSON object."""

from __future__ import annotations

from seatline.flows import events as e
from seatline.flows.model import LookupSource

__all__ = ["webhook_lookup"]


async def webhook_lookup(source: LookupSource, key: str) -> e.LookupResult | e.LookupFailed:
    """GET `source.target?key=…` (https only, validated with the flow) and read a JSON object."""
    import httpx

    try:
        async with httpx.AsyncClient(timeout=source.timeout_seconds) as client:
            response = await client.get(source.target, params={"key": key})
    except httpx.HTTPError as error:
        return e.LookupFailed(f"webhook: {type(error).__name__}")
    if response.status_code == 404:
        return e.LookupResult(False)
    if response.status_code != 200:
        return e.LookupFailed(f"webhook answered {response.status_code}")
    try:
        body = response.json()
    except ValueError:
        return e.LookupFailed("webhook did not answer JSON")
    if not isinstance(body, dict):
        return e.LookupFailed("webhook did not answer a JSON object")
    return e.LookupResult(True, {str(k): v for k, v in body.items() if _scalar(v)})


def _scalar(value: object) -> bool:
    return value is None or isinstance(value, str | int | float | bool)
