"""SDES on a leg: which legs use SRTP, the keys we offer or answer, and keying the RTP session.

The rule (issue 11): a leg signalled over TLS uses SRTP with SDES keys, and SDES keys never
travel over plain UDP/TCP signalling, where anyone on the path could read them. So:

- on a TLS leg we offer RTP/SAVP with a fresh key per suite, and accept an offer only if it
  carries a usable `a=crypto` line (otherwise 488);
- on any other leg we never write `a=crypto`, and refuse an RTP/SAVP offer (488) rather than
  answer it with keys in clear; a plain RTP/AVP offer that also lists keys gets plain RTP.

The keys live on the leg's `RtpSession` (`sdes_local`, `sdes_offered`), next to the context
that uses them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from seatline.rtp.srtp import SrtpError
from seatline.sip.sdes import (
    CryptoAttribute,
    SdesError,
    choose_crypto,
    new_crypto,
    offer_cryptos,
    parse_crypto,
)
from seatline.sip.sdp import AudioOffer

if TYPE_CHECKING:
    from seatline.switch.leg import Leg
    from seatline.switch.media import RtpSession

__all__ = ["acceptable_offer", "key_remote", "local_keys", "uses_srtp"]


def uses_srtp(leg: Leg) -> bool:
    """Whether `leg`'s media is SRTP: exactly when its signalling is TLS."""
    return leg.transport.upper() == "TLS"


def acceptable_offer(leg: Leg, offer: AudioOffer) -> bool:
    """Whether we can answer `offer` on `leg` under the rule above (False means 488)."""
    if uses_srtp(leg):
        return choose_crypto(offer.crypto) is not None
    return not offer.secure


def local_keys(leg: Leg, media: RtpSession) -> tuple[str, tuple[CryptoAttribute, ...]]:
    """The m= proto and `a=crypto` lines for our next SDP on `leg` (plain legs: none).

    Once keyed we keep the one key in use, in answers and re-offers alike; a first offer
    makes one key per supported suite. Whatever we send is remembered as offered, so the
    peer's next SDP is matched to it by tag (RFC 4568 §5.1.2).
    """
    if not uses_srtp(leg):
        return "RTP/AVP", ()
    remote = leg.remote_media
    # Answer in the offer's profile (RFC 3264 §6): SAVP, or AVP for a best-effort SRTP offer.
    proto = remote.proto if remote is not None else "RTP/SAVP"
    if not media.sdes_local:
        media.sdes_offered = offer_cryptos()
        return proto, media.sdes_offered
    media.sdes_offered = media.sdes_local
    return proto, media.sdes_local


def key_remote(leg: Leg, media: RtpSession, desc: AudioOffer) -> None:
    """Key `media` from the peer's SDP (offer or answer); `SdesError` (488) if we cannot.

    An answer picks one of the tags we offered, with the same suite; otherwise it is an offer,
    whose first usable line we take and answer with a fresh key of our own.
    """
    if not uses_srtp(leg):
        if desc.secure:
            raise SdesError("RTP/SAVP needs SIP over TLS here: keys are never sent in clear")
        media.clear_srtp()
        return
    offered = {c.tag: c for c in media.sdes_offered}
    chosen: CryptoAttribute | None = None
    ours: CryptoAttribute | None = None
    for value in desc.crypto:  # an answer (or a re-offer) naming a tag we sent
        try:
            crypto = parse_crypto(value)
        except SdesError:
            continue
        mine = offered.get(crypto.tag)
        if crypto.usable and mine is not None and mine.suite == crypto.suite:
            chosen, ours = crypto, mine
            break
    if chosen is None:  # a new offer: its first usable line, answered with a key of ours
        chosen = choose_crypto(desc.crypto)
        if chosen is not None:
            ours = new_crypto(chosen.tag, chosen.suite)
    if chosen is None or ours is None:
        raise SdesError("no usable a=crypto for this SRTP leg")
    try:
        media.use_srtp(chosen.suite, ours.key, chosen.key)
    except SrtpError as exc:
        raise SdesError(f"cannot key SRTP: {exc}") from None
    media.sdes_local = (ours,)
    media.sdes_offered = ()
