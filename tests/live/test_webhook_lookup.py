"""A flow's webhook lookup against a real HTTP server on loopback: found, not found, errors.

The server is on loopback, which a tenant's webhook may not reach unless the operator allows
private networks (issue 11, finding 8): the lookups that must get through say so.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar
from urllib.parse import parse_qs, urlparse

import pytest

from seatline.flows import LookupSource
from seatline.flows.events import LookupFailed, LookupResult
from seatline.live.lookups import webhook_lookup


class Orders(BaseHTTPRequestHandler):
    """Order 1 is shipped; 2 answers garbage; 3 is slow; anything else is unknown."""

    seen: ClassVar[list[str]] = []  # every request's path, so a test sees what got through

    def do_GET(self) -> None:
        self.seen.append(self.path)
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
    Orders.seen.clear()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Orders)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/orders"
    finally:
        httpd.shutdown()
        httpd.server_close()


async def lookup(url: str, key: str, timeout: float = 2.0) -> LookupResult | LookupFailed:
    """A lookup that may reach the loopback server (private networks allowed)."""
    return await webhook_lookup(LookupSource("webhook", url, timeout), key, allow_private=True)


async def test_found_values_are_kept_flat(server: str) -> None:
    result = await lookup(server, "1")
    assert result == LookupResult(True, {"status": "shipped", "eta": 2})


async def test_unknown_key_is_not_found(server: str) -> None:
    assert await lookup(server, "9") == LookupResult(False)


async def test_garbage_and_slowness_are_failures(server: str) -> None:
    garbage = await lookup(server, "2")
    assert isinstance(garbage, LookupFailed) and "JSON" in garbage.reason
    slow = await lookup(server, "3", timeout=0.2)
    assert isinstance(slow, LookupFailed) and "Timeout" in slow.reason


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "localhost",  # a name: refused for what it resolves to
        "2130706433",  # 127.0.0.1 as one decimal number
        "0x7f000001",  # ... in hex
        "0177.0.0.1",  # ... with an octal first part
        "127.1",  # ... in the short form
        "[::ffff:127.0.0.1]",  # ... inside an IPv4-mapped IPv6 address
        "0.0.0.0",  # the unspecified address reaches this host too
    ],
)
async def test_loopback_in_any_spelling_is_refused_and_never_reached(
    server: str, host: str
) -> None:
    # By default (no private networks) a tenant's webhook may not reach this host.
    port = urlparse(server).port
    url = f"http://{host}:{port}/orders"
    result = await webhook_lookup(LookupSource("webhook", url, 2.0), "1")
    assert isinstance(result, LookupFailed)
    assert "refused" in result.reason
    assert Orders.seen == []


@pytest.mark.parametrize("url", ["https://[::1/x", "https:///x", "https://bad_host!/x"])
async def test_unusable_urls_fail_the_lookup_without_raising(url: str) -> None:
    result = await webhook_lookup(LookupSource("webhook", url, 1.0), "1")
    assert isinstance(result, LookupFailed) and "refused" in result.reason
