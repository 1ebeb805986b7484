"""Login and logout: a session cookie for the browser and the same token as a bearer for scripts."""

import time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel

from seatline.api.deps import (
    ALL_ROLES,
    COOKIE_NAME,
    Principal,
    SessionDep,
    require,
    settings_of,
)
from seatline.api.errors import ApiError
from seatline.api.ratelimit import LoginLimiter, address_key
from seatline.api.schemas import LoginBody, UserRead
from seatline.api.tokens import issue_token
from seatline.store.models import User
from seatline.store.users import check_login

__all__ = ["router"]

router = APIRouter(prefix="/api/auth", tags=["auth"])


class LoginAnswer(BaseModel):
    """A token to send as `Authorization: Bearer …`, its expiry and who you are."""

    token: str
    token_type: str = "bearer"
    expires_at: int
    user: UserRead


@router.post("/login", response_model=LoginAnswer, summary="Log in")
async def login(body: LoginBody, request: Request, response: Response, session: SessionDep) -> Any:
    """Check username and password; answer a bearer token and set the session cookie."""
    limiter: LoginLimiter = request.app.state.login_limiter
    account = body.username.strip().lower()
    address = address_key(request.client.host if request.client else "unknown")
    # Checked before the password, so a locked-out guesser learns nothing from a right one.
    wait = limiter.retry_after(account, address)
    if wait:
        raise ApiError(
            429,
            "too-many-failed-logins",
            f"too many failed logins; try again in {wait} seconds",
            {"retry_after": wait},
            headers={"Retry-After": str(wait)},
        )
    # Counted before the slow check, so guesses sent at once cannot all pass the limit.
    limiter.begin(account, address)
    check = await check_login(session, body.username, body.password)
    if not check.accepted or check.user is None:
        raise ApiError(401, "bad-credentials", "wrong username or password")
    user = check.user
    limiter.succeeded(account, address)
    settings = settings_of(request)
    lifetime = settings.session_hours * 3600
    expires_at = int(time.time()) + lifetime
    token = issue_token(settings.secret_key or "", user.id, expires_at)
    response.set_cookie(
        COOKIE_NAME,
        token,
        max_age=lifetime,
        httponly=True,
        samesite="lax",  # no cross-site POST carries the cookie, which blocks CSRF on writes
        secure=request.url.scheme == "https",
        path="/",
    )
    return LoginAnswer(token=token, expires_at=expires_at, user=UserRead.model_validate(user))


@router.post("/logout", status_code=204, summary="Log out (clear the cookie)")
async def logout() -> Response:
    """Clear the session cookie."""
    response = Response(status_code=204)
    response.delete_cookie(COOKIE_NAME, path="/")
    return response


@router.get("/me", response_model=UserRead, summary="Who am I")
async def me(session: SessionDep, who: Annotated[Principal, Depends(require(ALL_ROLES))]) -> Any:
    """Return the logged-in user."""
    return await session.get(User, who.user_id)
