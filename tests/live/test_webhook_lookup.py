"""A flow's webhook lookup against a real HTTP server on loopback: found, not found, errors."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest

from seatline.flows import LookupSource
from seatline.flows.events import LookupFailed, LookupResult
from seatline.live.lookups import webhook_lookup


class Orders(BaseHTTPRequestHandler):
    """Order 1 is shipped; 2 answers garbage; 3 is slow; anything else is unknown."""

    def do_GET(self) -> None:
        key = parse_qs(urlparse(self.path).query).get("key", [""])[0]
        if key == "3":
            time.sleep(1.0)
        if key == "1":
            body, status = json.dumps({"status": "shipped", "eta": 2, "nested": {"x": 1}}), 200
        elif key == "2":
            body, status = "<html>oops</html>", 200
        else:
            body, status = "{}", 404
        data = body.encode()
        try:
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except BrokenPipeError:
            pass  # the slow case: the client gave up, as it should

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Orders)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/orders"
    finally:
        httpd.shutdown()
        httpd.server_close()


async def test_found_values_are_kept_flat(server: str) -> None:
    result = await webhook_lookup(LookupSource("webhook", server, 2.0), "1")
    assert result == LookupResult(True, {"status": "shipped", "eta": 2})


async def test_unknown_key_is_not_found(server: str) -> None:
    assert await webhook_lookup(LookupSource("webhook", server, 2.0), "9") == LookupResult(False)


async def test_garbage_and_slowness_are_failures(server: str) -> None:
    garbage = await webhook_lookup(LookupSource("webhook", server, 2.0), "2")
    assert isinstance(garbage, LookupFailed) and "JSON" in garbage.reason
    slow = await webhook_lookup(LookupSource("webhook", server, 0.2), "3")
    assert isinstance(slow, LookupFailed) and "Timeout" in slow.reason
