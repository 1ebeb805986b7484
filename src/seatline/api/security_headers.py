"""Security headers on every HTTP response: a Content-Security-Policy and its companions.

Every response gets a policy that allows no inline script and nothing from other origins
(`script-src 'self'`, `frame-ancestors 'none'` …), `X-Content-Type-Options: nosniff`,
`Referrer-Policy: no-referrer`, `X-Frame-Options: DENY`, `Cache-Control: no-store` on the API
(tokens, records, recordings must not sit in a shared cache), and, when the request came over
https, `Strict-Transport-Security`.

The interactive API docs are the one exception, and only on their own pages: Swagger UI and
ReDoc load from a CDN and FastAPI starts them with an inline script. Their policy allows that
CDN and exactly the inline scripts the page carries, by their SHA-256 hashes computed from the
page itself, so any other inline script (an injected one) still does not run.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["API_POLICY", "SecurityHeadersMiddleware", "docs_policy", "inline_script_hashes"]

API_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'"
)
DOCS_CDN = "https://cdn.jsdelivr.net"
HSTS = "max-age=31536000"
_INLINE_SCRIPT = re.compile(
    rb"<script(?![^>]*\bsrc\s*=)[^>]*>(.*?)</script\s*>", re.DOTALL | re.IGNORECASE
)


def inline_script_hashes(page: bytes) -> list[str]:
    """Return the CSP source expressions ('sha256-…') of a page's inline scripts."""
    hashes = []
    for match in _INLINE_SCRIPT.finditer(page):
        digest = base64.b64encode(hashlib.sha256(match[1]).digest()).decode()
        hashes.append(f"'sha256-{digest}'")
    return hashes


def docs_policy(script_hashes: Iterable[str]) -> str:
    """Return the policy of a docs page: its CDN, its own inline scripts, nothing else."""
    scripts = " ".join([DOCS_CDN, *sorted(set(script_hashes))])
    return (
        f"default-src 'none'; script-src {scripts}; "
        # Swagger UI and ReDoc set styles from script; a style cannot run code.
        f"style-src {DOCS_CDN} https://fonts.googleapis.com 'unsafe-inline'; "
        "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly; "
        "font-src https://fonts.gstatic.com; connect-src 'self'; worker-src blob:; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'"
    )


class SecurityHeadersMiddleware:
    """Add the security headers to every HTTP response (the docs pages get their own CSP)."""

    def __init__(self, app: ASGIApp, docs_paths: Iterable[str]) -> None:
        self.app = app
        self.docs_paths = frozenset(docs_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Wrap one request."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"] in self.docs_paths:
            await self._docs_page(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                self._add(scope, message, API_POLICY)
            await send(message)

        await self.app(scope, receive, with_headers)

    async def _docs_page(self, scope: Scope, receive: Receive, send: Send) -> None:
        # A docs page is small: hold it whole, so its policy can name its inline scripts.
        start: Message | None = None
        body = bytearray()

        async def hold(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            body.extend(message.get("body", b""))
            if message.get("more_body", False):
                return
            self._add(scope, start, docs_policy(inline_script_hashes(bytes(body))))
            await send(start)
            await send({"type": "http.response.body", "body": bytes(body)})

        await self.app(scope, receive, hold)

    @staticmethod
    def _add(scope: Scope, start: Message, policy: str) -> None:
        headers = MutableHeaders(scope=start)
        headers.setdefault("Content-Security-Policy", policy)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "no-referrer")
        headers.setdefault("X-Frame-Options", "DENY")
        if scope["path"].startswith("/api/"):
            headers.setdefault("Cache-Control", "no-store")
        if scope.get("scheme") == "https":
            headers.setdefault("Strict-Transport-Security", HSTS)
