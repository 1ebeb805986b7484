"""Read a CSV upload: a UTF-8 text/csv body, refused past a byte limit (415 / 413)."""

import re

from fastapi import Request

from seatline.api.errors import ApiError

__all__ = ["CSV_TYPES", "read_csv_body"]

CSV_TYPES = ("text/csv", "application/csv")


def _check_content_type(request: Request, what: str) -> None:
    media_type, _, parameters = request.headers.get("content-type", "").partition(";")
    if media_type.strip().lower() not in CSV_TYPES:
        raise ApiError(415, "unsupported-media-type", f"send the {what} as text/csv")
    charset = re.search(r"charset\s*=\s*\"?([\w-]+)", parameters, re.IGNORECASE)
    if charset and charset[1].lower().replace("_", "-") not in ("utf-8", "utf8"):
        raise ApiError(415, "unsupported-media-type", "send the CSV encoded as UTF-8")


def _too_large(max_bytes: int) -> ApiError:
    return ApiError(
        413,
        "too-large",
        f"the CSV is larger than {max_bytes} bytes; split it into several imports",
        {"max_bytes": max_bytes},
    )


async def read_csv_body(request: Request, *, max_bytes: int, what: str) -> bytes:
    """Check the body is UTF-8 CSV (`what` names its records), then read it up to `max_bytes`."""
    _check_content_type(request, what)
    # Refuse the body as soon as it passes the limit, not after reading all of it.
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > max_bytes:
        raise _too_large(max_bytes)
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > max_bytes:
            raise _too_large(max_bytes)
    return bytes(data)
