"""Digest authentication for SIP (RFC 3261 §22.4, RFC 2617, RFC 7616, RFC 8760).

Client side: compute Authorization / Proxy-Authorization for a challenge. Server side:
issue challenges with stateless nonces (a timestamp plus an HMAC over it, so any node with
the secret can check them and no nonce table is kept) and verify credentials against a
stored HA1. An expired but genuine nonce yields STALE, answered with `stale=true` so the
client retries silently (RFC 7616 §3.3). Nonce-count replay tracking is not done here.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

from seatline.sip.errors import SipAuthError, SipParseError
from seatline.sip.syntax import split_commas, unquote

_HASHES: dict[str, Callable[[bytes], str]] = {
    "MD5": lambda data: hashlib.md5(data, usedforsecurity=False).hexdigest(),
    "SHA-256": lambda data: hashlib.sha256(data).hexdigest(),
}
ALGORITHMS = ("MD5", "SHA-256", "MD5-sess", "SHA-256-sess")
_UNQUOTED = frozenset({"algorithm", "stale", "nc"})


def _hash(algorithm: str, text: str) -> str:
    base = algorithm[:-5] if algorithm.upper().endswith("-SESS") else algorithm
    fn = _HASHES.get(base.upper())
    if fn is None:
        raise SipAuthError(f"unsupported digest algorithm {algorithm!r}")
    return fn(text.encode("utf-8"))


def parse_auth_header(value: str) -> tuple[str, dict[str, str]]:
    """Split `Digest a="1", b=2` into the scheme and its (unquoted) parameters."""
    scheme, _, rest = value.strip().partition(" ")
    if not scheme:
        raise SipParseError("empty authentication header")
    params: dict[str, str] = {}
    for part in split_commas(rest):
        name, eq, val = part.partition("=")
        if not eq:
            raise SipParseError(f"bad auth parameter {part[:40]!r}")
        params[name.strip().lower()] = unquote(val.strip())
    return scheme, params


def _render(params: list[tuple[str, str | None]], unquoted: frozenset[str]) -> str:
    parts = []
    for name, value in params:
        if value is None:
            continue
        parts.append(f"{name}={value}" if name in unquoted else f'{name}="{value}"')
    return "Digest " + ", ".join(parts)


@dataclass(frozen=True, slots=True)
class DigestChallenge:
    """A WWW-Authenticate / Proxy-Authenticate Digest challenge."""

    realm: str
    nonce: str
    algorithm: str = "MD5"
    qop: tuple[str, ...] = ("auth",)
    opaque: str | None = None
    stale: bool = False

    @classmethod
    def parse(cls, value: str) -> DigestChallenge:
        """Parse a challenge header value; a non-Digest scheme raises `SipAuthError`."""
        scheme, params = parse_auth_header(value)
        if scheme.lower() != "digest":
            raise SipAuthError(f"unsupported authentication scheme {scheme!r}")
        if "realm" not in params or "nonce" not in params:
            raise SipAuthError("challenge without realm or nonce")
        qop = tuple(q.strip() for q in params.get("qop", "").split(",") if q.strip())
        return cls(
            realm=params["realm"],
            nonce=params["nonce"],
            algorithm=params.get("algorithm", "MD5"),
            qop=qop,
            opaque=params.get("opaque"),
            stale=params.get("stale", "").lower() == "true",
        )

    def __str__(self) -> str:
        return _render(
            [
                ("realm", self.realm),
                ("nonce", self.nonce),
                ("algorithm", self.algorithm),
                ("qop", ",".join(self.qop) or None),
                ("opaque", self.opaque),
                ("stale", "true" if self.stale else None),
            ],
            _UNQUOTED,
        )


@dataclass(frozen=True, slots=True)
class DigestCredentials:
    """An Authorization / Proxy-Authorization Digest answer."""

    username: str
    realm: str
    nonce: str
    uri: str
    response: str
    algorithm: str = "MD5"
    cnonce: str | None = None
    nc: str | None = None
    qop: str | None = None
    opaque: str | None = None
    extra: dict[str, str] = field(default_factory=dict, compare=False)

    @classmethod
    def parse(cls, value: str) -> DigestCredentials:
        """Parse a credentials header value; a non-Digest scheme raises `SipAuthError`."""
        scheme, params = parse_auth_header(value)
        if scheme.lower() != "digest":
            raise SipAuthError(f"unsupported authentication scheme {scheme!r}")
        try:
            return cls(
                username=params["username"],
                realm=params["realm"],
                nonce=params["nonce"],
                uri=params["uri"],
                response=params["response"],
                algorithm=params.get("algorithm", "MD5"),
                cnonce=params.get("cnonce"),
                nc=params.get("nc"),
                qop=params.get("qop"),
                opaque=params.get("opaque"),
            )
        except KeyError as exc:
            raise SipAuthError(f"credentials without {exc.args[0]}") from None

    def __str__(self) -> str:
        return _render(
            [
                ("username", self.username),
                ("realm", self.realm),
                ("nonce", self.nonce),
                ("uri", self.uri),
                ("response", self.response),
                ("algorithm", self.algorithm),
                ("cnonce", self.cnonce),
                ("opaque", self.opaque),
                ("qop", self.qop),
                ("nc", self.nc),
            ],
            _UNQUOTED | {"qop"},
        )


def compute_ha1(username: str, realm: str, password: str, algorithm: str = "MD5") -> str:
    """HA1 = H(username:realm:password), what a server stores instead of the password."""
    return _hash(algorithm, f"{username}:{realm}:{password}")


def compute_response(
    ha1: str,
    method: str,
    uri: str,
    nonce: str,
    *,
    algorithm: str = "MD5",
    qop: str | None = None,
    nc: str | None = None,
    cnonce: str | None = None,
) -> str:
    """The request-digest of RFC 7616 §3.4.1 (qop=auth or none; auth-int is not offered)."""
    if algorithm.upper().endswith("-SESS"):
        if cnonce is None:
            raise SipAuthError("a -sess algorithm needs a cnonce")
        ha1 = _hash(algorithm, f"{ha1}:{nonce}:{cnonce}")
    ha2 = _hash(algorithm, f"{method}:{uri}")
    if qop:
        if qop != "auth" or nc is None or cnonce is None:
            raise SipAuthError(f"unsupported qop {qop!r} or missing nc/cnonce")
        return _hash(algorithm, f"{ha1}:{nonce}:{nc}:{cnonce}:{qop}:{ha2}")
    return _hash(algorithm, f"{ha1}:{nonce}:{ha2}")


def authorize(
    challenge: DigestChallenge,
    method: str,
    uri: str,
    username: str,
    password: str,
    cnonce: str,
    nc: int = 1,
) -> DigestCredentials:
    """Client side: the credentials that answer `challenge` for this request (§22.2)."""
    ha1 = compute_ha1(username, challenge.realm, password, challenge.algorithm)
    qop = "auth" if "auth" in challenge.qop else None
    nc_text = f"{nc:08x}" if qop else None
    return DigestCredentials(
        username=username,
        realm=challenge.realm,
        nonce=challenge.nonce,
        uri=uri,
        response=compute_response(
            ha1,
            method,
            uri,
            challenge.nonce,
            algorithm=challenge.algorithm,
            qop=qop,
            nc=nc_text,
            cnonce=cnonce if qop else None,
        ),
        algorithm=challenge.algorithm,
        cnonce=cnonce if qop else None,
        nc=nc_text,
        qop=qop,
        opaque=challenge.opaque,
    )


class AuthResult(Enum):
    """Outcome of verifying credentials."""

    OK = "ok"
    STALE = "stale"  # genuine nonce, expired: challenge again with stale=true
    BAD_NONCE = "bad-nonce"  # not one of ours (or tampered): plain 401
    BAD_RESPONSE = "bad-response"  # wrong password or wrong realm


class DigestServer:
    """Issues stateless nonces and checks credentials against stored HA1 values."""

    def __init__(self, realm: str, secret: bytes, nonce_lifetime: float = 300.0) -> None:
        if len(secret) < 16:
            raise ValueError("the nonce secret needs at least 16 bytes")
        self.realm = realm
        self._secret = secret
        self.nonce_lifetime = nonce_lifetime

    def make_nonce(self, now: float) -> str:
        """A nonce carrying its issue time (ms, hex) and an HMAC over it."""
        stamp = format(int(now * 1000), "x")
        return f"{stamp}.{self._mac(stamp)}"

    def _mac(self, stamp: str) -> str:
        mac = hmac.new(self._secret, f"{self.realm}:{stamp}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac[:18]).decode("ascii")

    def challenge(self, now: float, algorithm: str = "MD5", stale: bool = False) -> DigestChallenge:
        """A fresh challenge for a 401/407."""
        if algorithm not in ALGORITHMS:
            raise ValueError(f"unsupported algorithm {algorithm!r}")
        return DigestChallenge(self.realm, self.make_nonce(now), algorithm, ("auth",), None, stale)

    def nonce_state(self, nonce: str, now: float) -> AuthResult:
        """OK for a valid fresh nonce, STALE for an expired genuine one, else BAD_NONCE."""
        stamp, dot, mac = nonce.partition(".")
        if not dot or not hmac.compare_digest(mac, self._mac(stamp)):
            return AuthResult.BAD_NONCE
        try:
            issued = int(stamp, 16) / 1000
        except ValueError:
            return AuthResult.BAD_NONCE
        if now - issued > self.nonce_lifetime or issued - now > 1.0:
            return AuthResult.STALE
        return AuthResult.OK

    def verify(
        self, credentials: DigestCredentials, method: str, ha1: str, now: float
    ) -> AuthResult:
        """Check `credentials` for a request with `method`, given the user's stored HA1."""
        if credentials.realm != self.realm:
            return AuthResult.BAD_RESPONSE
        try:
            expected = compute_response(
                ha1,
                method,
                credentials.uri,
                credentials.nonce,
                algorithm=credentials.algorithm,
                qop=credentials.qop,
                nc=credentials.nc,
                cnonce=credentials.cnonce,
            )
        except SipAuthError:
            return AuthResult.BAD_RESPONSE
        if not hmac.compare_digest(expected, credentials.response.lower()):
            return AuthResult.BAD_RESPONSE
        # Only a correct answer earns STALE: otherwise a guesser learns nothing new (RFC 7616).
        return self.nonce_state(credentials.nonce, now)
