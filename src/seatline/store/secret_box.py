"""Secrets the node must read back (carrier trunk passwords), kept encrypted at rest.

A trunk's digest account at the carrier needs the password itself (the carrier's realm is
only known from its challenge), so it cannot be hashed like an agent's. It is sealed with
AES-256-GCM under a key derived by HKDF-SHA256 from the node's `secret_key`; the column holds
`enc:v1:` + base64url(nonce ‖ ciphertext ‖ tag), and the `enc:v1:` marker tells a sealed
value from plaintext an older version left (sealed at start by `store.trunks`).

The key comes with the `Database` (`Database(url, secret_key=...)`), which puts its box in
every session's `info`; there is no global. Rotation is not supported: a database opened
with another `secret_key` cannot open what the old one sealed, and says so
(`SecretKeyError`) instead of handing garbage to the switch. Every node of a cluster needs
the same `secret_key` (they need it for session tokens already).
"""

from __future__ import annotations

import base64
import binascii
import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from seatline.store.errors import StoreError

__all__ = ["PREFIX", "SESSION_KEY", "SecretBox", "SecretKeyError", "box_of", "is_sealed"]

PREFIX = "enc:v1:"
SESSION_KEY = "seatline.secret_box"  # where a session's `info` carries the database's box
_NONCE_BYTES = 12
_PURPOSE = b"seatline trunk passwords v1"  # HKDF info: this key serves nothing else
_ASSOCIATED = b"trunks.password"


class SecretKeyError(StoreError):
    """A sealed secret cannot be written or read with the key this node has."""

    error_id = "secret-key"
    status = 500


def is_sealed(value: str) -> bool:
    """Whether a stored value carries the marker of a sealed secret."""
    return value.startswith(PREFIX)


class SecretBox:
    """Seals and opens short secrets with a key derived from the node's `secret_key`."""

    def __init__(self, secret_key: str) -> None:
        derive = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_PURPOSE)
        self._aead = AESGCM(derive.derive(secret_key.encode("utf-8")))

    def seal(self, plaintext: str) -> str:
        """The stored form of `plaintext` (a fresh nonce each time)."""
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plaintext.encode("utf-8"), _ASSOCIATED)
        return PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")

    def open(self, stored: str) -> str:
        """The plaintext of a sealed value; `SecretKeyError` when this key did not seal it."""
        try:
            raw = base64.urlsafe_b64decode(stored.removeprefix(PREFIX).encode("ascii"))
            nonce, sealed = raw[:_NONCE_BYTES], raw[_NONCE_BYTES:]
            return self._aead.decrypt(nonce, sealed, _ASSOCIATED).decode("utf-8")
        except (InvalidTag, ValueError, binascii.Error, UnicodeError):
            raise SecretKeyError(
                "a stored trunk password cannot be decrypted: it was sealed with another "
                "secret_key (set the old one back; or clear trunks.password in the database "
                "and enter the passwords again)"
            ) from None

    def opens(self, stored: str) -> bool:
        """Whether `stored` is a value this box sealed."""
        try:
            self.open(stored)
        except SecretKeyError:
            return False
        return True


def box_of(session: Any) -> SecretBox | None:
    """The box a session of a `Database` carries (None: opened without a secret key)."""
    info = getattr(session, "info", None) or {}
    box = info.get(SESSION_KEY)
    return box if isinstance(box, SecretBox) else None


def missing_key() -> SecretKeyError:
    """The error for a trunk password met by a database handle that has no key."""
    return SecretKeyError(
        "trunk passwords are kept encrypted, and this database was opened with no secret key "
        "(open it with Database(url, secret_key=settings.secret_key))"
    )
