"""Signed session tokens: `<payload>.<signature>`, HMAC-SHA256 over the payload with the secret.

Stateless, so any node with the same secret key accepts them; the user row is still loaded on
every request, so a deleted or deactivated user loses access at once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid

__all__ = ["issue_token", "read_token"]

_CONTEXT = b"seatline-session-v1"


def _sign(secret: str, payload: bytes) -> str:
    key = hmac.new(secret.encode(), _CONTEXT, hashlib.sha256).digest()
    digest = hmac.new(key, payload, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def issue_token(secret: str, user_id: uuid.UUID, expires_at: int) -> str:
    """Return a token naming the user, valid until the Unix time `expires_at`."""
    payload = json.dumps({"u": str(user_id), "e": expires_at}, separators=(",", ":")).encode()
    encoded = base64.urlsafe_b64encode(payload).rstrip(b"=").decode()
    return f"{encoded}.{_sign(secret, encoded.encode())}"


def read_token(secret: str, token: str, now: float) -> uuid.UUID | None:
    """Return the user id of a valid, unexpired token, else None."""
    encoded, _, signature = token.partition(".")
    if not signature or not hmac.compare_digest(signature, _sign(secret, encoded.encode())):
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
        if float(payload["e"]) <= now:
            return None
        return uuid.UUID(payload["u"])
    except (ValueError, KeyError, TypeError):
        return None
