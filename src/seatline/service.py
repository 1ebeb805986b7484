"""Run a Seatline node: the web server plus any number of extra async services, stopped together.

`run_services` owns the process's lifetime. uvicorn's own signal handling is switched off so
SIGINT/SIGTERM reach one place, which stops the web server gracefully and cancels every other
service (the SIP switch, later the dialer). If any service ends or fails, all of them stop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
from collections.abc import Callable, Coroutine, Generator, Sequence
from typing import Any

import uvicorn

from seatline.api import create_app
from seatline.config import Settings
from seatline.store.db import Database

__all__ = ["Service", "ServiceFailed", "http_server_config", "run_services"]

log = logging.getLogger(__name__)

Service = Callable[[Settings, Database], Coroutine[Any, Any, None]]
"""An extra service: runs until cancelled; gets the settings and the shared database."""

_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class ServiceFailed(Exception):
    """A service ended with an error; the node stopped because of it."""


class _Server(uvicorn.Server):
    """uvicorn without its own signal handlers (run_services owns SIGINT/SIGTERM)."""

    def __init__(self, config: uvicorn.Config, on_ready: Callable[[], None] | None) -> None:
        super().__init__(config)
        self.on_ready = on_ready

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        """Leave signals alone."""
        yield

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        """Bind, then tell the caller the node is reachable."""
        await super().startup(sockets)
        if self.started and self.on_ready is not None:
            self.on_ready()


async def _serve_http(server: _Server, settings: Settings) -> None:
    try:
        await server.serve()
    except SystemExit:
        # uvicorn exits the process when it cannot bind; here that becomes a normal failure.
        where = f"{settings.http_host}:{settings.http_port}"
        raise ServiceFailed(f"the web server could not listen on {where}") from None


def _is_failure(result: object) -> bool:
    return isinstance(result, Exception) and not isinstance(result, asyncio.CancelledError)


def _name(service: Service) -> str:
    return getattr(service, "__qualname__", None) or repr(service)


def http_server_config(settings: Settings, app: Any) -> uvicorn.Config:
    """The web server's uvicorn configuration: HTTPS when a certificate is configured.

    Served over TLS, uvicorn marks every request's scope as `https` (so `request.url.scheme`
    says so and the API can send HSTS); the port then speaks only TLS.
    """
    tls: dict[str, Any] = {}
    if settings.tls_cert_file is not None and settings.tls_key_file is not None:
        tls = {
            "ssl_certfile": str(settings.tls_cert_file),
            "ssl_keyfile": str(settings.tls_key_file),
        }
    return uvicorn.Config(
        app,
        host=settings.http_host,
        port=settings.http_port,
        log_level=settings.log_level,
        lifespan="off",
        access_log=settings.log_level == "debug",
        **tls,
    )


async def run_services(
    settings: Settings,
    services: Sequence[Service] = (),
    *,
    database: Database | None = None,
    on_ready: Callable[[], None] | None = None,
) -> None:
    """Serve HTTP and run `services` until SIGINT/SIGTERM or until one of them ends."""
    own_database = database is None
    database = database or Database(settings.effective_database_url, secret_key=settings.secret_key)
    app = create_app(settings, database)
    server = _Server(http_server_config(settings, app), on_ready)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in _STOP_SIGNALS:
        loop.add_signal_handler(signum, stop.set)
    tasks = {asyncio.create_task(_serve_http(server, settings), name="http")}
    tasks |= {
        asyncio.create_task(service(settings, database), name=_name(service))
        for service in services
    }
    stopper = asyncio.create_task(stop.wait(), name="stop-signal")
    failure: BaseException | None = None
    try:
        done, _ = await asyncio.wait(tasks | {stopper}, return_when=asyncio.FIRST_COMPLETED)
        for task in done - {stopper}:
            if not task.cancelled() and task.exception() is not None:
                failure = task.exception()
                log.error("service %s failed: %s", task.get_name(), failure)
            elif task.get_name() != "http" or not server.should_exit:
                log.warning("service %s ended; stopping the node", task.get_name())
    finally:
        for signum in _STOP_SIGNALS:
            loop.remove_signal_handler(signum)
        stopper.cancel()
        server.should_exit = True  # graceful: finish in-flight requests
        for task in tasks:
            if task.get_name() != "http":
                task.cancel()
        results = await asyncio.gather(*tasks, return_exceptions=True)
        if failure is None:
            failure = next((r for r in results if _is_failure(r)), None)
        if own_database:
            await database.dispose()
    if failure is not None:
        raise ServiceFailed(str(failure) or type(failure).__name__) from failure
