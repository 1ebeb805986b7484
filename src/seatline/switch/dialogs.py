"""Requests and responses inside (and creating) dialogs: INVITE, ACK, BYE, CANCEL, re-INVITE.

Functions here take the `SipCore` and a `Leg`; they turn SIP into `Call` state changes and
`Call` requests into SIP (RFC 3261 §12-§15). Transfers (REFER) live in `transfer.py`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from typing import TYPE_CHECKING

from seatline.sip import SipParseError, make_response, parse_name_addr
from seatline.sip.events import RequestReceived, TransactionKey
from seatline.sip.sdp import AudioOffer, answer_direction, audio_body, audio_offer
from seatline.sip.uri import SipUri, parse_uri
from seatline.sip.validate import accepts, body_type_supported, unsupported_extensions
from seatline.switch import sdes_keys, transfer
from seatline.switch.call import Call
from seatline.switch.errors import MediaError
from seatline.switch.leg import Leg, LegState, record_route
from seatline.switch.registrar import uri_user_host
from seatline.switch.transport import TcpTransport

if TYPE_CHECKING:
    from seatline.switch.core import SipCore

log = logging.getLogger(__name__)

_TAG = re.compile(r";\s*tag=[^;>]*", re.IGNORECASE)
_IN_DIALOG_OK = ("NOTIFY", "INFO", "UPDATE", "PRACK")
SUPPORTED_EXTENSIONS: frozenset[str] = frozenset()  # option tags a Require may name (§8.2.2.3)
BODY_TYPES = frozenset({"application/sdp"})  # what an INVITE may carry (§8.2.3)
TRYING_DELAY = 0.2  # RFC 3261 §17.2.1: a 100 is owed if the TU will not answer within 200 ms


def strip_tag(value: str) -> str:
    """A From/To value without its tag parameter."""
    gt = value.rfind(">")
    if gt == -1:
        return _TAG.sub("", value)
    return value[: gt + 1] + _TAG.sub("", value[gt + 1 :])


def request_user(uri_text: str) -> str:
    """The user part of a Request-URI (the dialled number)."""
    try:
        uri = parse_uri(uri_text)
    except SipParseError:
        return ""
    return (uri.user or "") if isinstance(uri, SipUri) else ""


# -- incoming requests ---------------------------------------------------------------------
def on_request(core: SipCore, ev: RequestReceived) -> None:
    """Dispatch one new request from the transaction layer; a failure still answers it (500)."""
    try:
        _dispatch(core, ev)
    except Exception:
        log.exception("%s from %s:%s failed", ev.request.method, *ev.source)
        if ev.key is not None and ev.request.method != "ACK":
            core.respond(ev.request, ev.key, 500, to_tag="err")


def _dispatch(core: SipCore, ev: RequestReceived) -> None:
    req = ev.request
    method = req.method
    if not _acceptable(core, ev):
        return
    if method == "INVITE":
        if req.to_addr.tag:
            on_reinvite(core, ev)
        else:
            on_new_invite(core, ev)
    elif method == "ACK":
        on_ack(core, ev)
    elif method == "BYE":
        on_bye(core, ev)
    elif method == "CANCEL":
        on_cancel(core, ev)
    elif method == "OPTIONS":
        headers = [("Allow", core_allow()), ("Accept", "application/sdp")]
        core.respond(req, ev.key, 200, to_tag="opt", headers=headers)
    elif method == "REGISTER":
        core.spawn(_register(core, ev))
    elif method == "REFER":
        transfer.on_refer(core, ev)
    elif method in _IN_DIALOG_OK:
        on_in_dialog_info(core, ev)
    elif method in ("SUBSCRIBE", "PUBLISH", "MESSAGE"):
        core.respond(req, ev.key, 405, to_tag="na", headers=[("Allow", core_allow())])
    else:
        core.respond(req, ev.key, 501, to_tag="ni", headers=[("Allow", core_allow())])


def _acceptable(core: SipCore, ev: RequestReceived) -> bool:
    """RFC 3261 §8.2.2-§8.2.3: refuse what we cannot honour before acting on it."""
    req = ev.request
    unsupported = unsupported_extensions(req, SUPPORTED_EXTENSIONS)
    if unsupported:
        core.respond(
            req, ev.key, 420, to_tag="ext", headers=[("Unsupported", ", ".join(unsupported))]
        )
        return False
    if req.method != "INVITE":
        return True
    if not body_type_supported(req, BODY_TYPES):
        core.respond(req, ev.key, 415, to_tag="type", headers=[("Accept", "application/sdp")])
        return False
    if not accepts(req, "application/sdp"):  # our answer (or late offer) is SDP
        core.respond(req, ev.key, 406, to_tag="type", headers=[("Accept", "application/sdp")])
        return False
    return True


def core_allow() -> str:
    """The Allow header value."""
    from seatline.switch.core import ALLOW

    return ALLOW


async def _register(core: SipCore, ev: RequestReceived) -> None:
    host, port = ev.source
    try:
        resp = await core.registrar.handle(ev.request, ev.transport, host, port, core.clock())
    except Exception:
        # The credential store may be down: the phone gets an answer and retries later.
        log.exception("REGISTER from %s:%s failed", host, port)
        resp = make_response(ev.request, 500, to_tag="reg")
    try:
        core.layer.send_response(resp, core.now, ev.key)
    except Exception as exc:
        log.debug("REGISTER answer dropped: %s", exc)
    stream = core.transport_for(ev.transport) if ev.transport in ("TCP", "TLS") else None
    if resp.status == 200 and isinstance(stream, TcpTransport):
        # The phone is called back over this connection: keep it while the binding lives.
        stream.keep_open(ev.source, core.registrar.held_for(ev.request, ev.source, core.clock()))
    core._pump()


def on_new_invite(core: SipCore, ev: RequestReceived) -> None:
    """A new inbound call: make its leg and `Call`, then route it in a task."""
    req = ev.request
    if req.call_id in core.legs:
        core.respond(req, ev.key, 482, to_tag="loop")  # §8.2.2.2 merged request
        return
    contact = req.headers.get("Contact")
    try:
        target = parse_name_addr(contact).uri if contact else req.from_addr.uri
    except SipParseError:
        target = req.from_addr.uri
    leg = Leg(
        call_id=req.call_id,
        local_tag=core_tag(),
        local_uri=strip_tag(req.headers.get("To") or ""),
        remote_uri=strip_tag(req.headers.get("From") or ""),
        remote_target=target,
        address=ev.source,
        transport=ev.transport,
        inbound=True,
        remote_tag=req.from_addr.tag or "",
        invite=req,
        invite_key=ev.key,
        route_set=record_route(req),  # §12.1.1: in the order received
    )
    caller, _ = uri_user_host(req.from_addr.uri)
    call = Call(core, leg, number=request_user(req.uri), caller=caller, inbound=True)
    core.legs[leg.call_id] = leg
    asyncio.get_running_loop().call_later(TRYING_DELAY, _trying, core, leg)
    core.spawn(_run_inbound(core, call, ev))


def _trying(core: SipCore, leg: Leg) -> None:
    if leg.state is LegState.INCOMING and leg.invite is not None:
        core.respond(leg.invite, leg.invite_key, 100)


def core_tag() -> str:
    """A fresh local tag."""
    from seatline.switch.core import new_tag

    return new_tag()


def reject(
    core: SipCore, call: Call, status: int, headers: list[tuple[str, str]] | None = None
) -> None:
    """Refuse an unanswered inbound call with `status` and end it."""
    leg = call.leg
    if leg.invite is not None:
        core.respond(
            leg.invite, leg.invite_key, status, to_tag=leg.local_tag, headers=headers or []
        )
    call.terminate(f"rejected-{status}", send=False)


async def _run_inbound(core: SipCore, call: Call, ev: RequestReceived) -> None:
    """Authenticate, route and run a new inbound call; any failure still answers the caller."""
    try:
        await _start_inbound(core, call, ev)
    except Exception:
        log.exception("new INVITE %s failed", call.leg.call_id)
        if not call.ended:
            if call.answered:
                call.terminate("internal-error")
            else:
                reject(core, call, 500)
        if core.legs.get(call.leg.call_id) is call.leg:
            del core.legs[call.leg.call_id]


async def _start_inbound(core: SipCore, call: Call, ev: RequestReceived) -> None:
    req = ev.request
    host, port = ev.source
    if not core.is_trusted(host, port):
        user, domain = uri_user_host(req.from_addr.uri)
        result = await core.invite_guard.check(req, host, domain, user, core.clock(), proxy=True)
        if result.response is not None:
            core.legs.pop(call.leg.call_id, None)  # the retry comes with the same Call-ID
            call.leg.state = LegState.TERMINATED
            with contextlib.suppress(Exception):
                core.layer.send_response(result.response, core.now, ev.key)
            core._pump()
            return
        assert result.credentials is not None
        call.trunk_name = result.credentials.trunk_name
        call.agent_id = result.credentials.agent_id if call.trunk_name is None else None
        call.tenant_id = result.credentials.tenant_id
        call.leg.trunk = next(
            (
                t
                for t in core.config.trunks
                if (t.name, t.tenant_id) == (call.trunk_name, call.tenant_id)
            ),
            None,
        )
    else:
        trunk = core.trunk_for_source(host, port)
        call.leg.trunk = trunk  # its other addresses may carry this dialog's requests too
        call.tenant_id = trunk.tenant_id if trunk is not None else ""
        call.trunk_name = trunk.name if trunk is not None else None
    handler = core.router.route(call.number)
    if handler is None:
        reject(core, call, 404)
        return
    try:
        offer = audio_offer(req.body) if req.body else None
    except SipParseError:
        reject(core, call, 488)
        return
    if offer is not None and not sdes_keys.acceptable_offer(call.leg, offer):
        reject(core, call, 488)  # a TLS leg without usable keys, or SAVP in clear signalling
        return
    assert core.media is not None
    try:
        media = await core.media.open_session()
    except MediaError:
        reject(core, call, 503)
        return
    if call.ended:
        media.close()
        return
    call.attach_media(media)
    if offer is not None:
        try:
            apply_remote(call.leg, offer)
        except SipParseError:
            reject(core, call, 488)
            return
    core.stats["calls_in"] += 1
    await call.run(handler)


def apply_remote(leg: Leg, desc: AudioOffer) -> None:
    """Point the leg's RTP at the peer's SDP (keys, address, codec, DTMF type, direction).

    Raises `SdesError` (a 488 `SipParseError`) when an SRTP leg's SDP has no usable key.
    """
    if leg.media is not None:
        sdes_keys.key_remote(leg, leg.media, desc)  # first: a refusal changes nothing
    leg.remote_media = desc
    if leg.media is not None:
        leg.media.set_remote(
            desc.address, desc.port, desc.codec, desc.dtmf_payload_types, leg.address[0]
        )
        leg.media.send_enabled = desc.direction in ("sendrecv", "recvonly")


def local_sdp(
    core: SipCore, leg: Leg, direction: str = "sendrecv", codecs: tuple[int, ...] = (0, 8)
) -> bytes:
    """Our SDP for `leg`: an answer to its remote media, or an offer of `codecs`."""
    assert leg.media is not None
    leg.sdp_version += 1
    proto, crypto = sdes_keys.local_keys(leg, leg.media)
    remote = leg.remote_media
    if remote is not None:
        return audio_body(
            core.host,
            leg.media.port,
            (remote.codec,),
            remote.dtmf_payload_type,
            direction,
            leg.sdp_version,
            proto,
            crypto,
        )
    return audio_body(
        core.host, leg.media.port, codecs, 101, direction, leg.sdp_version, proto, crypto
    )


def answer(core: SipCore, leg: Leg, status: int = 200) -> None:
    """Send 200 (or 183 with `status`) with our SDP to an inbound INVITE."""
    assert leg.invite is not None
    direction = "sendrecv"
    if leg.remote_media is not None:
        direction = answer_direction(leg.remote_media.direction)
    headers = dialog_headers(core, leg)
    if status == 200:
        headers.append(("Allow", core_allow()))
    core.respond(
        leg.invite,
        leg.invite_key,
        status,
        to_tag=leg.local_tag,
        headers=headers,
        body=local_sdp(core, leg, direction),
    )
    leg.move("answer" if status == 200 else "ring")


def ring(core: SipCore, leg: Leg) -> None:
    """Send 180 Ringing to an inbound INVITE."""
    assert leg.invite is not None
    core.respond(
        leg.invite,
        leg.invite_key,
        180,
        to_tag=leg.local_tag,
        headers=dialog_headers(core, leg),
    )
    leg.move("ring")


def dialog_headers(core: SipCore, leg: Leg) -> list[tuple[str, str]]:
    """Contact, and the INVITE's Record-Route copied as is, for a dialog-creating response.

    RFC 3261 §12.1.1: the UAS copies every Record-Route value so proxies that asked to stay
    in the path see the rest of the dialog too.
    """
    headers = [("Contact", core.contact(leg.transport, secure=is_secure(leg)))]
    if leg.invite is not None:
        headers += [("Record-Route", value) for value in leg.invite.headers.get_all("Record-Route")]
    return headers


def is_secure(leg: Leg) -> bool:
    """Whether `leg` is a SIPS dialog: over TLS with a sips: Request-URI (RFC 3261 §12.1)."""
    invite = leg.invite
    uri = invite.uri if invite is not None else leg.remote_target
    return leg.transport.upper() == "TLS" and uri.lower().startswith("sips:")


def on_ack(core: SipCore, ev: RequestReceived) -> None:
    """The ACK for our 2xx (late offer answers arrive here)."""
    req = ev.request
    leg = core.find_leg(ev)
    if leg is None or leg.call is None:
        return  # §17: an ACK is never answered, a stranger's is simply dropped
    if req.body and leg.remote_media is None:
        try:
            apply_remote(leg, audio_offer(req.body))
        except SipParseError:
            leg.call.hangup_soon("bad-sdp")


def on_bye(core: SipCore, ev: RequestReceived) -> None:
    """The peer hangs up."""
    req = ev.request
    leg = core.find_leg(ev)
    if leg is None or leg.call is None:
        core.respond(req, ev.key, 481, to_tag="gone")
        return
    core.respond(req, ev.key, 200)
    leg.call.terminate("remote-bye", send=False)


def on_cancel(core: SipCore, ev: RequestReceived) -> None:
    """The caller gave up before we answered (§9.2)."""
    req = ev.request
    leg = core.legs.get(req.call_id)
    if leg is None or leg.call is None or ev.cancels is None or leg.invite_key != ev.cancels:
        core.respond(req, ev.key, 481, to_tag="gone")
        return
    core.respond(req, ev.key, 200, to_tag=leg.local_tag)
    if leg.state in (LegState.INCOMING, LegState.EARLY):
        assert leg.invite is not None
        core.respond(leg.invite, leg.invite_key, 487, to_tag=leg.local_tag)
        leg.call.terminate("cancelled", send=False)


def on_reinvite(core: SipCore, ev: RequestReceived) -> None:
    """A re-INVITE: hold, resume, a media change (RFC 3264 §8) or the peer moving.

    With the dialog's tags it may come from a new address (a phone that changed network):
    its Contact becomes the remote target and, over UDP, its source the peer's address.
    """
    req = ev.request
    leg = core.find_leg(ev, moving=True)
    if leg is None or leg.call is None or leg.media is None:
        core.respond(req, ev.key, 481, to_tag="gone")
        return
    direction = "sendrecv"
    if req.body:
        try:
            desc = audio_offer(req.body)
            if not sdes_keys.acceptable_offer(leg, desc):
                raise SipParseError("no usable SRTP keys", 488)
            apply_remote(leg, desc)
        except SipParseError:
            core.respond(req, ev.key, 488)
            return
        direction = answer_direction(desc.direction)
    contact = req.headers.get("Contact")
    if contact:
        with contextlib.suppress(SipParseError):
            leg.remote_target = parse_name_addr(contact).uri
    host, port = ev.source[:2]
    if ev.transport == "UDP" and not leg.expects_source(host, port):
        log.info("leg %s moved from %s:%s to %s:%s", leg.call_id, *leg.address, host, port)
        leg.address = (host, port)
    core.respond(
        req,
        ev.key,
        200,
        headers=[("Contact", core.contact(leg.transport, secure=is_secure(leg)))],
        body=local_sdp(core, leg, direction),
    )
    leg.call.on_hold_changed(direction != "sendrecv")


def on_in_dialog_info(core: SipCore, ev: RequestReceived) -> None:
    """NOTIFY/INFO/UPDATE inside a dialog: 200, and INFO dtmf-relay becomes a digit."""
    req = ev.request
    leg = core.find_leg(ev)
    if leg is None or leg.call is None:
        core.respond(req, ev.key, 481, to_tag="gone")
        return
    core.respond(req, ev.key, 200)
    if req.method == "INFO" and (req.content_type or "").startswith("application/dtmf-relay"):
        for line in req.body.decode(errors="replace").splitlines():
            key, _, value = line.partition("=")
            if key.strip().lower() == "signal" and value.strip():
                leg.call.on_dtmf(value.strip()[0])


def on_server_invite_timeout(core: SipCore, key: TransactionKey) -> None:
    """Our 2xx was never ACKed (Timer L/H): end that dialog with BYE (§13.3.1.4)."""
    for leg in list(core.legs.values()):
        if leg.invite_key == key and leg.call is not None:
            leg.call.terminate("no-ack")
