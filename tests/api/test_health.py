"""/healthz and /metrics."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from seatline.api import create_app
from seatline.config import load_settings
from seatline.store.db import Database

SECRET = "test-secret-key-" + "x" * 32  # the conftest app's key


async def test_healthz_checks_the_database(client: httpx.AsyncClient) -> None:
    answer = await client.get("/healthz")
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok", "database": "ok"}


async def test_metrics_count_requests_by_route_template(client: httpx.AsyncClient) -> None:
    await client.get("/healthz")
    await client.get("/api/queues/00000000-0000-0000-0000-000000000000")
    text = (await client.get("/metrics")).text
    assert 'seatline_http_requests_total{method="GET",route="/healthz",status="200"} 1.0' in text
    assert 'route="/api/queues/{item_id}",status="401"' in text
    assert "seatline_http_request_seconds_bucket" in text
    assert "seatline_database_up 1.0" in text
    assert "seatline_agents_logged_in" in text


async def test_openapi_lists_the_api(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    assert "/api/agents/{item_id}/login" in schema["paths"]
    assert (await client.get("/docs")).status_code == 200


async def test_random_methods_and_paths_share_a_few_metric_labels(
    client: httpx.AsyncClient,
) -> None:
    # Finding 10: the raw method became a label, so random methods grew /metrics without bound.
    for n in range(200):
        await client.request(f"X{n:04d}", "/healthz")
        await client.request("GET", f"/nowhere/{n}")
    text = (await client.get("/metrics")).text
    methods = set(re.findall(r'seatline_http_requests_total\{method="([^"]*)"', text))
    assert methods <= {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "OTHER"}
    assert "OTHER" in methods
    routes = set(re.findall(r'seatline_http_requests_total\{[^}]*route="([^"]*)"', text))
    assert routes <= {"/healthz", "/metrics", "unmatched"}, routes
    assert len(re.findall(r"^seatline_http_requests_total\{", text, re.MULTILINE)) <= 6


@pytest.fixture
def guarded_app(database: Database, tmp_path: Path) -> FastAPI:
    """An app whose /metrics wants a bearer token."""
    settings = load_settings(
        {"data_dir": tmp_path, "secret_key": SECRET, "metrics_token": "scrape-" + "s" * 24},
        create_secret=False,
    )
    return create_app(settings, database)


async def test_metrics_token_guards_the_scrape(guarded_app: FastAPI) -> None:
    transport = httpx.ASGITransport(app=guarded_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://seatline.test") as http:
        missing = await http.get("/metrics")
        assert missing.status_code == 401, missing.text
        assert missing.json()["error_id"] == "not-authenticated"
        wrong = await http.get("/metrics", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        right = await http.get("/metrics", headers={"Authorization": "Bearer scrape-" + "s" * 24})
        assert right.status_code == 200
        assert "seatline_http_requests_total" in right.text
        assert (await http.get("/healthz")).status_code == 200  # liveness stays open
