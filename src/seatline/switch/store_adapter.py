"""Adapters from `seatline.store` to the switch: agents' credentials and a `seatline up` service.

The switch (an engine) must not depend on the store (a service-layer package), so the store is
imported here only, and only this module; the coordinator may move it to the service layer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from seatline.switch.config import SwitchConfig
from seatline.switch.credentials import SipCredentials
from seatline.switch.service import SwitchService

if TYPE_CHECKING:
    from seatline.config import Settings
    from seatline.store.db import Database


class StoreCredentials:
    """A `CredentialSource` reading agents' HA1 values with `find_sip_credentials`."""

    def __init__(self, database: Database) -> None:
        self.database = database

    async def lookup(self, domain: str, username: str) -> SipCredentials | None:
        """Return the agent's credentials for extension `username` in SIP domain `domain`."""
        from seatline.store.sip import find_sip_credentials

        async with self.database.sessions() as session:
            found = await find_sip_credentials(session, domain, username)
        if found is None:
            return None
        return SipCredentials(
            found.ha1_md5, found.ha1_sha256, str(found.agent_id), str(found.tenant_id)
        )


async def run_switch(settings: Settings, database: Database) -> None:
    """A `seatline.service.Service`: the switch with store credentials, until cancelled."""
    service = SwitchService(SwitchConfig(), credentials=StoreCredentials(database))
    await service.run_forever(
        settings.sip_host, settings.sip_port, (settings.rtp_port_min, settings.rtp_port_max)
    )
