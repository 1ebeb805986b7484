"""Password guessing: failed logins per name and per client address end in a 429 for a while."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from seatline.api import create_app
from seatline.api.ratelimit import LoginLimiter
from seatline.config import load_settings
from seatline.store.db import Database
from seatline.store.enums import Role

PASSWORD = "correct-horse"  # the conftest users' password
SECRET = "test-secret-key-" + "x" * 32  # the conftest app's key
World = Any  # the conftest's World


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        """The current fake time."""
        return self.now


@pytest.fixture
def clock(app: FastAPI) -> FakeClock:
    """The app's login limiter on a fake clock."""
    fake = FakeClock()
    app.state.login_limiter.clock = fake
    return fake


@pytest.fixture
async def client_from() -> AsyncIterator[Any]:
    """Make clients of an app that appear to come from a given address."""
    opened: list[httpx.AsyncClient] = []

    def make(app: FastAPI, address: str) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=app, client=(address, 40000))
        http = httpx.AsyncClient(transport=transport, base_url="http://seatline.test")
        opened.append(http)
        return http

    yield make
    for http in opened:
        await http.aclose()


async def login(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    """POST /api/auth/login."""
    return await client.post("/api/auth/login", json={"username": username, "password": password})


def assert_locked(answer: httpx.Response, retry_after: int) -> None:
    """A 429 with Retry-After and the shared JSON error body."""
    assert answer.status_code == 429, answer.text
    assert answer.headers["Retry-After"] == str(retry_after)
    body = answer.json()
    assert body["error_id"] == "too-many-failed-logins"
    assert body["message"] == f"too many failed logins; try again in {retry_after} seconds"
    assert body["details"] == {"retry_after": retry_after}
    assert "token" not in body and "set-cookie" not in answer.headers


async def test_five_wrong_passwords_lock_the_name_even_for_the_right_one(
    app: FastAPI, client_from: Any, clock: FakeClock, tenant_a: World
) -> None:
    username = tenant_a.usernames[Role.SUPERVISOR]
    # Each guess from another address, so only the per-name count can lock.
    for n in range(5):
        answer = await login(client_from(app, f"198.51.100.{n}"), username, "guess")
        assert answer.status_code == 401, answer.text
        clock.now += 10
    elsewhere = client_from(app, "203.0.113.9")
    assert_locked(await login(elsewhere, username, PASSWORD), 300 - 50)
    assert_locked(await login(elsewhere, username.upper(), PASSWORD), 250)  # same name
    clock.now += 249
    assert_locked(await login(elsewhere, username, PASSWORD), 1)
    clock.now += 1  # the first failure has left the window
    assert (await login(elsewhere, username, PASSWORD)).status_code == 200
    # Other names are not affected by this name's lock.
    other = tenant_a.usernames[Role.AGENT]
    assert (await login(elsewhere, other, PASSWORD)).status_code == 200


async def test_a_success_clears_the_count_for_that_name(
    app: FastAPI, client_from: Any, clock: FakeClock, tenant_a: World
) -> None:
    username = tenant_a.usernames[Role.TENANT_ADMIN]
    for round_ in range(3):
        for n in range(4):
            client = client_from(app, f"198.51.100.{round_ * 10 + n}")
            assert (await login(client, username, "guess")).status_code == 401
        client = client_from(app, f"198.51.100.{round_ * 10 + 9}")
        assert (await login(client, username, PASSWORD)).status_code == 200
    # Without the clearing, 12 failures in the window would have locked the name long ago.
    assert (await login(client_from(app, "192.0.2.200"), username, "guess")).status_code == 401


async def test_one_address_guessing_many_names_is_locked_out(
    app: FastAPI, client: httpx.AsyncClient, clock: FakeClock, tenant_a: World
) -> None:
    for n in range(5):
        assert (await login(client, f"nobody{n}@nowhere", "guess")).status_code == 401
    # A real user's right password from the same address is refused too...
    assert_locked(await login(client, tenant_a.usernames[Role.AGENT], PASSWORD), 300)
    clock.now += 300
    # ...until the window has passed.
    assert (await login(client, tenant_a.usernames[Role.AGENT], PASSWORD)).status_code == 200


async def test_the_limits_come_from_the_settings(
    database: Database, tmp_path: Path, client_from: Any, tenant_a: World
) -> None:
    settings = load_settings(
        {
            "data_dir": tmp_path,
            "secret_key": SECRET,
            "login_max_failures": 2,
            "login_window_seconds": 60,
        },
        create_secret=False,
    )
    app = create_app(settings, database)
    app.state.login_limiter.clock = FakeClock()
    client = client_from(app, "192.0.2.1")
    username = tenant_a.usernames[Role.SUPERVISOR]
    for _ in range(2):
        assert (await login(client, username, "guess")).status_code == 401
    assert_locked(await login(client, username, PASSWORD), 60)


def test_limiter_window_slides() -> None:
    clock = FakeClock()
    limiter = LoginLimiter(max_failures=3, window=100, clock=clock)
    for _ in range(2):
        limiter.record_failure("k")
        clock.now += 40
    assert limiter.retry_after("k") == 0  # two failures, at 1000 and 1040
    limiter.record_failure("k")  # at 1080: the third within the window locks
    assert limiter.retry_after("k") == 20  # until 1100, when the first one is 100 s old
    clock.now += 20
    assert limiter.retry_after("k") == 0
    limiter.record_failure("k")  # at 1100: again three (1040, 1080, 1100) within 100 s
    assert limiter.retry_after("k") == 40
    assert limiter.retry_after("other") == 0
    limiter.clear("k")
    assert limiter.retry_after("k") == 0


def test_limiter_memory_is_bounded() -> None:
    limiter = LoginLimiter(max_failures=1, window=100, clock=FakeClock(), max_keys=3)
    for n in range(10):
        limiter.record_failure(f"k{n}")
    assert len(limiter._failures) == 3
    assert limiter.retry_after("k9") == 100 and limiter.retry_after("k0") == 0
