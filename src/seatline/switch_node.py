"""The switch as a `seatline up` service: agents' credentials from the store.

This lives in the service layer because the switch (an engine) must not import the store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from seatline.store.enums import TrunkDirection
from seatline.switch.config import SwitchConfig, TrunkConfig
from seatline.switch.credentials import SipCredentials
from seatline.switch.service import SwitchService

if TYPE_CHECKING:
    from seatline.config import Settings
    from seatline.store.db import Database
    from seatline.store.trunks import TrunkInfo


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


def trunk_config(trunk: TrunkInfo) -> TrunkConfig:
    """Translate a stored trunk into the switch's plain configuration."""
    inbound = trunk.direction in (TrunkDirection.INBOUND, TrunkDirection.BOTH)
    outbound = trunk.direction in (TrunkDirection.OUTBOUND, TrunkDirection.BOTH)
    return TrunkConfig(
        trunk.name,
        inbound_addresses=(trunk.match_source,) if inbound and trunk.match_source else (),
        # The stored trunk has one password: for a `both` trunk it is our account at the
        # carrier (outbound) and the carrier's digest account with us (inbound) alike.
        inbound_username=trunk.match_username if inbound and trunk.match_username else None,
        inbound_password=trunk.password if inbound and trunk.match_username else None,
        outbound_host=trunk.outbound_host if outbound else None,
        outbound_port=trunk.outbound_port,
        outbound_username=trunk.username,
        outbound_password=trunk.password,
        tenant_id=str(trunk.tenant_id),
    )


async def load_trunks(database: Database) -> tuple[TrunkConfig, ...]:
    """Read every tenant's trunks from the store."""
    from seatline.store.trunks import list_trunks

    async with database.sessions() as session:
        return tuple(trunk_config(trunk) for trunk in await list_trunks(session))


async def run_switch(settings: Settings, database: Database) -> None:
    """A `seatline.service.Service`: the switch with store credentials, until cancelled."""
    config = SwitchConfig(trunks=await load_trunks(database))
    service = SwitchService(config, credentials=StoreCredentials(database))
    await service.run_forever(
        settings.sip_host, settings.sip_port, (settings.rtp_port_min, settings.rtp_port_max)
    )
