"""A minimal SDP offer/answer for one G.711 audio stream (RFC 3264, RFC 4566).

Private stand-in until `seatline.sip` ships SDP; it only knows what the switch needs:
the audio address and port, PCMU/PCMA, telephone-event and the direction attribute.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from seatline.switch.errors import SwitchError

SUPPORTED_CODECS = {0: "PCMU", 8: "PCMA"}
DIRECTIONS = ("sendrecv", "sendonly", "recvonly", "inactive")
_REVERSE = {"sendrecv": "sendrecv", "sendonly": "recvonly", "recvonly": "sendonly"}


class SdpError(SwitchError):
    """An SDP body we cannot answer (no audio, no common codec); maps to 488."""


@dataclass(frozen=True, slots=True)
class MediaDescription:
    """The audio stream one side offers or accepts."""

    address: str
    port: int
    payload_types: tuple[int, ...]
    dtmf_payload_types: tuple[int, ...]
    direction: str = "sendrecv"

    @property
    def dtmf_payload_type(self) -> int | None:
        """The first telephone-event payload type offered (the one we answer with)."""
        return self.dtmf_payload_types[0] if self.dtmf_payload_types else None

    @property
    def codec(self) -> int:
        """The first G.711 payload type in preference order."""
        for pt in self.payload_types:
            if pt in SUPPORTED_CODECS:
                return pt
        raise SdpError("no common codec")


def parse_sdp(body: bytes) -> MediaDescription:
    """Read the first audio stream of an SDP body."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise SdpError("SDP is not UTF-8") from None
    session_addr = ""
    media_addr = ""
    port = -1
    pts: tuple[int, ...] = ()
    dtmf: list[int] = []
    direction = "sendrecv"
    in_audio = False
    seen_audio = False
    for raw in text.splitlines():
        line = raw.strip()
        if len(line) < 2 or line[1] != "=":
            continue
        kind, value = line[0], line[2:]
        if kind == "m":
            in_audio = value.startswith("audio ") and not seen_audio
            if in_audio:
                seen_audio = True
                parts = value.split()
                try:
                    port = int(parts[1].split("/")[0])
                    pts = tuple(int(p) for p in parts[3:])
                except (IndexError, ValueError):
                    raise SdpError(f"bad m= line {value[:60]!r}") from None
        elif kind == "c":
            addr = value.split()[-1].split("/")[0] if value.split() else ""
            if in_audio:
                media_addr = addr
            elif not seen_audio:
                session_addr = addr
        elif kind == "a" and (in_audio or not seen_audio):
            if value in DIRECTIONS:
                direction = value
            elif in_audio and value.lower().startswith("rtpmap:") and "telephone-event" in value:
                with contextlib.suppress(ValueError):
                    dtmf.append(int(value[7:].split()[0]))
    if not seen_audio or port < 0:
        raise SdpError("no audio stream")
    address = media_addr or session_addr
    if not address:
        raise SdpError("no connection address")
    if address == "0.0.0.0":  # RFC 2543 hold
        direction = "inactive"
    return MediaDescription(address, port, pts, tuple(dtmf), direction)


def answer_direction(offered: str) -> str:
    """The direction that answers an offered one (RFC 3264 §6.1)."""
    return _REVERSE.get(offered, "inactive")


def build_sdp(
    address: str,
    port: int,
    payload_types: tuple[int, ...],
    dtmf_payload_type: int | None,
    direction: str = "sendrecv",
    session_version: int = 1,
) -> bytes:
    """An SDP body with one audio stream."""
    fmts = list(payload_types)
    if dtmf_payload_type is not None:
        fmts.append(dtmf_payload_type)
    lines = [
        "v=0",
        f"o=seatline 1 {session_version} IN IP4 {address}",
        "s=seatline",
        f"c=IN IP4 {address}",
        "t=0 0",
        f"m=audio {port} RTP/AVP {' '.join(str(pt) for pt in fmts)}",
    ]
    lines += [f"a=rtpmap:{pt} {SUPPORTED_CODECS[pt]}/8000" for pt in payload_types]
    if dtmf_payload_type is not None:
        lines.append(f"a=rtpmap:{dtmf_payload_type} telephone-event/8000")
        lines.append(f"a=fmtp:{dtmf_payload_type} 0-16")
    lines.append("a=ptime:20")
    lines.append(f"a={direction}")
    return ("\r\n".join(lines) + "\r\n").encode()
