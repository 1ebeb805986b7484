"""Finding 19 on a running switch: the RFC 3261 §8.2 checks are applied to real requests.

RFC 4475's application-layer torture messages, sent from the trusted trunk's address so no
authentication gets in the way: an unknown Require gets 420 with Unsupported (§3.3.5), an
unknown body type 415 with Accept (§3.3.6), an unacceptable Accept 406 (§3.3.15), and a
REGISTER whose To is not a SIP URI 400 (§3.3.4). A request that came over UDP is answered
over UDP at its source even when its Via claims TLS (RFC 3261 §18.2.2, RFC 3581).
"""

from __future__ import annotations

from pathlib import Path

from .conftest import SwitchUnderTest
from .raw_sip import raw_peer

TORTURE = Path(__file__).parent.parent / "sip" / "torture"


def torture(name: str, rport: bool = True) -> bytes:
    """A torture message; with `rport` its top Via asks for the answer at the source port."""
    data = (TORTURE / f"{name}.dat").read_bytes()
    if rport:
        data = data.replace(b";branch=", b";rport;branch=", 1)
    return data


async def test_torture_application_checks_get_their_status(switch: SwitchUnderTest) -> None:
    peer = await raw_peer(switch.port, port=switch.sipp_port)
    try:
        # bext01: Require of two unknown extensions; its Via says TLS to a host name and port
        # 5061 by default, but it came over UDP, so the answer must come back here.
        peer.send(torture("bext01", rport=False))
        bext = await peer.final("bext01.0ha0isndaksdj")
        assert bext.status == 420
        unsupported = {t.strip() for t in (bext.headers.get("Unsupported") or "").split(",")}
        assert unsupported == {"nothingSupportsThis", "nothingSupportsThisEither"}

        peer.send(torture("invut"))
        invut = await peer.final("invut.0ha0isndaksdjadsfij34n23d")
        assert invut.status == 415
        assert invut.headers.get("Accept") == "application/sdp"

        peer.send(torture("sdp01"))
        sdp01 = await peer.final("sdp01.ndaksdj9342dasdd")
        assert sdp01.status == 406

        peer.send(torture("unksm2"))
        unksm2 = await peer.final("unksm2.daksdj@hyphenated-host.example.com")
        assert unksm2.status == 400
    finally:
        peer.close()


async def test_a_known_extension_free_request_still_works(switch: SwitchUnderTest) -> None:
    """The checks stop only what they must: a plain OPTIONS from the same peer gets 200."""
    peer = await raw_peer(switch.port, port=switch.sipp_port)
    try:
        peer.send(
            peer.request_text(
                "OPTIONS",
                f"sip:127.0.0.1:{switch.port}",
                call_id="plain-options",
                from_="<sip:raw@127.0.0.1>;tag=1",
                to=f"<sip:127.0.0.1:{switch.port}>",
                cseq=1,
                extra=("Accept: application/sdp, text/plain",),
                via_transport="TLS",
                rport=False,
            )
        )
        answer = await peer.final("plain-options")
        assert answer.status == 200
    finally:
        peer.close()
