"""Revocable sessions: logout ends its session, a password change or deactivation ends them all.

Finding 11 of issue 11: logout only cleared the cookie, and a password change left every
token valid for the rest of its 12 hours. Finding 15: users could not change their own
password.
"""

from __future__ import annotations

from typing import Any

import httpx

from seatline.store.enums import Role

PASSWORD = "correct-horse"  # the conftest users' password
World = Any  # the conftest's World


async def _login(client: httpx.AsyncClient, username: str, password: str = PASSWORD) -> str:
    answer = await client.post("/api/auth/login", json={"username": username, "password": password})
    assert answer.status_code == 200, answer.text
    client.cookies.clear()  # each test names its token explicitly
    return str(answer.json()["token"])


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _works(client: httpx.AsyncClient, token: str) -> bool:
    answer = await client.get("/api/auth/me", headers=_bearer(token))
    assert answer.status_code in (200, 401), answer.text
    return answer.status_code == 200


async def test_logout_ends_this_session_only(client: httpx.AsyncClient, tenant_a: World) -> None:
    username = tenant_a.usernames[Role.SUPERVISOR]
    desk, wallboard = await _login(client, username), await _login(client, username)
    assert await _works(client, desk) and await _works(client, wallboard)
    answer = await client.post("/api/auth/logout", headers=_bearer(desk))
    assert answer.status_code == 204
    assert not await _works(client, desk)
    assert await _works(client, wallboard)
    # The same for the browser: the cookie's session ends with the logout.
    login = await client.post("/api/auth/login", json={"username": username, "password": PASSWORD})
    cookie = login.cookies["seatline_session"]
    assert (await client.get("/api/auth/me")).status_code == 200
    assert (await client.post("/api/auth/logout")).status_code == 204
    assert not await _works(client, cookie)
    # Logging out with nothing (or something stale) is harmless.
    assert (await client.post("/api/auth/logout")).status_code == 204
    assert (await client.post("/api/auth/logout", headers=_bearer(desk))).status_code == 204


async def test_an_admin_password_reset_or_deactivation_ends_every_session(
    client: httpx.AsyncClient, tenant_a: World
) -> None:
    admin = tenant_a.headers(Role.TENANT_ADMIN)
    user_id = tenant_a.users[Role.AGENT]
    username = tenant_a.usernames[Role.AGENT]
    tokens = [await _login(client, username) for _ in range(2)]
    reset = await client.patch(
        f"/api/users/{user_id}", json={"password": "a-new-password"}, headers=admin
    )
    assert reset.status_code == 200, reset.text
    assert [await _works(client, token) for token in tokens] == [False, False]
    token = await _login(client, username, "a-new-password")
    off = await client.patch(f"/api/users/{user_id}", json={"active": False}, headers=admin)
    assert off.status_code == 200
    assert not await _works(client, token)
    on = await client.patch(f"/api/users/{user_id}", json={"active": True}, headers=admin)
    assert on.status_code == 200
    assert not await _works(client, token)  # coming back does not revive the old login


async def test_users_change_their_own_password(client: httpx.AsyncClient, tenant_a: World) -> None:
    username = tenant_a.usernames[Role.AGENT]
    here, elsewhere = await _login(client, username), await _login(client, username)
    url = "/api/auth/password"
    wrong = await client.post(
        url,
        json={"old_password": "not-it", "new_password": "brand-new-secret"},
        headers=_bearer(here),
    )
    assert wrong.status_code == 403 and wrong.json()["error_id"] == "wrong-password"
    same = await client.post(
        url, json={"old_password": PASSWORD, "new_password": PASSWORD}, headers=_bearer(here)
    )
    assert same.status_code == 422
    short = await client.post(
        url, json={"old_password": PASSWORD, "new_password": "short"}, headers=_bearer(here)
    )
    assert short.status_code == 422
    nobody = await client.post(url, json={"old_password": PASSWORD, "new_password": "x" * 12})
    assert nobody.status_code == 401
    changed = await client.post(
        url,
        json={"old_password": PASSWORD, "new_password": "brand-new-secret"},
        headers=_bearer(here),
    )
    assert changed.status_code == 204, changed.text
    assert await _works(client, here)  # the session that changed it stays
    assert not await _works(client, elsewhere)  # every other one ends
    old = await client.post("/api/auth/login", json={"username": username, "password": PASSWORD})
    assert old.status_code == 401
    assert await _login(client, username, "brand-new-secret")


async def test_guessing_the_old_password_is_limited_like_a_login(
    client: httpx.AsyncClient, tenant_a: World
) -> None:
    username = tenant_a.usernames[Role.SUPERVISOR]
    token = await _login(client, username)
    body = {"old_password": "guess", "new_password": "brand-new-secret"}
    for _ in range(5):
        answer = await client.post("/api/auth/password", json=body, headers=_bearer(token))
        assert answer.status_code == 403
    locked = await client.post("/api/auth/password", json=body, headers=_bearer(token))
    assert locked.status_code == 429
    assert locked.json()["error_id"] == "too-many-failed-logins"
