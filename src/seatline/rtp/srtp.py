"""SRTP and SRTCP (RFC 3711) for one leg, with the cipher done by libsrtp through `pylibsrtp`.

A leg keyed by SDES (RFC 4568) has two master keys: ours, announced in our SDP, protects what
we send; the peer's, from its SDP, unprotects what it sends. Both use the suite the answer
chose. Outbound and inbound streams are keyed for any SSRC: a bridged leg sends the partner's
relayed packets (its SSRC) and our own prompts (ours) through the same context.

Pure computation: bytes in, bytes out; a packet that fails authentication, is replayed or is
not SRTP at all raises `SrtpError` (a remote fault: the caller drops and counts it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

import pylibsrtp

from seatline.rtp.errors import RtpError

__all__ = ["KEY_SALT_LENGTH", "SUITES", "SrtpContext", "SrtpError"]

# Suite name (as SDES writes it) -> libsrtp profile; both take a 16-byte key and 14-byte salt.
SUITES: Final[dict[str, int]] = {
    "AES_CM_128_HMAC_SHA1_80": pylibsrtp.Policy.SRTP_PROFILE_AES128_CM_SHA1_80,
    "AES_CM_128_HMAC_SHA1_32": pylibsrtp.Policy.SRTP_PROFILE_AES128_CM_SHA1_32,
}
KEY_SALT_LENGTH: Final = 30
_MIN_RTP = 12
_MIN_RTCP = 8


class SrtpError(RtpError):
    """A packet could not be protected or unprotected, or a key or suite is unusable."""


def _session(suite: str, key: bytes, ssrc_type: int, allow_repeat: bool) -> pylibsrtp.Session:
    profile = SUITES.get(suite)
    if profile is None:
        raise SrtpError(f"unsupported SRTP suite {suite!r}")
    if len(key) != KEY_SALT_LENGTH:
        raise SrtpError(f"an SRTP master key and salt are {KEY_SALT_LENGTH} bytes, not {len(key)}")
    policy = pylibsrtp.Policy(key=bytes(key), ssrc_type=ssrc_type, srtp_profile=profile)
    # Relayed packets can repeat a sequence number (a peer retransmitting, echo): libsrtp
    # would refuse to protect them twice otherwise.
    policy.allow_repeat_tx = allow_repeat
    try:
        return pylibsrtp.Session(policy)
    except pylibsrtp.Error as exc:
        raise SrtpError(f"libsrtp refused the key: {exc}") from None


class SrtpContext:
    """Protects one leg's outgoing RTP/RTCP with our key and unprotects the peer's with theirs."""

    __slots__ = ("_rx", "_tx", "local_key", "remote_key", "suite")

    def __init__(self, suite: str, local_key: bytes, remote_key: bytes) -> None:
        self.suite = suite
        self.local_key = local_key
        self.remote_key = remote_key
        self._tx = _session(suite, local_key, pylibsrtp.Policy.SSRC_ANY_OUTBOUND, True)
        self._rx = _session(suite, remote_key, pylibsrtp.Policy.SSRC_ANY_INBOUND, False)

    @staticmethod
    def is_rtcp(packet: bytes | bytearray) -> bool:
        """Whether a packet on a shared port is RTCP (RFC 5761 §4: payload type 64-95 + marker)."""
        return len(packet) >= 2 and 192 <= packet[1] <= 223

    def protect(self, packet: bytes | bytearray) -> bytes:
        """SRTP for one RTP packet we send."""
        return self._run(self._tx.protect, packet, _MIN_RTP)

    def unprotect(self, packet: bytes | bytearray) -> bytes:
        """The RTP packet inside one SRTP packet the peer sent; `SrtpError` if it is not genuine."""
        return self._run(self._rx.unprotect, packet, _MIN_RTP)

    def protect_rtcp(self, packet: bytes | bytearray) -> bytes:
        """SRTCP for one compound RTCP packet we send."""
        return self._run(self._tx.protect_rtcp, packet, _MIN_RTCP)

    def unprotect_rtcp(self, packet: bytes | bytearray) -> bytes:
        """The RTCP inside one SRTCP packet the peer sent; `SrtpError` if it is not genuine."""
        return self._run(self._rx.unprotect_rtcp, packet, _MIN_RTCP)

    @staticmethod
    def _run(step: Callable[[bytes], bytes], packet: bytes | bytearray, minimum: int) -> bytes:
        # libsrtp reads the header before checking anything: never hand it a runt or non-RTP.
        if len(packet) < minimum or packet[0] & 0xC0 != 0x80:
            raise SrtpError("not an SRTP packet")
        try:
            return bytes(step(bytes(packet)))
        except (pylibsrtp.Error, ValueError) as exc:
            raise SrtpError(str(exc)) from None
