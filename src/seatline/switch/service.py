"""`SwitchService`: the switch as one start/stop unit for `seatline up`."""

from __future__ import annotations

import asyncio
import logging

from seatline.switch.config import SwitchConfig
from seatline.switch.core import SipCore
from seatline.switch.credentials import CredentialSource
from seatline.switch.demo import add_demo_numbers
from seatline.switch.router import CallRouter
from seatline.switch.tls import TlsSettings

log = logging.getLogger(__name__)


def install_uvloop() -> bool:
    """Use uvloop's event loop policy when it is installed (call before the loop starts)."""
    try:
        import uvloop
    except ImportError:
        return False
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    return True


class SwitchService:
    """The SIP switch: UDP+TCP listeners, registrar, B2BUA, media engine and demo numbers."""

    def __init__(
        self,
        config: SwitchConfig | None = None,
        router: CallRouter | None = None,
        credentials: CredentialSource | None = None,
        demo_numbers: bool = True,
    ) -> None:
        self.router = router or CallRouter()
        if demo_numbers:
            add_demo_numbers(self.router)
        self.core = SipCore(config, self.router, credentials)

    async def start(
        self,
        host: str = "0.0.0.0",
        port: int = 5060,
        rtp_port_range: tuple[int, int] = (20000, 30000),
        tls: TlsSettings | None = None,
    ) -> None:
        """Start listening; `port` 0 picks a free one (see `self.port`); TLS too with `tls`."""
        await self.core.start(host, port, rtp_port_range, tls)
        log.info(
            "SIP switch on %s:%s (UDP+TCP), RTP %s-%s",
            self.core.host,
            self.core.port,
            *rtp_port_range,
        )
        if self.core.tls_port is not None:
            log.info("SIP switch TLS on %s:%s", host, self.core.tls_port)

    async def stop(self) -> None:
        """Hang up every call and close every socket."""
        await self.core.stop()

    @property
    def port(self) -> int:
        """The SIP port actually bound."""
        return self.core.port

    async def run_forever(
        self,
        host: str,
        port: int,
        rtp_port_range: tuple[int, int],
        tls: TlsSettings | None = None,
    ) -> None:
        """Start, wait until cancelled, stop (shape of a `seatline.service.Service`)."""
        await self.start(host, port, rtp_port_range, tls)
        try:
            await asyncio.Event().wait()
        finally:
            await self.stop()
