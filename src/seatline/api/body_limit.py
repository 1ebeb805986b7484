"""Request body limits per route, held while the body is read (Content-Length or chunked).

Each route belongs to a class with its own limit, from the settings: `login` (the login and
password bodies: tiny, and open to anyone), `csv` (imports, streamed by `api.csv_body`), and
`json` for everything else. The limit holds before authentication, because an anonymous body
costs memory as much as a logged-in one: a declared Content-Length over the limit is answered
413 without reading a byte, and a body (chunked or lying about its length) is cut off as soon
as the bytes read pass the limit. Every 413 has the shared JSON error shape.

The limits are read from `app.state.settings` per request, and route classes are matched by
the route templates listed here, so a renamed route fails the app's start instead of silently
falling back to the JSON limit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from seatline.api.errors import error_response
from seatline.config import Settings

__all__ = [
    "CSV_ROUTES",
    "LOGIN_ROUTES",
    "BodyLimitMiddleware",
    "BodyTooLarge",
    "RouteClasses",
    "install_body_limits",
]

LOGIN_ROUTES = frozenset({("POST", "/api/auth/login"), ("POST", "/api/auth/password")})
CSV_ROUTES = frozenset(
    {("PUT", "/api/lookup-tables/{name}/rows"), ("POST", "/api/campaigns/{item_id}/leads")}
)


class BodyTooLarge(HTTPException):
    """The request body passed its route's limit.

    An HTTPException, because FastAPI's body reader passes those through unchanged (any other
    error while reading becomes a 400).
    """

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is larger than {limit} bytes")
        self.limit = limit


def too_large_response(limit: int) -> JSONResponse:
    """Return the 413 answer (shared error shape); the connection closes after it."""
    return error_response(
        413,
        "too-large",
        f"the request body is larger than {limit} bytes (this route's limit)",
        {"max_bytes": limit},
        headers={"Connection": "close"},
    )


@dataclass(frozen=True)
class _Pattern:
    method: str
    regex: re.Pattern[str]
    kind: str


class RouteClasses:
    """Which limit class a request's route belongs to (`login`, `csv`, else `json`)."""

    def __init__(self, routes: Iterable[BaseRoute]) -> None:
        wanted = {key: "login" for key in LOGIN_ROUTES} | {key: "csv" for key in CSV_ROUTES}
        self._patterns: list[_Pattern] = []
        found = set()
        for route in routes:
            path, regex = getattr(route, "path", None), getattr(route, "path_regex", None)
            for method in getattr(route, "methods", None) or ():
                kind = wanted.get((method, path))  # type: ignore[arg-type]
                if kind is not None and regex is not None:
                    self._patterns.append(_Pattern(method, regex, kind))
                    found.add((method, path))
        missing = set(wanted) - found
        if missing:
            raise ValueError(f"body limits name routes the app does not have: {sorted(missing)}")

    def kind(self, method: str, path: str) -> str:
        """Return the limit class of a request."""
        for pattern in self._patterns:
            if pattern.method == method and pattern.regex.match(path):
                return pattern.kind
        return "json"

    def limit(self, settings: Settings, method: str, path: str) -> int:
        """Return the byte limit of a request's body."""
        kind = self.kind(method, path)
        if kind == "login":
            return settings.login_body_max_bytes
        if kind == "csv":
            return settings.csv_body_max_bytes
        return settings.json_body_max_bytes


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # the server refuses a malformed length before we see it
    return None


class BodyLimitMiddleware:
    """Refuse request bodies over their route's limit with 413, before or while reading."""

    def __init__(self, app: ASGIApp, classes: RouteClasses) -> None:
        self.app = app
        self.classes = classes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Wrap one request: check the declared length, then count what is read."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        settings: Settings = scope["app"].state.settings
        limit = self.classes.limit(settings, scope["method"], scope["path"])
        declared = _declared_length(scope)
        if declared is not None and declared > limit:
            await too_large_response(limit)(scope, receive, send)
            return
        read = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal read
            message = await receive()
            if message["type"] == "http.request":
                read += len(message.get("body", b""))
                if read > limit:
                    raise BodyTooLarge(limit)
            return message

        async def watching_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except BodyTooLarge:
            if started:
                raise
            await too_large_response(limit)(scope, receive, send)


async def _too_large(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, BodyTooLarge)
    return too_large_response(exc.limit)


def install_body_limits(app: FastAPI) -> None:
    """Add the limits to an app whose routes are all mounted (call before the metrics)."""
    app.add_exception_handler(BodyTooLarge, _too_large)
    app.add_middleware(BodyLimitMiddleware, classes=RouteClasses(app.routes))
