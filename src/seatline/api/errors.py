"""One JSON error body for every failure: {status, error_id, message, details}.

Store errors, validation errors, HTTP errors and integrity errors are all translated here, at
the boundary; a handler never builds an error response by hand.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException

from seatline.store.errors import StoreError
from seatline.store.repo import integrity_to_conflict

__all__ = ["ApiError", "error_response", "install_error_handlers"]

log = logging.getLogger(__name__)


class ApiError(Exception):
    """An HTTP-level failure (authentication, authorisation) raised by the API layer."""

    def __init__(
        self,
        status: int,
        error_id: str,
        message: str,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error_id = error_id
        self.message = message
        self.details = details or {}
        self.headers = headers or {}


def error_response(
    status: int,
    error_id: str,
    message: str,
    details: Any = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """Build the shared error body."""
    body = {"status": status, "error_id": error_id, "message": message, "details": details or {}}
    return JSONResponse(body, status_code=status, headers=headers)


def _kebab(status: int) -> str:
    try:
        return HTTPStatus(status).phrase.lower().replace(" ", "-").replace("'", "")
    except ValueError:
        return "http-error"


async def _api_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else {}
    headers |= exc.headers
    return error_response(exc.status, exc.error_id, exc.message, exc.details, headers or None)


async def _store_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StoreError)
    return error_response(exc.status, exc.error_id, exc.message, exc.details)


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = [
        {
            "location": [str(part) for part in error.get("loc", ())],
            "message": str(error.get("msg", "")),
            "type": str(error.get("type", "")),
        }
        for error in exc.errors()
    ]
    first = problems[0] if problems else {"location": [], "message": "invalid input"}
    where = ".".join(first["location"][1:]) or ".".join(first["location"]) or "request"
    message = f"{where}: {first['message']}"
    return error_response(422, "invalid-input", message, {"errors": problems})


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    return error_response(exc.status_code, _kebab(exc.status_code), str(exc.detail), {})


async def _integrity_error(_request: Request, exc: Exception) -> JSONResponse:
    # A backstop: services translate their own, but no IntegrityError may become a 500.
    assert isinstance(exc, IntegrityError)
    conflict = integrity_to_conflict(exc)
    return error_response(conflict.status, conflict.error_id, conflict.message, conflict.details)


async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error", exc_info=exc)
    return error_response(500, "internal-error", "internal error; see the server log", {})


def install_error_handlers(app: FastAPI) -> None:
    """Register the translators on the app."""
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(StoreError, _store_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(IntegrityError, _integrity_error)
    app.add_exception_handler(Exception, _unexpected)
