"""SDES: SRTP master keys carried in SDP (RFC 4568 `a=crypto`), parsed, chosen and written.

`a=crypto:<tag> <suite> inline:<base64 key||salt>[|<lifetime>][|<mki>:<length>] [<params>]`.
Each side's attribute carries the key *it* encrypts with; the answer echoes the tag and suite
it accepts with a key of its own (§5.1). The keys travel in clear inside the SDP, so the switch
only ever writes or accepts them on SIP-over-TLS legs; this module does not know transports.

What we accept is deliberately narrow: AES_CM_128_HMAC_SHA1_80 or _32, one key without MKI,
and no session parameters (UNENCRYPTED_SRTP and friends weaken the protection; the others
are not needed). Anything else is parsed but marked unusable, so the offerer's next line is
tried and, when none is left, the call gets 488.
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from seatline.sip.errors import SipParseError

__all__ = [
    "SECURE_PROTOS",
    "SUPPORTED_SUITES",
    "CryptoAttribute",
    "SdesError",
    "choose_crypto",
    "new_crypto",
    "offer_cryptos",
    "parse_crypto",
]

SUPPORTED_SUITES = ("AES_CM_128_HMAC_SHA1_80", "AES_CM_128_HMAC_SHA1_32")  # preference order
SECURE_PROTOS = ("RTP/SAVP", "RTP/SAVPF")
KEY_SALT_LENGTH = 30  # 128-bit master key and 112-bit master salt (RFC 4568 §6.2.1)
_TAG = re.compile(r"[0-9]{1,9}")
_SUITE = re.compile(r"[A-Za-z0-9_]{1,64}")
_LIFETIME = re.compile(r"(2\^)?[0-9]{1,20}")
_MKI = re.compile(r"[0-9]{1,20}:[0-9]{1,3}")


class SdesError(SipParseError):
    """An `a=crypto` attribute that is not well formed; the offer is answered 488."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, 488)


@dataclass(frozen=True, slots=True)
class CryptoAttribute:
    """One `a=crypto` line: tag, suite, master key||salt and the optional extras."""

    tag: int
    suite: str
    key: bytes
    lifetime: str | None = None
    mki: str | None = None
    session_params: tuple[str, ...] = ()
    extra_keys: int = 0  # further `;inline:` keys, which only make sense with an MKI

    @property
    def usable(self) -> bool:
        """Whether the switch can run SRTP with this line (see the module's narrow rules)."""
        return (
            self.suite in SUPPORTED_SUITES
            and len(self.key) == KEY_SALT_LENGTH
            and self.mki is None
            and not self.extra_keys
            and not self.session_params
        )

    def __str__(self) -> str:
        key = "inline:" + base64.b64encode(self.key).decode("ascii")
        if self.lifetime is not None:
            key += f"|{self.lifetime}"
        if self.mki is not None:
            key += f"|{self.mki}"
        return " ".join((str(self.tag), self.suite, key, *self.session_params))

    def __repr__(self) -> str:
        # Keys stay out of logs and tracebacks.
        return f"CryptoAttribute(tag={self.tag}, suite={self.suite!r}, key=<{len(self.key)} bytes>)"


def parse_crypto(value: str) -> CryptoAttribute:
    """Parse the value of one `a=crypto` attribute; `SdesError` when it is malformed."""
    parts = value.split()
    if len(parts) < 3:
        raise SdesError("a=crypto needs a tag, a suite and key parameters")
    tag_text, suite, key_params, *session_params = parts
    if not _TAG.fullmatch(tag_text):
        raise SdesError(f"bad a=crypto tag {tag_text[:12]!r}")
    if not _SUITE.fullmatch(suite):
        raise SdesError("bad a=crypto suite")
    first, *more = key_params.split(";")
    method, colon, info = first.partition(":")
    if not colon or method.lower() != "inline":
        raise SdesError("a=crypto key method must be inline")
    key_text, *fields = info.split("|")
    if len(fields) > 2:
        raise SdesError("a=crypto key has too many fields")
    lifetime = mki = None
    for field in fields:
        if _MKI.fullmatch(field) and mki is None:
            mki = field
        elif _LIFETIME.fullmatch(field) and lifetime is None and mki is None:
            lifetime = field
        else:
            raise SdesError("bad a=crypto lifetime or MKI")
    try:
        key = base64.b64decode(key_text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise SdesError("a=crypto key is not base64") from None
    if suite in SUPPORTED_SUITES and len(key) != KEY_SALT_LENGTH:
        raise SdesError(f"{suite} needs a {KEY_SALT_LENGTH}-byte key and salt, got {len(key)}")
    return CryptoAttribute(
        int(tag_text), suite, key, lifetime, mki, tuple(session_params), len(more)
    )


def choose_crypto(values: Iterable[str]) -> CryptoAttribute | None:
    """The first usable `a=crypto` line of an offer, in the offerer's order (RFC 4568 §7.1.2).

    Malformed lines are skipped like unusable ones: another line may still be fine.
    """
    for value in values:
        try:
            crypto = parse_crypto(value)
        except SdesError:
            continue
        if crypto.usable:
            return crypto
    return None


def new_crypto(tag: int, suite: str) -> CryptoAttribute:
    """A fresh random master key and salt for `suite`, under `tag`."""
    if suite not in SUPPORTED_SUITES:
        raise ValueError(f"unsupported suite {suite!r}")
    return CryptoAttribute(tag, suite, secrets.token_bytes(KEY_SALT_LENGTH))


def offer_cryptos() -> tuple[CryptoAttribute, ...]:
    """What we offer: every supported suite, best first, each with its own fresh key."""
    return tuple(new_crypto(tag, suite) for tag, suite in enumerate(SUPPORTED_SUITES, start=1))
