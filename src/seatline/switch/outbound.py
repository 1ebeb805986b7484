"""Outgoing SIP of a leg: in-dialog requests, ACK, BYE, re-INVITE, and dialling new legs.

Counterpart of `dialogs.py` (which handles what peers send): builds requests inside a dialog
(RFC 3261 §12.2.1.1), places outbound INVITEs to agents, URIs and trunks, answers a trunk's
digest challenge once, and ACKs 2xx responses (§13.2.2.4).
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from seatline.guard.outbound import (
    DialScope,
    Refused,
    caller_id_refusal,
    choose_trunk,
    peer_refusal,
    uri_refusal,
)
from seatline.sip import Headers, SipParseError, SipRequest, SipResponse, parse_name_addr
from seatline.sip.sdp import audio_offer
from seatline.switch.dialogs import apply_remote, is_secure, local_sdp
from seatline.switch.errors import TargetNotFound, TargetRefused
from seatline.switch.leg import Leg, LegState, next_hop, record_route, request_target

if TYPE_CHECKING:
    from seatline.switch.call import Call
    from seatline.switch.config import TrunkConfig
    from seatline.switch.core import SipCore
    from seatline.switch.registrar import Binding


def build_request(
    core: SipCore,
    leg: Leg,
    method: str,
    body: bytes = b"",
    content_type: str = "application/sdp",
    extra: tuple[tuple[str, str], ...] = (),
) -> SipRequest:
    """A request inside `leg`'s dialog (or its initial INVITE) with the next CSeq."""
    from seatline.switch.core import new_branch

    leg.cseq += 1
    uri, routes = request_target(leg)
    h = Headers()
    via_port = core.port_for(leg.transport)
    h.add("Via", f"SIP/2.0/{leg.transport} {core.host}:{via_port};branch={new_branch()};rport")
    h.add("Max-Forwards", "70")
    for route in routes:
        h.add("Route", route)
    h.add("From", f"{leg.local_uri};tag={leg.local_tag}")
    h.add("To", f"{leg.remote_uri};tag={leg.remote_tag}" if leg.remote_tag else leg.remote_uri)
    h.add("Call-ID", leg.call_id)
    h.add("CSeq", f"{leg.cseq} {method}")
    h.add("Contact", core.contact(leg.transport, secure=is_secure(leg)))
    h.add("User-Agent", core.config.user_agent)
    for name, value in extra:
        h.add(name, value)
    if body:
        h.add("Content-Type", content_type)
    return SipRequest(method, uri, h, body)


def send_in_dialog(
    core: SipCore,
    leg: Leg,
    method: str,
    body: bytes = b"",
    content_type: str = "application/sdp",
    extra: tuple[tuple[str, str], ...] = (),
    on_response: object = None,
) -> None:
    """Send a request inside `leg`'s dialog."""
    req = build_request(core, leg, method, body, content_type, extra)
    core.send_request(req, next_hop(leg), leg.transport, on_response)  # type: ignore[arg-type]


def send_ack(core: SipCore, leg: Leg, resp: SipResponse) -> None:
    """ACK a 2xx to one of our INVITEs (§13.2.2.4: a new transaction-less request)."""
    from seatline.switch.core import new_branch

    uri, routes = request_target(leg)
    h = Headers()
    via_port = core.port_for(leg.transport)
    h.add("Via", f"SIP/2.0/{leg.transport} {core.host}:{via_port};branch={new_branch()};rport")
    h.add("Max-Forwards", "70")
    for route in routes:
        h.add("Route", route)
    h.add("From", f"{leg.local_uri};tag={leg.local_tag}")
    h.add("To", resp.headers.get("To") or leg.remote_uri)
    h.add("Call-ID", leg.call_id)
    h.add("CSeq", f"{resp.cseq.seq} ACK")
    core.send_stateless(SipRequest("ACK", uri, h), next_hop(leg), leg.transport)


def send_bye(core: SipCore, leg: Leg) -> None:
    """Hang up a confirmed leg."""
    send_in_dialog(core, leg, "BYE", on_response=lambda resp: None)


def reinvite(core: SipCore, leg: Leg, direction: str) -> None:
    """Offer new media direction (hold: sendonly; resume: sendrecv)."""
    body = local_sdp(core, leg, direction)
    if leg.media is not None:
        leg.media.send_enabled = direction in ("sendrecv", "sendonly")
    send_in_dialog(core, leg, "INVITE", body, on_response=partial(_reinvite_response, core, leg))


def _reinvite_response(core: SipCore, leg: Leg, resp: SipResponse | None) -> None:
    if resp is not None and 200 <= resp.status < 300:
        send_ack(core, leg, resp)


@dataclass(frozen=True)
class Destination:
    """Where one outbound INVITE goes: Request-URI, next hop, transport and carrier trunk."""

    uri: str
    address: tuple[str, int]
    transport: str
    trunk: TrunkConfig | None = None


def resolve_targets(core: SipCore, target: str, tenant_id: str) -> list[Destination]:
    """Every destination `tenant_id` may ring for a dial target, freshest registration first.

    Targets: `agent:<id>`, an AOR `user@domain` or `sip:` URI (all registered contacts, else the
    URI's host directly where the scope allows bare URIs), or a number (a trunk the tenant may
    use, by prefix, else a registered extension of the tenant). Raises `TargetRefused` when the
    tenant's scope forbids the leg (`seatline.guard.outbound` decides) and `TargetNotFound`
    when nothing answers to the target.
    """
    scope = core.scope(tenant_id)
    now = core.clock()
    if target.startswith("agent:"):
        bindings = _own(scope, core.registrar.find_agent(target[6:], now), target)
    else:
        text = target[4:] if target.startswith("sip:") else target
        if "@" in text:
            user, _, rest = text.partition("@")
            hostport = rest.split(";", 1)[0].split("?", 1)[0]
            host, _, port_text = hostport.partition(":")
            bindings = core.registrar.bindings(f"{user}@{host.lower()}", now)
            explicit_port = int(port_text) if port_text.isascii() and port_text.isdigit() else None
            if not bindings and _is_us(core, host, explicit_port):
                # A phone addressed by our IP is one of our extensions; dialling ourselves
                # instead would loop back in as an unknown caller.
                bindings = core.registrar.bindings(f"{user}@{core.config.domain}", now)
                if not bindings:
                    raise TargetNotFound(f"{user!r} is not registered here and is no number")
            if not bindings:
                refused = uri_refusal(scope, text)
                if refused is not None:
                    raise TargetRefused(refused.reason, refused.status)
                transport = "TCP" if "transport=tcp" in rest.lower() else "UDP"
                return [Destination(f"sip:{text}", (host, explicit_port or 5060), transport)]
            bindings = _own(scope, bindings, target)
        else:
            chosen = choose_trunk(scope, text, core.config.trunks)
            if not isinstance(chosen, Refused) and chosen.outbound_host is not None:
                addr = (chosen.outbound_address or chosen.outbound_host, chosen.outbound_port)
                uri = f"sip:{text}@{chosen.outbound_host}:{chosen.outbound_port}"
                return [Destination(uri, addr, chosen.outbound_transport, chosen)]
            # Not a number this tenant may send out: perhaps one of its own extensions.
            extension = core.registrar.bindings(f"{text}@{core.config.domain}", now)
            bindings = [b for b in extension if b.tenant_id == scope.tenant_id]
            if not bindings and isinstance(chosen, Refused):
                raise TargetRefused(chosen.reason, chosen.status)
    if not bindings:
        raise TargetNotFound(f"no registered contact or route for {target!r}")
    ordered = sorted(bindings, key=lambda b: b.expires_at, reverse=True)
    return [Destination(b.contact, (b.host, b.port), b.transport) for b in ordered]


def _own(scope: DialScope, bindings: list[Binding], target: str) -> list[Binding]:
    """The bindings of `scope`'s tenant; refused when every one is another tenant's phone."""
    own = [b for b in bindings if b.tenant_id == scope.tenant_id]
    if bindings and not own:
        refused = peer_refusal(scope, bindings[0].tenant_id, target)
        if refused is not None:
            raise TargetRefused(refused.reason, refused.status)
    return own


def _is_us(core: SipCore, host: str, port: int | None) -> bool:
    """Whether `host[:port]` names this switch: its SIP domain or its own address and port."""
    host = host.strip("[]").lower()
    if port is not None and port != core.port:
        return False  # another port is another peer, even on our domain's host
    return host == core.config.domain.lower() or (host == core.host and port == core.port)


async def dial(
    core: SipCore,
    target: str,
    caller_id: str = "seatline",
    codecs: tuple[int, ...] = (0, 8),
    *,
    tenant_id: str,
) -> Call:
    """Place one outbound leg to `target`'s freshest destination; returns its `Call` while it rings.

    A bridge offers only the caller's codec so relayed RTP needs no transcoding.
    """
    destination = resolve_targets(core, target, tenant_id)[0]
    return await dial_destination(core, destination, target, caller_id, codecs, tenant_id=tenant_id)


async def dial_all(
    core: SipCore,
    target: str,
    caller_id: str = "seatline",
    codecs: tuple[int, ...] = (0, 8),
    *,
    tenant_id: str,
) -> list[Call]:
    """Ring every destination of `target` at once (an agent's desk phone and softphone alike)."""
    destinations = resolve_targets(core, target, tenant_id)
    return [
        await dial_destination(core, d, target, caller_id, codecs, tenant_id=tenant_id)
        for d in destinations
    ]


async def dial_destination(
    core: SipCore,
    destination: Destination,
    target: str,
    caller_id: str = "seatline",
    codecs: tuple[int, ...] = (0, 8),
    *,
    tenant_id: str,
) -> Call:
    """Send an INVITE to one destination for `tenant_id`; returns the new leg while it rings."""
    assert core.media is not None
    # The caller ID lands in the From header: anything but a plain token is dropped here, so
    # no caller can inject URI parameters or headers whatever a flow or campaign says.
    if caller_id_refusal(caller_id) is not None:
        caller_id = "seatline"
    media = await core.media.open_session()
    from seatline.switch.core import new_tag

    trunk = destination.trunk
    leg = Leg(
        call_id=f"{new_tag()}{new_tag()}@seatline",
        local_tag=new_tag(),
        local_uri=f"<sip:{caller_id}@{core.config.domain}>",
        remote_uri=f"<{destination.uri}>",
        remote_target=destination.uri,
        address=destination.address,
        transport=destination.transport,
        inbound=False,
        state=LegState.CALLING,
        trunk=trunk,
    )
    if trunk is not None and trunk.outbound_username:
        leg.local_uri = f"<sip:{trunk.outbound_username}@{trunk.outbound_host}>"
    from seatline.switch.call import Call

    call = Call(core, leg, number=target, caller=caller_id, inbound=False)
    call.tenant_id = tenant_id
    call.attach_media(media)
    core.legs[leg.call_id] = leg
    core.stats["calls_out"] += 1
    invite = build_request(core, leg, "INVITE", local_sdp(core, leg, codecs=codecs))
    leg.invite = invite
    leg.invite_key = core.send_request(
        invite, leg.address, leg.transport, partial(_invite_response, core, leg)
    )
    return call


def best_failure(statuses: list[int]) -> int:
    """The final status to report when every forked leg failed (after RFC 3261 §16.7).

    A 6xx is definitive; otherwise the lowest class wins and, within it, 486 Busy Here (it says
    the most about the agent), else the lowest code.
    """
    if not statuses:
        return 480
    global_failures = [s for s in statuses if 600 <= s < 700]
    if global_failures:
        return min(global_failures)
    return min(statuses, key=lambda s: (s // 100, s != 486, s))


def _invite_response(core: SipCore, leg: Leg, resp: SipResponse | None) -> None:
    call = leg.call
    assert call is not None
    if resp is None:
        if not leg.ended:
            call.outbound_failed(408)
        return
    status = resp.status
    if status < 200:
        if status > 100 and leg.state in (LegState.CALLING, LegState.EARLY):
            leg.remote_tag = resp.to_addr.tag or leg.remote_tag
            leg.move("ring")
            if resp.body:
                with contextlib.suppress(SipParseError):
                    apply_remote(leg, audio_offer(resp.body))
            call.on_progress(status)
        return
    if status in (401, 407) and not leg.ended and _answer_challenge(core, leg, resp):
        return
    if status >= 300:
        if not leg.ended:
            call.outbound_failed(status)
        return
    if leg.state is LegState.CONFIRMED:
        send_ack(core, leg, resp)  # a retransmitted 2xx
        return
    leg.remote_tag = resp.to_addr.tag or ""
    leg.route_set = list(reversed(record_route(resp)))  # §12.1.2: the 2xx sets the route set
    contact = resp.headers.get("Contact")
    if contact:
        with contextlib.suppress(SipParseError):
            leg.remote_target = parse_name_addr(contact).uri
    if leg.ended:  # we gave up (CANCEL crossed the 2xx): ACK, then BYE (§15)
        send_ack(core, leg, resp)
        send_bye(core, leg)
        return
    try:
        if resp.body:
            apply_remote(leg, audio_offer(resp.body))
    except SipParseError:
        send_ack(core, leg, resp)
        call.terminate("bad-sdp")
        return
    leg.move("answer")
    send_ack(core, leg, resp)
    call.on_answered()


def _answer_challenge(core: SipCore, leg: Leg, resp: SipResponse) -> bool:
    """Resend an outbound INVITE with the trunk's digest credentials (once); False if we can't."""
    trunk = leg.trunk
    if trunk is None or not trunk.outbound_username or leg.auth_sent or leg.invite is None:
        return False
    proxy = resp.status == 407
    value = resp.headers.get("Proxy-Authenticate" if proxy else "WWW-Authenticate")
    if not value:
        return False
    from seatline.sip import SipAuthError
    from seatline.sip.auth import DigestChallenge, authorize
    from seatline.switch.core import new_tag

    try:
        challenge = DigestChallenge.parse(value)
        creds = authorize(
            challenge,
            "INVITE",
            leg.remote_target,
            trunk.outbound_username,
            trunk.outbound_password or "",
            new_tag(),
        )
    except SipAuthError:
        return False
    leg.auth_sent = True
    header = ("Proxy-Authorization" if proxy else "Authorization", str(creds))
    invite = build_request(core, leg, "INVITE", leg.invite.body, extra=(header,))
    leg.invite = invite
    leg.invite_key = core.send_request(
        invite, leg.address, leg.transport, partial(_invite_response, core, leg)
    )
    return True


def spawn_sleep_hangup(core: SipCore, call: Call, delay: float, reason: str) -> None:
    """Hang `call` up after `delay` seconds unless it ended already."""

    async def later() -> None:
        await asyncio.sleep(delay)
        if not call.ended:
            call.terminate(reason)

    core.spawn(later())
