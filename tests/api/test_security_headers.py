"""Security headers: a strict CSP everywhere, the docs' own narrow policy, HSTS over https.

Finding 15 of issue 11: responses carried no Content-Security-Policy, no HSTS and none of the
usual companions.
"""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any

import httpx
from fastapi import FastAPI

from seatline.store.enums import Role

World = Any  # the conftest's World


def _directives(policy: str) -> dict[str, list[str]]:
    parts = (item.split() for item in policy.split(";") if item.strip())
    return {words[0]: words[1:] for words in parts}


def assert_strict(answer: httpx.Response) -> None:
    """The API's own headers: no inline or foreign script, no framing, no sniffing."""
    policy = _directives(answer.headers["content-security-policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"] and policy["object-src"] == ["'none'"]
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["referrer-policy"] == "no-referrer"
    assert answer.headers["x-frame-options"] == "DENY"


async def test_every_answer_carries_the_headers(client: httpx.AsyncClient, tenant_a: World) -> None:
    answers = [
        await client.get("/healthz"),
        await client.get("/metrics"),
        await client.get("/openapi.json"),
        await client.get("/nowhere"),  # 404
        await client.get("/api/queues"),  # 401
        await client.get("/api/queues", headers=tenant_a.headers(Role.SUPERVISOR)),
        await client.post("/api/auth/login", json={"username": "a" * 20000, "password": "x"}),
    ]
    assert [answer.status_code for answer in answers] == [200, 200, 200, 404, 401, 200, 413]
    for answer in answers:
        assert_strict(answer)
        assert "strict-transport-security" not in answer.headers  # plain http
    assert answers[5].headers["cache-control"] == "no-store"  # API data stays out of caches


async def test_https_requests_get_hsts(app: FastAPI) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://seatline.test") as https:
        answer = await https.get("/healthz")
    assert answer.headers["strict-transport-security"] == "max-age=31536000"
    assert_strict(answer)


def _inline_hashes(page: str) -> set[str]:
    scripts = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", page, re.DOTALL)
    return {
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
        for s in scripts
    }


async def test_docs_pages_allow_their_cdn_and_exactly_their_own_inline_scripts(
    client: httpx.AsyncClient,
) -> None:
    for path in ("/docs", "/docs/oauth2-redirect", "/redoc"):
        answer = await client.get(path)
        assert answer.status_code == 200, path
        policy = _directives(answer.headers["content-security-policy"])
        scripts = policy["script-src"]
        assert "https://cdn.jsdelivr.net" in scripts or path.endswith("redirect")
        assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts
        hashes = {source for source in scripts if source.startswith("'sha256-")}
        assert hashes == _inline_hashes(answer.text), path
        assert policy["frame-ancestors"] == ["'none'"] and policy["default-src"] == ["'none'"]
        assert answer.headers["x-content-type-options"] == "nosniff"
    assert _inline_hashes((await client.get("/docs")).text)  # Swagger UI starts inline
