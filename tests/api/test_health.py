"""/healthz and /metrics."""

from __future__ import annotations

import httpx


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
