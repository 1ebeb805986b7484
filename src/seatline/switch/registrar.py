"""The registrar: digest-checked REGISTER handling and the table of agents' contacts.

RFC 3261 §10.3. Unknown users and wrong passwords get the same 401, so scanners cannot
enumerate extensions; a source that keeps failing is banned for a while (403).
"""

from __future__ import annotations

import secrets
from collections import OrderedDict
from dataclasses import dataclass

from seatline.sip import (
    SipAuthError,
    SipParseError,
    SipRequest,
    SipResponse,
    make_response,
    parse_contacts,
    parse_expires,
)
from seatline.sip.auth import AuthResult as DigestOutcome
from seatline.sip.auth import DigestCredentials, DigestServer, NonceCounts
from seatline.sip.uri import SipUri, parse_uri
from seatline.switch.abuse import BanList
from seatline.switch.credentials import CredentialSource, SipCredentials

DEFAULT_EXPIRES = 3600
MAX_EXPIRES = 7200


@dataclass(frozen=True, slots=True)
class Binding:
    """One registered contact of an address-of-record."""

    aor: str
    contact: str
    expires_at: float
    transport: str
    host: str
    port: int
    agent_id: str
    tenant_id: str


@dataclass(frozen=True, slots=True)
class AuthResult:
    """The outcome of a digest check: credentials, or the response to send instead."""

    credentials: SipCredentials | None
    response: SipResponse | None


def uri_user_host(uri_text: str) -> tuple[str, str]:
    """(user, host) of a SIP URI (empty strings when it is not a SIP URI)."""
    try:
        uri = parse_uri(uri_text)
    except SipParseError:
        return "", ""
    if isinstance(uri, SipUri):
        return uri.user or "", uri.host.lower()
    return "", ""


class DigestGuard:
    """Challenges requests and checks their digest answers against a `CredentialSource`.

    A nonce is issued for the request's source address and is refused from any other; an
    answer is accepted once per nonce count and only for the Request-URI it was computed
    for. Every table here is bounded: realms come from the network.
    """

    def __init__(
        self,
        credentials: CredentialSource,
        bans: BanList | None = None,
        nonce_lifetime: float = 300.0,
        algorithms: tuple[str, ...] = ("MD5",),
        nonce_table_size: int = 20_000,
        realm_cache: int = 256,
    ) -> None:
        self.credentials = credentials
        self.bans = bans if bans is not None else BanList()
        self.nonce_lifetime = nonce_lifetime
        self.algorithms = algorithms
        self.counts = NonceCounts(nonce_table_size)  # one for every realm: nonces are unique
        self.realm_cache = realm_cache
        self._secret = secrets.token_bytes(32)
        self._servers: OrderedDict[str, DigestServer] = OrderedDict()
        self.failures = 0  # wrong answers seen (for metrics and tests)

    async def check(
        self, req: SipRequest, source: str, realm: str, username: str, now: float, proxy: bool
    ) -> AuthResult:
        """Authenticate `req` for `username`@`realm`; on failure carry a 401/407/403/400 to send."""
        if self.bans.is_banned(source, now):
            return AuthResult(None, make_response(req, 403, to_tag="ban"))
        header = "Proxy-Authorization" if proxy else "Authorization"
        server = self._server(realm)
        stale = False
        failed = False
        wrong_uri = False
        for value in req.headers.get_all(header):
            try:
                creds = DigestCredentials.parse(value)
            except (SipAuthError, SipParseError):
                failed = True
                continue
            if creds.realm != realm:
                continue
            if server.nonce_state(creds.nonce, now, source) is DigestOutcome.BAD_NONCE:
                failed = True  # forged, or issued to another address: a replay from elsewhere
                continue
            found = await self.credentials.lookup(realm, creds.username)
            ha1 = None
            if found is not None and creds.username == username:
                ha1 = {"MD5": found.ha1_md5, "SHA-256": found.ha1_sha256}.get(
                    creds.algorithm.upper()
                )
            outcome = DigestOutcome.BAD_RESPONSE
            if found is not None and ha1 is not None:
                outcome = server.verify(
                    creds, req.method, ha1, now, source=source, request_uri=req.uri
                )
            if outcome in (DigestOutcome.STALE, DigestOutcome.REPLAY):
                # RFC 7616 §3.3: right password, used nonce: a fresh challenge, no failure.
                stale = True
                continue
            if outcome is DigestOutcome.BAD_URI:
                wrong_uri = True
            if outcome is not DigestOutcome.OK or found is None:
                failed = True
                continue
            self.bans.record_success(source)
            return AuthResult(found, None)
        if failed:
            self.failures += 1
        if failed and self.bans.record_failure(source, now):
            return AuthResult(None, make_response(req, 403, to_tag="ban"))
        if wrong_uri:  # RFC 2617 §3.2.2.5: the digest uri must be the Request-URI
            return AuthResult(None, make_response(req, 400, to_tag="auth"))
        return AuthResult(None, self._challenge(req, realm, now, stale, proxy, source))

    def _server(self, realm: str) -> DigestServer:
        server = self._servers.get(realm)
        if server is None:
            while len(self._servers) >= self.realm_cache:
                self._servers.popitem(last=False)
            server = DigestServer(realm, self._secret, self.nonce_lifetime, self.counts)
            self._servers[realm] = server
        else:
            self._servers.move_to_end(realm)
        return server

    def _challenge(
        self, req: SipRequest, realm: str, now: float, stale: bool, proxy: bool, source: str
    ) -> SipResponse:
        server = self._server(realm)
        name = "Proxy-Authenticate" if proxy else "WWW-Authenticate"
        headers = [
            (name, str(server.challenge(now, alg, stale, source))) for alg in self.algorithms
        ]
        return make_response(req, 407 if proxy else 401, to_tag="auth", headers=headers)


class Registrar:
    """Holds bindings and answers REGISTER requests."""

    def __init__(self, guard: DigestGuard) -> None:
        self.guard = guard
        self._bindings: dict[str, dict[str, Binding]] = {}

    async def handle(
        self, req: SipRequest, transport: str, host: str, port: int, now: float
    ) -> SipResponse:
        """Process one REGISTER and return its response."""
        try:
            to_uri: object = parse_uri(req.to_addr.uri)
        except SipParseError:
            to_uri = None
        if not isinstance(to_uri, SipUri):  # RFC 4475 §3.3.4: an AOR must be a SIP URI
            return make_response(req, 400, to_tag="reg")
        user, domain = uri_user_host(req.to_addr.uri)
        if not user or not domain:
            return make_response(req, 404, to_tag="reg")
        result = await self.guard.check(req, host, domain, user, now, proxy=False)
        if result.response is not None:
            return result.response
        assert result.credentials is not None
        aor = f"{user}@{domain}"
        try:
            self._update(req, aor, result.credentials, transport, host, port, now)
        except SipParseError as exc:
            return make_response(req, exc.status_hint, to_tag="reg")
        contacts = [
            (("Contact", f"<{b.contact}>;expires={max(0, int(b.expires_at - now))}"))
            for b in self.bindings(aor, now)
        ]
        return make_response(req, 200, to_tag="reg", headers=contacts)

    def _update(
        self,
        req: SipRequest,
        aor: str,
        creds: SipCredentials,
        transport: str,
        host: str,
        port: int,
        now: float,
    ) -> None:
        value = ", ".join(req.headers.get_all("Contact"))
        if not value:
            return
        header_expires = req.headers.get("Expires")
        default = parse_expires(header_expires) if header_expires else None
        contacts = parse_contacts(value)
        table = self._bindings.setdefault(aor, {})
        if contacts == "*":
            table.clear()
            return
        for contact in contacts:
            expires = contact.expires
            if expires is None:
                expires = default if default is not None else DEFAULT_EXPIRES
            expires = min(expires, MAX_EXPIRES)
            if expires == 0:
                table.pop(contact.uri, None)
                continue
            table[contact.uri] = Binding(
                aor,
                contact.uri,
                now + expires,
                transport,
                host,
                port,
                creds.agent_id,
                creds.tenant_id,
            )

    def held_for(self, req: SipRequest, source: tuple[str, int], now: float) -> float:
        """Seconds the latest binding `req`'s AOR holds through `source` has left (0: none)."""
        user, domain = uri_user_host(req.to_addr.uri)
        host, port = source
        left = [
            b.expires_at - now
            for b in self.bindings(f"{user}@{domain}", now)
            if (b.host, b.port) == (host, port)
        ]
        return max(left, default=0.0)

    def bindings(self, aor: str, now: float) -> list[Binding]:
        """The live contacts of `aor` (expired ones are dropped)."""
        table = self._bindings.get(aor, {})
        for uri in [u for u, b in table.items() if b.expires_at <= now]:
            del table[uri]
        return list(table.values())

    def find_agent(self, agent_id: str, now: float) -> list[Binding]:
        """The live contacts registered by agent `agent_id`."""
        return [
            b
            for aor in list(self._bindings)
            for b in self.bindings(aor, now)
            if b.agent_id == agent_id
        ]
