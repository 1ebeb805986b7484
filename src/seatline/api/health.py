"""Liveness and Prometheus metrics: /healthz checks the database, /metrics exposes counters.

Each app owns its own CollectorRegistry so several apps (tests) never collide on metric names.
Every label comes from a fixed set (the standard methods or `OTHER`, the app's route templates
or `unmatched`, the status the app answered): a client choosing methods or paths at random
must not be able to add time series, which would grow memory and every scrape for good.
`/metrics` wants a bearer token when the `metrics_token` setting is set.
"""

from __future__ import annotations

import hmac
import time
from dataclasses import dataclass

import sqlalchemy as sa
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from seatline.api.deps import bearer_of, settings_of
from seatline.api.errors import ApiError
from seatline.store.db import Database
from seatline.store.models import Agent, Tenant

__all__ = ["KNOWN_METHODS", "Metrics", "MetricsMiddleware", "method_label", "router"]

router = APIRouter(tags=["health"])

KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def method_label(method: str) -> str:
    """Return the method as a metric label: a standard one as it is, anything else `OTHER`."""
    return method if method in KNOWN_METHODS else "OTHER"


@dataclass
class Metrics:
    """The app's Prometheus instruments."""

    registry: CollectorRegistry
    requests: Counter
    latency: Histogram
    in_progress: Gauge
    database_up: Gauge
    tenants: Gauge
    agents_logged_in: Gauge

    @classmethod
    def create(cls) -> Metrics:
        """Create the instruments in a fresh registry."""
        registry = CollectorRegistry()
        return cls(
            registry=registry,
            requests=Counter(
                "seatline_http_requests",
                "HTTP requests answered",
                ["method", "route", "status"],
                registry=registry,
            ),
            latency=Histogram(
                "seatline_http_request_seconds",
                "Time to answer an HTTP request",
                ["method", "route"],
                registry=registry,
            ),
            in_progress=Gauge(
                "seatline_http_requests_in_progress", "Requests being answered", registry=registry
            ),
            database_up=Gauge(
                "seatline_database_up", "1 when the database answered", registry=registry
            ),
            tenants=Gauge("seatline_tenants", "Tenants configured", registry=registry),
            agents_logged_in=Gauge(
                "seatline_agents_logged_in", "Agents logged in (seats taken)", registry=registry
            ),
        )


class MetricsMiddleware:
    """Count and time every HTTP request by method, route template and status."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Wrap one request."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        started = time.perf_counter()

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        self.metrics.in_progress.inc()
        try:
            await self.app(scope, receive, record_status)
        finally:
            self.metrics.in_progress.dec()
            route = scope.get("route")
            # The template, not the raw path: ids would give every row its own time series.
            template = getattr(route, "path", "unmatched")
            method = method_label(scope["method"])
            self.metrics.requests.labels(method, template, str(status)).inc()
            self.metrics.latency.labels(method, template).observe(time.perf_counter() - started)


@router.get("/healthz", summary="Liveness and database check")
async def healthz(request: Request) -> JSONResponse:
    """Answer 200 {"status": "ok"} when the database answers, else 503."""
    database: Database = request.app.state.database
    up = await database.ping()
    request.app.state.metrics.database_up.set(1 if up else 0)
    body = {"status": "ok" if up else "degraded", "database": "ok" if up else "unreachable"}
    return JSONResponse(body, status_code=200 if up else 503)


@router.get("/metrics", summary="Prometheus metrics")
async def metrics(request: Request) -> Response:
    """Expose the metrics in the Prometheus text format (with the bearer token when one is set)."""
    _check_scraper(request)
    database: Database = request.app.state.database
    instruments: Metrics = request.app.state.metrics
    try:
        async with database.sessions() as session:
            tenants = await session.scalar(sa.select(sa.func.count()).select_from(Tenant))
            logged_in = await session.scalar(
                sa.select(sa.func.count()).select_from(Agent).where(Agent.logged_in.is_(True))
            )
        instruments.tenants.set(tenants or 0)
        instruments.agents_logged_in.set(logged_in or 0)
        instruments.database_up.set(1)
    except sa.exc.SQLAlchemyError:
        instruments.database_up.set(0)
    return Response(generate_latest(instruments.registry), media_type=CONTENT_TYPE_LATEST)


def _check_scraper(request: Request) -> None:
    expected = settings_of(request).metrics_token
    if expected is None:
        return
    given = bearer_of(request) or ""
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise ApiError(401, "not-authenticated", "/metrics wants Authorization: Bearer <token>")


def install_metrics(app: FastAPI) -> Metrics:
    """Create the app's instruments and wrap it in the counting middleware."""
    instruments = Metrics.create()
    app.state.metrics = instruments
    app.add_middleware(MetricsMiddleware, metrics=instruments)
    return instruments
