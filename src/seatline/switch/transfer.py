"""Call transfer by REFER (RFC 3515), with NOTIFY sipfrag progress and Replaces (RFC 3891).

Blind: the referrer's partner is handed to the Refer-To target. Attended: Refer-To carries
`Replaces` naming another of our legs; the two partners are joined and both legs to the
referrer are released.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING
from urllib.parse import unquote

from seatline.sip import SipParseError, parse_name_addr
from seatline.sip.events import RequestReceived
from seatline.sip.responses import reason_phrase
from seatline.sip.uri import SipUri, parse_uri
from seatline.switch.errors import CallEnded

if TYPE_CHECKING:
    from seatline.switch.call import Call
    from seatline.switch.core import SipCore
    from seatline.switch.leg import Leg

log = logging.getLogger(__name__)

REFER_HANGUP_DELAY = 5.0  # seconds the referrer gets to send its own BYE


def notify(core: SipCore, leg: Leg, status_line: str, final: bool) -> None:
    """Send a refer-event NOTIFY carrying `status_line` as message/sipfrag (RFC 3515 §2.4.5)."""
    from seatline.switch import outbound

    if leg.ended:
        return
    state = "terminated;reason=noresource" if final else "active;expires=60"
    outbound.send_in_dialog(
        core,
        leg,
        "NOTIFY",
        f"{status_line}\r\n".encode(),
        "message/sipfrag;version=2.0",
        (("Event", "refer"), ("Subscription-State", state)),
        on_response=lambda resp: None,
    )


def parse_replaces(uri_text: str) -> tuple[str, str, str] | None:
    """(call-id, to-tag, from-tag) from a Refer-To URI's `Replaces` header, or None."""
    _, _, query = uri_text.partition("?")
    for part in query.split("&"):
        name, _, value = part.partition("=")
        if name.lower() != "replaces":
            continue
        fields = unquote(value).split(";")
        params = dict(p.split("=", 1) for p in fields[1:] if "=" in p)
        return fields[0], params.get("to-tag", ""), params.get("from-tag", "")
    return None


def local_target(core: SipCore, uri_text: str) -> str:
    """The dialled number if the URI points at us, else the URI itself (without headers)."""
    bare = uri_text.split("?", 1)[0]
    try:
        uri = parse_uri(bare)
    except SipParseError:
        return bare
    if isinstance(uri, SipUri) and uri.user and core.router.route(uri.user) is not None:
        return uri.user
    return bare


async def _blind(core: SipCore, leg: Leg, partner: Call, target: str) -> None:
    """Hand `partner` to `target`; the final NOTIFY reports how reaching the target ended."""
    from seatline.switch import outbound

    status = 487
    try:
        status = await partner.transfer(target, hang_up_partner=False)
    except CallEnded:
        pass
    finally:
        notify(core, leg, f"SIP/2.0 {status} {reason_phrase(status)}", final=True)
    if status == 200 and leg.call is not None:
        outbound.spawn_sleep_hangup(core, leg.call, REFER_HANGUP_DELAY, "transferred")


def _replaced_leg(core: SipCore, replaces: tuple[str, str, str], referrer: Call) -> Leg | None:
    """The leg a Replaces names: its Call-ID *and* both tags (RFC 3891 §3), of the referrer's
    tenant; a Call-ID alone, learnt or guessed, names nothing."""
    call_id, to_tag, from_tag = replaces
    leg = core.legs.get(call_id)
    if leg is None or leg.call is None or leg.call.tenant_id != referrer.tenant_id:
        return None
    # Seen from us the to-tag is ours and the from-tag the peer's; some phones write them the
    # other way round, which names the same dialog just as surely.
    if {to_tag, from_tag} != {leg.local_tag, leg.remote_tag} or not to_tag or not from_tag:
        return None
    return leg


def on_refer(core: SipCore, ev: RequestReceived) -> None:
    """Accept a REFER and carry it out."""
    from seatline.switch import outbound

    req = ev.request
    leg = core.find_leg(ev)  # the full dialog, from its peer (RFC 3261 §12.2.2)
    if leg is None or leg.call is None:
        core.respond(req, ev.key, 481, to_tag="gone")
        return
    refer_to = req.headers.get("Refer-To")
    if not refer_to:
        core.respond(req, ev.key, 400)
        return
    try:
        target_uri = parse_name_addr(refer_to).uri
    except SipParseError:
        core.respond(req, ev.key, 400)
        return
    referrer = leg.call
    partner = referrer.partner
    if partner is None:
        core.respond(req, ev.key, 603)
        return
    core.respond(req, ev.key, 202)
    notify(core, leg, "SIP/2.0 100 Trying", final=False)
    replaces = parse_replaces(target_uri)
    if replaces is None:
        core.spawn(_blind(core, leg, partner, local_target(core, target_uri)))
        return
    replaced = _replaced_leg(core, replaces, referrer)
    other = replaced.call.partner if replaced is not None and replaced.call is not None else None
    if replaced is None or replaced.call is None or other is None:
        notify(core, leg, "SIP/2.0 481 Call/Transaction Does Not Exist", final=True)
        return
    referrer.unlink()
    replaced.call.unlink()
    partner.link(other)
    notify(core, leg, "SIP/2.0 200 OK", final=True)
    replaced.call.terminate("replaced")
    outbound.spawn_sleep_hangup(core, referrer, REFER_HANGUP_DELAY, "transferred")
