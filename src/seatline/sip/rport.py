"""Where responses go: Via `received`/`rport` stamping (RFC 3261 §18.2.1, RFC 3581).

On receipt a server notes in the top Via the address the request really came from; responses
then go back to that address, which is how answers cross NAT.
"""

from __future__ import annotations

from seatline.sip.events import Address
from seatline.sip.headers import Via, parse_vias
from seatline.sip.message import SipRequest

DEFAULT_PORTS = {"UDP": 5060, "TCP": 5060, "SCTP": 5060, "TLS": 5061, "WS": 80, "WSS": 443}


def stamp_via(request: SipRequest, source: Address) -> Via:
    """Add `received` (if sent-by differs from the source IP) and fill an empty `rport`."""
    first = request.headers.get("Via")
    if first is None:
        raise ValueError("request without Via")
    vias = parse_vias(first)
    top = vias[0]
    host, port = source
    bare = top.host[1:-1] if top.host.startswith("[") else top.host
    if bare != host or top.has_rport:
        top = top.with_param("received", host)
    if top.has_rport:
        top = top.with_param("rport", str(port))
    if top is not vias[0]:
        rest = "".join(f", {v}" for v in vias[1:])
        request.headers.replace_first("Via", f"{top}{rest}")
    return top


def response_address(via: Via) -> Address:
    """Where an unreliable-transport response goes, from the request's stamped top Via."""
    port = via.rport or via.port or DEFAULT_PORTS.get(via.transport, 5060)
    host = via.received or via.host
    if host.startswith("["):
        host = host[1:-1]
    return host, port
