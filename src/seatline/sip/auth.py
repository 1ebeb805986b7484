"""Digest authentication for SIP (RFC 3261 §22.4, RFC 2617, RFC 7616, RFC 8760).

Client side: compute Authorization / Proxy-Authorization for a challenge. Server side:
issue challenges with stateless nonces (a timestamp plus an HMAC over it and the client's
address, so any node with the secret can check them and a nonce is no good from elsewhere)
and verify credentials against a stored HA1. An expired but genuine nonce yields STALE,
answered with `stale=true` so the client retries silently (RFC 7616 §3.3).

Replays: the digest `uri` must be the Request-URI (RFC 7616 §3.4.6), and `NonceCounts`
remembers the highest nonce count accepted per nonce in a bounded table, so a captured answer
is refused when sent again (§3.3, §5.5). Only correct answers enter that table.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

from seatline.sip.errors import SipAuthError, SipParseError
from seatline.sip.syntax import split_commas, unquote
from seatline.sip.uri import uris_equivalent

_HASHES: dict[str, Callable[[bytes], str]] = {
    "MD5": lambda data: hashlib.md5(data, usedforsecurity=False).hexdigest(),
    "SHA-256": lambda data: hashlib.sha256(data).hexdigest(),
}
ALGORITHMS = ("MD5", "SHA-256", "MD5-sess", "SHA-256-sess")
_UNQUOTED = frozenset({"algorithm", "stale", "nc"})
_NONCE_COUNT = re.compile(r"[0-9a-fA-F]{8}")  # RFC 7616 §3.4: nc = 8LHEX
_STAMP = re.compile(r"[0-9a-f]{1,16}")


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
    STALE = "stale"  # genuine nonce, expired (or forgotten): challenge again with stale=true
    BAD_NONCE = "bad-nonce"  # not one of ours, tampered, or issued to another address
    BAD_RESPONSE = "bad-response"  # wrong password or wrong realm
    REPLAY = "replay"  # right answer, but its nonce count was used already
    BAD_URI = "bad-uri"  # the digest uri is not the request's Request-URI


class NonceCounts:
    """The highest nonce count accepted per nonce, in a table of at most `max_entries`.

    When the table is full the entry that came in first is forgotten and every nonce issued
    up to that one's issue time is retired: an untracked old nonce gets STALE (a fresh
    challenge), never the benefit of the doubt. Expired entries leave as time passes.
    """

    def __init__(self, max_entries: int = 20_000) -> None:
        if max_entries < 1:
            raise ValueError("the nonce-count table needs room for one entry")
        self.max_entries = max_entries
        self._seen: OrderedDict[str, tuple[float, int]] = OrderedDict()
        self._retired_until = float("-inf")

    def __len__(self) -> int:
        return len(self._seen)

    def check(
        self, nonce: str, issued: float, count: int, now: float, lifetime: float
    ) -> AuthResult:
        """OK (and remembered) if `count` is above every count accepted for `nonce` so far."""
        seen = self._seen
        while seen:
            first_issued = next(iter(seen.values()))[0]
            if now - first_issued <= lifetime:
                break
            seen.popitem(last=False)
        last = seen.get(nonce)
        if last is None:
            if issued <= self._retired_until:
                return AuthResult.STALE
            while len(seen) >= self.max_entries:
                _, (old_issued, _) = seen.popitem(last=False)
                self._retired_until = max(self._retired_until, old_issued)
        elif count <= last[1]:
            return AuthResult.REPLAY
        seen[nonce] = (issued, count)
        return AuthResult.OK


class DigestServer:
    """Issues stateless nonces and checks credentials against stored HA1 values."""

    def __init__(
        self,
        realm: str,
        secret: bytes,
        nonce_lifetime: float = 300.0,
        counts: NonceCounts | None = None,
    ) -> None:
        if len(secret) < 16:
            raise ValueError("the nonce secret needs at least 16 bytes")
        self.realm = realm
        self._secret = secret
        self.nonce_lifetime = nonce_lifetime
        self.counts = counts if counts is not None else NonceCounts()

    def make_nonce(self, now: float, source: str = "") -> str:
        """A nonce: issue time (ms, hex), a random salt, and an HMAC over both and `source`.

        The salt keeps two challenges in the same millisecond apart: nonce counts are kept
        per nonce, so a shared nonce would make the second client's nc=1 look replayed.
        """
        stamp = f"{format(int(now * 1000), 'x')}.{secrets.token_urlsafe(6)}"
        return f"{stamp}.{self._mac(stamp, source)}"

    def _mac(self, stamp: str, source: str) -> str:
        text = f"{self.realm}:{stamp}:{source}".encode("utf-8", "surrogateescape")
        mac = hmac.new(self._secret, text, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac[:18]).decode("ascii")

    def challenge(
        self, now: float, algorithm: str = "MD5", stale: bool = False, source: str = ""
    ) -> DigestChallenge:
        """A fresh challenge for a 401/407, its nonce good only from `source`."""
        if algorithm not in ALGORITHMS:
            raise ValueError(f"unsupported algorithm {algorithm!r}")
        nonce = self.make_nonce(now, source)
        return DigestChallenge(self.realm, nonce, algorithm, ("auth",), None, stale)

    def _issued(self, nonce: str, source: str) -> float | None:
        """The issue time of a nonce we made for `source`, or None."""
        stamp, dot, mac = nonce.rpartition(".")
        millis = stamp.partition(".")[0]
        if not dot or not _STAMP.fullmatch(millis):
            return None
        if not _same_secret(mac, self._mac(stamp, source)):
            return None
        return int(millis, 16) / 1000

    def nonce_state(self, nonce: str, now: float, source: str = "") -> AuthResult:
        """OK for a valid fresh nonce, STALE for an expired genuine one, else BAD_NONCE."""
        issued = self._issued(nonce, source)
        if issued is None:
            return AuthResult.BAD_NONCE
        return AuthResult.OK if self._fresh(issued, now) else AuthResult.STALE

    def _fresh(self, issued: float, now: float) -> bool:
        return now - issued <= self.nonce_lifetime and issued - now <= 1.0

    def verify(
        self,
        credentials: DigestCredentials,
        method: str,
        ha1: str,
        now: float,
        *,
        source: str = "",
        request_uri: str | None = None,
    ) -> AuthResult:
        """Check `credentials` for a request with `method` from `source`, given the stored HA1.

        With `request_uri`, the digest uri must name it (RFC 7616 §3.4.6). A correct answer is
        accepted once per nonce count; without qop (RFC 2069 style) once per nonce.
        """
        if credentials.realm != self.realm:
            return AuthResult.BAD_RESPONSE
        if request_uri is not None and not _same_uri(credentials.uri, request_uri):
            return AuthResult.BAD_URI
        count = 0
        if credentials.qop:
            if credentials.nc is None or not _NONCE_COUNT.fullmatch(credentials.nc):
                return AuthResult.BAD_RESPONSE
            count = int(credentials.nc, 16)
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
        if not _same_secret(expected, credentials.response.lower()):
            return AuthResult.BAD_RESPONSE
        # Only a correct answer earns STALE: otherwise a guesser learns nothing new (RFC 7616).
        issued = self._issued(credentials.nonce, source)
        if issued is None:
            return AuthResult.BAD_NONCE
        if not self._fresh(issued, now):
            return AuthResult.STALE
        return self.counts.check(credentials.nonce, issued, count, now, self.nonce_lifetime)


def _same_secret(ours: str, theirs: str) -> bool:
    """Constant-time comparison of a value we computed with one a peer sent (any text:
    hmac.compare_digest raises TypeError on non-ASCII str, so compare the bytes)."""
    return hmac.compare_digest(ours.encode(), theirs.encode("utf-8", "surrogateescape"))


def _same_uri(digest_uri: str, request_uri: str) -> bool:
    """Whether the digest uri names the Request-URI (as written, or equivalent by §19.1.4)."""
    if digest_uri == request_uri:
        return True
    try:
        return uris_equivalent(digest_uri, request_uri)
    except SipParseError:
        return False
