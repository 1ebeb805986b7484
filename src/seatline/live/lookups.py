"""Lookups a flow makes outside the store: a tenant's https webhook answering a JSON object.

The webhook's URL is the tenant's, so the request goes through the SSRF guard
(`live.safe_http`): a host that is, or resolves to, this node, the cloud's metadata service
or (unless the operator allows private networks) a private network is refused and never
reached, and so is a redirect. The whole lookup, answer included, must finish within the
node's timeout, and an answer is read up to `MAX_ANSWER_BYTES`, so a slow or huge answer
cannot hold a caller or the node.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import urlsplit

import httpx

from seatline.flows import events as e
from seatline.flows.model import LookupSource
from seatline.guard.addresses import check_host
from seatline.live.safe_http import RefusedDestination, guarded_client

__all__ = ["MAX_ANSWER_BYTES", "webhook_lookup"]

MAX_ANSWER_BYTES = 65_536  # a lookup answers a few fields; more is a mistake or an attack


class _TooLarge(Exception):
    """The answer is longer than MAX_ANSWER_BYTES."""


async def webhook_lookup(
    source: LookupSource, key: str, *, allow_private: bool = False, **client_options: Any
) -> e.LookupResult | e.LookupFailed:
    """GET `source.target?key=…` (https, validated with the flow) and read a JSON object.

    `allow_private` is the operator's `allow_private_networks`; `client_options` go to
    `guarded_client` (tests pass their own resolver or TLS context).
    """
    try:
        host = urlsplit(source.target).hostname or ""
    except ValueError as error:  # e.g. an unclosed IPv6 bracket
        return e.LookupFailed(f"webhook refused: not a usable URL ({error})")
    reason = check_host(host, allow_private)
    if reason is not None:
        return e.LookupFailed(f"webhook refused: {reason}")
    try:
        async with asyncio.timeout(source.timeout_seconds):
            status, body = await _get(source, key, allow_private, client_options)
    except RefusedDestination as error:
        return e.LookupFailed(f"webhook refused: {error.reason}")
    except TimeoutError:
        return e.LookupFailed("webhook: Timeout (no complete answer in time)")
    except httpx.InvalidURL as error:
        return e.LookupFailed(f"webhook refused: not a usable URL ({error})")
    except httpx.HTTPError as error:
        return e.LookupFailed(f"webhook: {type(error).__name__}")
    except _TooLarge:
        return e.LookupFailed(f"webhook answered more than {MAX_ANSWER_BYTES} bytes")
    if status == 404:
        return e.LookupResult(False)
    if status != 200:
        return e.LookupFailed(f"webhook answered {status}")
    try:
        answer = json.loads(body)
    except (ValueError, RecursionError):
        return e.LookupFailed("webhook did not answer JSON")
    if not isinstance(answer, dict):
        return e.LookupFailed("webhook did not answer a JSON object")
    return e.LookupResult(True, {str(k): v for k, v in answer.items() if _scalar(v)})


async def _get(
    source: LookupSource, key: str, allow_private: bool, options: dict[str, Any]
) -> tuple[int, bytes]:
    """The answer's status and body (at most MAX_ANSWER_BYTES); redirects are not followed."""
    timeout = source.timeout_seconds
    async with (
        guarded_client(timeout=timeout, allow_private=allow_private, **options) as client,
        client.stream("GET", source.target, params={"key": key}) as response,
    ):
        if response.status_code != 200:
            return response.status_code, b""
        body = bytearray()
        async for chunk in response.aiter_bytes():
            body += chunk
            if len(body) > MAX_ANSWER_BYTES:
                raise _TooLarge
        return response.status_code, bytes(body)


def _scalar(value: object) -> bool:
    return value is None or isinstance(value, str | int | float | bool)
