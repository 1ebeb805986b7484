"""The store's error family; the API maps each to an HTTP status and a kebab-case error id."""

from typing import Any

__all__ = [
    "Conflict",
    "InvalidInput",
    "InvalidReference",
    "NotFound",
    "NotLoggedIn",
    "PermissionDenied",
    "SeatCapReached",
    "StoreError",
    "TooLarge",
]


class StoreError(Exception):
    """Base of every store error: carries a kebab-case id, an HTTP status hint and details."""

    error_id = "store-error"
    status = 400

    def __init__(self, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}


class NotFound(StoreError):
    """The row does not exist for this tenant (whether it exists for another is never told)."""

    error_id = "not-found"
    status = 404


class Conflict(StoreError):
    """The change would break a uniqueness or reference rule."""

    error_id = "conflict"
    status = 409


class NotLoggedIn(Conflict):
    """The agent must be logged in for this (ready / not ready need a seat)."""

    error_id = "not-logged-in"


class InvalidReference(StoreError):
    """A field names a row that does not exist in the caller's tenant."""

    error_id = "invalid-reference"
    status = 422


class InvalidInput(StoreError):
    """A value breaks a rule the schema alone can't express."""

    error_id = "invalid-input"
    status = 422


class SeatCapReached(StoreError):
    """Logging in one more agent would exceed the tenant's rented seats."""

    error_id = "seat-cap-reached"
    status = 409


class PermissionDenied(StoreError):
    """The caller's role may not do this."""

    error_id = "forbidden"
    status = 403


class TooLarge(StoreError):
    """An upload is bigger than the limit (bytes or rows)."""

    error_id = "too-large"
    status = 413
