"""Signed session tokens: `<payload>.<signature>`, HMAC-SHA256 over the payload with the secret.

The payload names the user, the login session (a `user_sessions` row) and the expiry. The
signature means only a holder of the secret key can make one; the session row means a token
ends when its session does (logout, password change, deactivation), not only when it expires.
Tokens from before sessions existed (no session id) are refused: those users log in again.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass

__all__ = ["TokenClaims", "issue_token", "read_token"]

_CONTEXT = b"seatline-session-v1"


@dataclass(frozen=True, slots=True)
class TokenClaims:
    """What a valid token says: whose it is and which login session it belongs to."""

    user_id: uuid.UUID
    session_id: uuid.UUID


def _sign(secret: str, payload: bytes) -> str:
    key = hmac.new(secret.encode(), _CONTEXT, hashlib.sha256).digest()
    digest = hmac.new(key, payload, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def issue_token(secret: str, user_id: uuid.UUID, session_id: uuid.UUID, expires_at: int) -> str:
    """Return a token naming the user and its session, valid until the Unix time `expires_at`."""
    claims = {"u": str(user_id), "s": str(session_id), "e": expires_at}
    payload = json.dumps(claims, separators=(",", ":")).encode()
    encoded = base64.urlsafe_b64encode(payload).rstrip(b"=").decode()
    return f"{encoded}.{_sign(secret, encoded.encode())}"


def read_token(secret: str, token: str, now: float) -> TokenClaims | None:
    """Return the claims of a validly signed, unexpired token, else None."""
    encoded, _, signature = token.partition(".")
    expected = _sign(secret, encoded.encode()).encode()
    # Bytes, not text: compare_digest refuses non-ASCII text, and a header may carry any.
    if not signature or not hmac.compare_digest(signature.encode(), expected):
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
        if float(payload["e"]) <= now:
            return None
        return TokenClaims(uuid.UUID(payload["u"]), uuid.UUID(payload["s"]))
    except (ValueError, KeyError, TypeError):
        return None
