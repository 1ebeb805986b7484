"""Where the registrar gets agents' digest secrets: the `CredentialSource` protocol."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from seatline.switch.config import TrunkConfig


@dataclass(frozen=True, slots=True)
class SipCredentials:
    """An agent's digest secrets (HA1 per algorithm) and who they belong to."""

    ha1_md5: str
    ha1_sha256: str
    agent_id: str
    tenant_id: str
    trunk_name: str | None = None  # set when the secrets are a trunk's inbound digest account


class CredentialSource(Protocol):
    """Looks up the credentials of `username` in SIP domain `domain` (None when unknown)."""

    async def lookup(self, domain: str, username: str) -> SipCredentials | None:
        """Return the credentials, or None."""
        ...


def make_ha1(username: str, realm: str, password: str, algorithm: str = "MD5") -> str:
    """HA1 = H(username:realm:password) in hex (RFC 7616 §3.4.2)."""
    name = {"MD5": "md5", "SHA-256": "sha256"}[algorithm]
    return hashlib.new(name, f"{username}:{realm}:{password}".encode()).hexdigest()


class StaticCredentials:
    """An in-memory `CredentialSource` built from plain passwords (tests, demos)."""

    def __init__(self) -> None:
        self._entries: dict[tuple[str, str], SipCredentials] = {}

    def add(
        self, domain: str, username: str, password: str, agent_id: str = "", tenant_id: str = ""
    ) -> SipCredentials:
        """Register one agent's password for `domain` (which is also the digest realm)."""
        creds = SipCredentials(
            make_ha1(username, domain, password, "MD5"),
            make_ha1(username, domain, password, "SHA-256"),
            agent_id or username,
            tenant_id,
        )
        self._entries[(domain.lower(), username)] = creds
        return creds

    async def lookup(self, domain: str, username: str) -> SipCredentials | None:
        """Return the stored credentials, or None."""
        return self._entries.get((domain.lower(), username))


class TrunkAwareCredentials:
    """Agents first, then trunks' inbound digest accounts: a trunk never shadows an agent."""

    def __init__(self, agents: CredentialSource, trunks: tuple[TrunkConfig, ...]) -> None:
        self.agents = agents
        self.trunks = tuple(t for t in trunks if t.inbound_username and t.inbound_password)

    async def lookup(self, domain: str, username: str) -> SipCredentials | None:
        """The agent's credentials, else those of the trunk whose inbound username it is."""
        found = await self.agents.lookup(domain, username)
        if found is not None:
            return found
        for trunk in self.trunks:
            if trunk.inbound_username == username and trunk.inbound_password is not None:
                # HA1 per realm: the trunk's plain password serves every SIP domain we answer
                return SipCredentials(
                    make_ha1(username, domain, trunk.inbound_password, "MD5"),
                    make_ha1(username, domain, trunk.inbound_password, "SHA-256"),
                    "",
                    trunk.tenant_id,
                    trunk.name,
                )
        return None
