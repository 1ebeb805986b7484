"""Login, logout and password change: a session cookie for the browser, the same token as a
bearer for scripts, and a login session behind both that logout or a password change ends."""

import datetime as dt
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, StringConstraints, model_validator
from sqlalchemy.ext.asyncio import AsyncSession

from seatline.api.auditor import AuditDep
from seatline.api.deps import (
    ALL_ROLES,
    COOKIE_NAME,
    Principal,
    SessionDep,
    client_address,
    commit,
    require,
    settings_of,
    token_claims,
)
from seatline.api.errors import ApiError
from seatline.api.ratelimit import LoginLimiter, address_key
from seatline.api.schemas import Input, LoginBody, Password, UserRead
from seatline.api.tokens import issue_token
from seatline.store.audit import prune_audit, record_audit
from seatline.store.models import User
from seatline.store.sessions import end_session, open_session, sweep_expired_sessions
from seatline.store.users import (
    check_login,
    release_connection,
    set_own_password,
    verify_password_in_pool,
)

__all__ = ["PasswordChange", "router"]

router = APIRouter(prefix="/api/auth", tags=["auth"])
Anyone = Annotated[Principal, Depends(require(ALL_ROLES))]


class LoginAnswer(BaseModel):
    """A token to send as `Authorization: Bearer …`, its expiry and who you are."""

    token: str
    token_type: str = "bearer"
    expires_at: int
    user: UserRead


class PasswordChange(Input):
    """The password in use and the new one."""

    old_password: Annotated[str, StringConstraints(max_length=128)]
    new_password: Password

    @model_validator(mode="after")
    def _different(self) -> "PasswordChange":
        if self.old_password == self.new_password:
            raise ValueError("the new password must differ from the old one")
        return self


def _limited(request: Request, username: str) -> tuple[LoginLimiter, str, str]:
    """Refuse (429) a locked account or throttled address; return the limiter and its keys."""
    limiter: LoginLimiter = request.app.state.login_limiter
    account = username.strip().lower()
    address = address_key(client_address(request))
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
    return limiter, account, address


async def _audit_limits(
    session: AsyncSession,
    limiter: LoginLimiter,
    account: str,
    address: str,
    tenant_id: uuid.UUID | None,
    username: str,
) -> None:
    """Record the failure that locked the account or used up the address's budget.

    Later attempts are refused before any check, so each lock is recorded about once.
    """
    if limiter.account_locked(account):
        await record_audit(
            session, tenant_id, "anonymous", "auth.account-locked", username, address
        )
    if limiter.address_throttled(address):
        await record_audit(session, None, "anonymous", "auth.address-throttled", address, address)


@router.post("/login", response_model=LoginAnswer, summary="Log in")
async def login(body: LoginBody, request: Request, response: Response, session: SessionDep) -> Any:
    """Check username and password; answer a bearer token and set the session cookie."""
    limiter, account, address = _limited(request, body.username)
    source = client_address(request)
    check = await check_login(session, body.username, body.password)
    if not check.accepted or check.user is None:
        # In the tenant of the user the name belongs to, so its admin sees the guessing.
        tenant_id = check.user.tenant_id if check.user is not None else None
        detail = {"reason": check.reason}
        await record_audit(
            session, tenant_id, "anonymous", "auth.login-failed", body.username, source, detail
        )
        await _audit_limits(session, limiter, account, address, tenant_id, body.username)
        await commit(session)
        raise ApiError(401, "bad-credentials", "wrong username or password")
    user = check.user
    limiter.succeeded(account, address)
    settings = settings_of(request)
    lifetime = settings.session_hours * 3600
    expires = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(seconds=lifetime)
    # Housekeeping on a successful login only, so strangers cannot make the node do it.
    await sweep_expired_sessions(session)
    retention = dt.timedelta(days=settings.audit_retention_days)
    await prune_audit(session, dt.datetime.now(dt.UTC) - retention)
    opened = await open_session(session, user.id, expires, source)
    await record_audit(session, user.tenant_id, user.username, "auth.login", str(user.id), source)
    await commit(session)
    expires_at = int(expires.timestamp())
    token = issue_token(settings.secret_key or "", user.id, opened.id, expires_at)
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


@router.post("/logout", status_code=204, summary="Log out (end this session)")
async def logout(request: Request, session: SessionDep) -> Response:
    """End the session of the token or cookie sent (if any) and clear the cookie."""
    claims = token_claims(request)
    if claims is not None and await end_session(session, claims.session_id):
        user = await session.get(User, claims.user_id)
        if user is not None:
            source = client_address(request)
            await record_audit(
                session, user.tenant_id, user.username, "auth.logout", str(user.id), source
            )
        await commit(session)
    response = Response(status_code=204)
    response.delete_cookie(COOKIE_NAME, path="/")
    return response


@router.post("/password", status_code=204, summary="Change your own password")
async def change_password(
    body: PasswordChange,
    request: Request,
    session: SessionDep,
    who: Anyone,
    audit: AuditDep,
) -> Response:
    """Check the old password, set the new one and end your other sessions (this one stays)."""
    user = await session.get(User, who.user_id)
    assert user is not None  # authenticate just loaded it
    # A stolen session must not turn into a password guesser: the login limits apply.
    limiter, account, address = _limited(request, user.username)
    await release_connection(session)
    if not await verify_password_in_pool(user.password_hash, body.old_password):
        await audit("auth.password-change-failed", user.id, tenant_id=user.tenant_id)
        await commit(session)
        raise ApiError(403, "wrong-password", "the current password is wrong")
    limiter.succeeded(account, address)
    await set_own_password(session, user, body.new_password, keep_session=who.session_id)
    await audit("auth.password-change", user.id, tenant_id=user.tenant_id)
    await commit(session)
    return Response(status_code=204)


@router.get("/me", response_model=UserRead, summary="Who am I")
async def me(session: SessionDep, who: Anyone) -> Any:
    """Return the logged-in user."""
    return await session.get(User, who.user_id)
