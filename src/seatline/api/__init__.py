"""seatline.api: the REST API (FastAPI) over the store, with login, roles and tenant isolation."""

from seatline.api.app import create_app

__all__ = ["create_app"]
