"""The switch as a `seatline up` service: agents' credentials and carrier trunks from the store.

This lives in the service layer because the switch (an engine) must not import the store.
Agents' credentials are looked up per request; trunks are kept in the switch's configuration
and refreshed by `TrunkRefresher` when the store's trunks change, so no restart is needed.
"""

from __future__ import annotations

import asyncio
import dataclasses
import ipaddress
import logging
import socket
from typing import TYPE_CHECKING

from seatline.guard.addresses import check_host, check_resolved, parse_literal
from seatline.store.enums import TrunkDirection
from seatline.switch.config import SwitchConfig, TrunkConfig
from seatline.switch.credentials import SipCredentials
from seatline.switch.service import SwitchService
from seatline.switch.tls import TlsSettings

if TYPE_CHECKING:
    from seatline.config import Settings
    from seatline.store.db import Database
    from seatline.store.trunks import TrunkInfo
    from seatline.switch.core import SipCore

log = logging.getLogger(__name__)


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
        outbound_prefixes=trunk.outbound_prefixes if outbound else (),
        tenant_id=str(trunk.tenant_id),
        shared_with=trunk.shared_with if outbound else (),
    )


def tls_settings(settings: Settings) -> TlsSettings | None:
    """The switch's TLS listener from the node's settings (None when TLS is off)."""
    port = settings.sip_tls_listen_port
    if port is None or settings.tls_cert_file is None or settings.tls_key_file is None:
        return None
    return TlsSettings(settings.tls_cert_file, settings.tls_key_file, port)


class TrunkRefresher:
    """Polls the store's trunk fingerprint and hands changed trunks to the running switch."""

    def __init__(
        self,
        database: Database,
        core: SipCore,
        interval: float = 5.0,
        allow_private_networks: bool = False,
    ) -> None:
        self.database = database
        self.core = core
        self.interval = interval
        self.allow_private_networks = allow_private_networks
        self.fingerprint: tuple[int, int] | None = None

    async def refresh(self) -> bool:
        """Re-read the trunks if the fingerprint moved; True when the switch got new ones."""
        from seatline.store.trunks import list_trunks, trunks_fingerprint

        # Fingerprint first, rows second: a change landing between the two reads moves the
        # fingerprint again, so the next poll re-reads it; it is never skipped.
        async with self.database.sessions() as session:
            fingerprint = await trunks_fingerprint(session)
            if fingerprint == self.fingerprint:
                return False
            trunks = tuple(trunk_config(trunk) for trunk in await list_trunks(session))
        trunks = tuple([await self.pinned(trunk) for trunk in trunks])
        self.fingerprint = fingerprint
        if trunks == self.core.config.trunks:
            return False
        self.core.replace_trunks(trunks)
        log.info("switch trunks updated from the store: %s", ", ".join(t.name for t in trunks))
        return True

    async def pinned(self, trunk: TrunkConfig) -> TrunkConfig:
        """The trunk with its carrier's address checked and pinned, or with no way out.

        A host name is resolved once here and the switch sends to the address it checked, so
        a name that later resolves to this node or the operator's network (DNS rebinding)
        reaches nothing new; a refused or unresolvable host routes nothing, and says why.
        """
        host = trunk.outbound_host
        if host is None:
            return trunk
        allow = self.allow_private_networks
        reason = check_host(host, allow)
        address: str | None = host
        if reason is None and parse_literal(host) is None:
            try:
                infos = await asyncio.get_running_loop().getaddrinfo(
                    host, trunk.outbound_port, type=socket.SOCK_DGRAM
                )
            except OSError as error:
                infos, reason = [], f"{host!r} does not resolve ({error.strerror or error})"
            resolved = [ipaddress.ip_address(info[4][0]) for info in infos]
            reason = reason or check_resolved(host, resolved, allow)
            address = str(resolved[0]) if resolved else None
        if reason is not None:
            log.warning("trunk %s sends nothing out: %s", trunk.name, reason)
            return dataclasses.replace(trunk, outbound_host=None, outbound_address=None)
        return dataclasses.replace(trunk, outbound_address=address)

    async def run(self) -> None:
        """Refresh every `interval` seconds until cancelled; a failed read keeps the old trunks."""
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.refresh()
            except Exception:
                # The database may be restarting: keep serving with the trunks we have.
                log.warning("could not re-read trunks from the store", exc_info=True)


def switch_config(settings: Settings) -> SwitchConfig:
    """The switch's configuration from the node's settings (trunks come from the store)."""
    return SwitchConfig(
        tcp_idle_seconds=settings.sip_tcp_idle_seconds,
        tcp_message_seconds=settings.sip_tcp_message_seconds,
        tcp_max_connections=settings.sip_tcp_max_connections,
        tcp_max_per_source=settings.sip_tcp_max_per_source,
        max_message_bytes=settings.sip_max_message_bytes,
    )


class SwitchNode:
    """The switch fed from the store: agents' credentials, and trunks kept up to date."""

    def __init__(
        self,
        database: Database,
        refresh_seconds: float = 5.0,
        config: SwitchConfig | None = None,
        allow_private_networks: bool = False,
    ) -> None:
        self.database = database
        self.service = SwitchService(
            config or SwitchConfig(), credentials=StoreCredentials(database)
        )
        self.refresher = TrunkRefresher(
            database, self.service.core, refresh_seconds, allow_private_networks
        )
        self._refreshing: asyncio.Task[None] | None = None
        self._audits: set[asyncio.Task[None]] = set()
        self.service.core.guard.bans.on_ban = self._audit_ban

    def _audit_ban(self, source: str, seconds: float) -> None:
        """Write a SIP ban to the audit log (a platform event: a source has no tenant)."""

        async def write() -> None:
            from seatline.store.audit import record_audit

            try:
                async with self.database.transaction() as session:
                    detail = {"ban_seconds": seconds}
                    await record_audit(session, None, "switch", "sip.ban", source, source, detail)
            except Exception:
                log.warning("could not audit the SIP ban of %s", source, exc_info=True)

        task = asyncio.get_running_loop().create_task(write())
        self._audits.add(task)
        task.add_done_callback(self._audits.discard)

    @property
    def port(self) -> int:
        """The SIP port actually bound."""
        return self.service.port

    async def start(
        self,
        host: str,
        port: int,
        rtp_port_range: tuple[int, int],
        tls: TlsSettings | None = None,
    ) -> None:
        """Load the trunks, start the switch, then keep its trunks fresh in the background."""
        await self.refresher.refresh()  # a database that is down at start is a start failure
        await self.service.start(host, port, rtp_port_range, tls)
        self._refreshing = asyncio.create_task(self.refresher.run())

    async def stop(self) -> None:
        """Stop refreshing, then hang up every call and close the switch."""
        if self._refreshing is not None:
            self._refreshing.cancel()
            await asyncio.gather(self._refreshing, return_exceptions=True)
        await self.service.stop()
        await asyncio.gather(*self._audits, return_exceptions=True)


async def run_switch(settings: Settings, database: Database) -> None:
    """A `seatline.service.Service`: the switch and the contact center on it, until cancelled."""
    from seatline.live.center import ContactCenter

    node = SwitchNode(
        database,
        settings.trunk_refresh_seconds,
        switch_config(settings),
        settings.allow_private_networks,
    )
    await node.start(
        settings.sip_host,
        settings.sip_port,
        (settings.rtp_port_min, settings.rtp_port_max),
        tls_settings(settings),
    )
    # The contact center answers its tenants' numbers (those with no built-in route).
    center = ContactCenter(
        database,
        node.service,
        settings.data_dir,
        refresh_trunks=node.refresher.refresh,
        allow_private_networks=settings.allow_private_networks,
    )
    try:
        await center.start()
        await asyncio.Event().wait()
    finally:
        await center.stop()
        await node.stop()
