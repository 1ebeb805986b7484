"""Assemble the FastAPI app from its routers; the database and settings are handed in."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

import seatline
from seatline.api import (
    agents,
    audit,
    auth,
    campaigns,
    contacts,
    events,
    flows,
    health,
    lookups,
    tenants,
    trunks,
    users,
)
from seatline.api.body_limit import install_body_limits
from seatline.api.crud import crud_router
from seatline.api.errors import install_error_handlers
from seatline.api.ratelimit import LoginLimiter
from seatline.api.resources import RESOURCES
from seatline.api.security_headers import SecurityHeadersMiddleware
from seatline.config import Settings
from seatline.live.bus import EventBus, default_bus
from seatline.store.db import Database

__all__ = ["create_app", "mount_router"]


def mount_router(app: FastAPI, router: APIRouter) -> None:
    """Add a router's routes to the app (use this, not include_router, for new endpoints)."""
    # Copy the routes (their paths already carry the full prefix) rather than include_router:
    # app.routes then lists every endpoint itself, which the isolation test walks, and each
    # route's `path` is the full template that the metrics label requests with.
    app.router.routes.extend(router.routes)


def create_app(settings: Settings, database: Database, bus: EventBus | None = None) -> FastAPI:
    """Return the Seatline web app bound to `database` and `bus` (the process's by default)."""
    if not settings.secret_key:
        raise ValueError("settings.secret_key must be set (load_settings generates one)")
    app = FastAPI(
        title="Seatline",
        version=seatline.__version__,
        description="Configuration API of the Seatline call center.",
        docs_url="/docs",
        openapi_url="/openapi.json",
    )
    app.state.settings = settings
    app.state.database = database
    app.state.bus = bus or default_bus()
    app.state.login_limiter = LoginLimiter(
        settings.login_max_failures,
        settings.login_window_seconds,
        settings.login_address_max_failures,
    )
    routers = [auth.router, tenants.router, users.router, agents.router, health.router]
    routers += [flows.router, contacts.router, lookups.router, events.router]
    routers += [campaigns.router, campaigns.calls_router, trunks.router]
    routers += [campaigns.dnc_router, campaigns.platform_dnc_router, audit.router]
    routers += [crud_router(resource) for resource in RESOURCES]
    for router in routers:
        mount_router(app, router)
    install_error_handlers(app)
    install_body_limits(app)
    health.install_metrics(app)  # outside the limits, so their 413s are counted too
    docs = (app.docs_url, app.swagger_ui_oauth2_redirect_url, app.redoc_url)
    # Outermost of ours, so every answer (a 413 from the limits too) carries the headers.
    app.add_middleware(SecurityHeadersMiddleware, docs_paths=[path for path in docs if path])
    return app
