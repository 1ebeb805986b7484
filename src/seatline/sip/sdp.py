"""SDP (RFC 4566) parse/serialize and RFC 3264 offer/answer for G.711 audio plus RFC 4733
telephone-event, with direction attributes and hold.

Knows nothing of RTP sockets: it says which codec, payload types, address, port and direction
were agreed; `seatline.rtp` and the switch act on that.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from seatline.sip.errors import SipParseError
from seatline.sip.syntax import is_digits

DIRECTIONS = ("sendrecv", "sendonly", "recvonly", "inactive")
_OPPOSITE = {
    "sendrecv": "sendrecv",
    "sendonly": "recvonly",
    "recvonly": "sendonly",
    "inactive": "inactive",
}
_SESSION_ORDER = "vosiuepcbtrzka"


@dataclass(frozen=True, slots=True)
class Codec:
    """An RTP payload format as SDP names it (rtpmap)."""

    payload_type: int
    name: str
    clock_rate: int = 8000
    channels: int = 1
    fmtp: str | None = None

    def same_format(self, other: Codec) -> bool:
        """Same encoding regardless of payload type number (dynamic PTs differ per side)."""
        return (self.name.lower(), self.clock_rate, self.channels) == (
            other.name.lower(),
            other.clock_rate,
            other.channels,
        )


PCMU = Codec(0, "PCMU")
PCMA = Codec(8, "PCMA")
TELEPHONE_EVENT = Codec(101, "telephone-event", fmtp="0-16")
STATIC_CODECS = {0: PCMU, 8: PCMA, 18: Codec(18, "G729"), 9: Codec(9, "G722")}


@dataclass(frozen=True, slots=True)
class Origin:
    """The o= line."""

    username: str = "-"
    session_id: str = "0"
    session_version: int = 0
    address: str = "0.0.0.0"
    addrtype: str = "IP4"
    nettype: str = "IN"

    def __str__(self) -> str:
        return (
            f"{self.username} {self.session_id} {self.session_version} "
            f"{self.nettype} {self.addrtype} {self.address}"
        )


@dataclass(slots=True)
class Media:
    """One m= section with its c= and attributes."""

    media: str
    port: int
    proto: str
    formats: list[str]
    connection: str | None = None  # the c= value, e.g. "IN IP4 192.0.2.1"
    attributes: list[tuple[str, str | None]] = field(default_factory=list)
    other: list[tuple[str, str]] = field(default_factory=list)  # i=, b=, k= lines, in order

    def attribute(self, name: str) -> str | None:
        """First value of `a=name[:value]` ('' for a flag), or None."""
        for key, value in self.attributes:
            if key == name:
                return "" if value is None else value
        return None

    @property
    def direction(self) -> str | None:
        """The media-level direction attribute, if any."""
        for key, _ in self.attributes:
            if key in DIRECTIONS:
                return key
        return None

    def set_direction(self, direction: str) -> None:
        """Replace (or add) the direction attribute."""
        if direction not in DIRECTIONS:
            raise ValueError(f"unknown direction {direction!r}")
        self.attributes = [(k, v) for k, v in self.attributes if k not in DIRECTIONS]
        self.attributes.append((direction, None))

    def codecs(self) -> list[Codec]:
        """The formats as codecs, using rtpmap/fmtp or the static table (RFC 3551)."""
        maps: dict[str, Codec] = {}
        fmtps: dict[str, str] = {}
        for key, value in self.attributes:
            if key == "rtpmap" and value:
                pt, _, enc = value.partition(" ")
                parts = enc.strip().split("/")
                rate = parts[1] if len(parts) > 1 else "8000"
                channels = parts[2] if len(parts) > 2 else "1"
                # A map we cannot read is skipped: its format then simply is not offered.
                if _payload_type(pt) is not None and is_digits(rate) and is_digits(channels):
                    maps[pt] = Codec(int(pt), parts[0], int(rate), int(channels))
            elif key == "fmtp" and value:
                pt, _, params = value.partition(" ")
                fmtps[pt] = params.strip()
        out: list[Codec] = []
        for fmt in self.formats:
            codec = maps.get(fmt)
            number = _payload_type(fmt)
            if codec is None and number is not None:
                codec = STATIC_CODECS.get(number)
            if codec is not None:
                out.append(replace(codec, fmtp=fmtps.get(fmt, codec.fmtp if fmt in maps else None)))
        return out


@dataclass(slots=True)
class SessionDescription:
    """A whole SDP body."""

    origin: Origin
    name: str = "-"
    connection: str | None = None
    media: list[Media] = field(default_factory=list)
    attributes: list[tuple[str, str | None]] = field(default_factory=list)
    timing: str = "0 0"
    other: list[tuple[str, str]] = field(default_factory=list)  # i u e p b r z k, in order
    version: int = 0

    @classmethod
    def parse(cls, data: bytes | str) -> SessionDescription:
        """Parse an SDP body; tolerant of bare LF and of unknown line types (§5)."""
        text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
        sd: SessionDescription | None = None
        current: Media | None = None
        for raw in text.replace("\r\n", "\n").split("\n"):
            line = raw.rstrip("\r")
            if not line:
                continue
            if len(line) < 2 or line[1] != "=":
                raise SipParseError(f"bad SDP line {line[:40]!r}", 488)
            kind, value = line[0], line[2:]
            if sd is None:
                if kind != "v":
                    raise SipParseError("SDP must start with v=", 488)
                sd = cls(Origin(), version=_int(value))
                continue
            if kind == "m":
                current = _parse_media(value)
                sd.media.append(current)
            elif current is not None:
                _media_line(current, kind, value)
            elif kind == "o":
                sd.origin = _parse_origin(value)
            elif kind == "s":
                sd.name = value
            elif kind == "c":
                sd.connection = value
            elif kind == "t":
                sd.timing = value
            elif kind == "a":
                sd.attributes.append(_attr(value))
            else:
                sd.other.append((kind, value))
        if sd is None:
            raise SipParseError("empty SDP", 488)
        return sd

    def __str__(self) -> str:
        lines = [f"v={self.version}", f"o={self.origin}", f"s={self.name}"]
        early = [(k, v) for k, v in self.other if _SESSION_ORDER.index(k) < 7]
        late = [(k, v) for k, v in self.other if _SESSION_ORDER.index(k) >= 7]
        lines += [f"{k}={v}" for k, v in early if k != "b"]
        if self.connection is not None:
            lines.append(f"c={self.connection}")
        lines += [f"b={v}" for k, v in early if k == "b"]
        lines.append(f"t={self.timing}")
        lines += [f"{k}={v}" for k, v in late]
        lines += [_render_attr(a) for a in self.attributes]
        for m in self.media:
            lines.append(f"m={m.media} {m.port} {m.proto} {' '.join(m.formats)}")
            lines += [f"{k}={v}" for k, v in m.other if k == "i"]
            if m.connection is not None:
                lines.append(f"c={m.connection}")
            lines += [f"{k}={v}" for k, v in m.other if k != "i"]
            lines += [_render_attr(a) for a in m.attributes]
        return "\r\n".join(lines) + "\r\n"

    def __bytes__(self) -> bytes:
        return str(self).encode("utf-8")

    def audio(self) -> Media | None:
        """The first audio m= section, if any."""
        return next((m for m in self.media if m.media == "audio"), None)

    def direction_of(self, media: Media) -> str:
        """Effective direction: media level, else session level, else sendrecv (RFC 4566 §6)."""
        if media.direction is not None:
            return media.direction
        for key, _ in self.attributes:
            if key in DIRECTIONS:
                return key
        return "sendrecv"

    def address_of(self, media: Media) -> str | None:
        """Effective connection address of a media section (media c= over session c=)."""
        conn = media.connection or self.connection
        if conn is None:
            return None
        parts = conn.split()
        return parts[2].split("/", 1)[0] if len(parts) >= 3 else None


def _int(value: str) -> int:
    text = value.strip()
    if not is_digits(text):  # int() would take '٣', '+1' and '1_0'
        raise SipParseError(f"bad SDP number {value[:20]!r}", 488)
    return int(text)


def _payload_type(text: str) -> int | None:
    """An RTP payload type (0-127, RFC 3551) written in ASCII digits, or None."""
    if not is_digits(text) or len(text) > 3:
        return None
    number = int(text)
    return number if number <= 127 else None


def _parse_origin(value: str) -> Origin:
    parts = value.split()
    if len(parts) != 6:
        raise SipParseError(f"bad SDP origin {value[:60]!r}", 488)
    return Origin(parts[0], parts[1], _int(parts[2]), parts[5], parts[4], parts[3])


def _parse_media(value: str) -> Media:
    parts = value.split()
    if len(parts) < 3:
        raise SipParseError(f"bad SDP media line {value[:60]!r}", 488)
    port_text = parts[1].split("/", 1)[0]
    port = _int(port_text)
    if not 0 <= port <= 65535:
        raise SipParseError(f"bad SDP port {port}", 488)
    return Media(parts[0], port, parts[2], parts[3:])


def _media_line(media: Media, kind: str, value: str) -> None:
    if kind == "c":
        media.connection = value
    elif kind == "a":
        media.attributes.append(_attr(value))
    else:
        media.other.append((kind, value))


def _attr(value: str) -> tuple[str, str | None]:
    name, colon, rest = value.partition(":")
    return (name, rest if colon else None)


def _render_attr(attr: tuple[str, str | None]) -> str:
    name, value = attr
    return f"a={name}" if value is None else f"a={name}:{value}"


def _connection(address: str) -> str:
    return f"IN {'IP6' if ':' in address else 'IP4'} {address}"


def _codec_attrs(codecs: list[Codec], ptime: int | None) -> list[tuple[str, str | None]]:
    attrs: list[tuple[str, str | None]] = []
    for c in codecs:
        rate = f"{c.clock_rate}/{c.channels}" if c.channels != 1 else str(c.clock_rate)
        attrs.append(("rtpmap", f"{c.payload_type} {c.name}/{rate}"))
        if c.fmtp:
            attrs.append(("fmtp", f"{c.payload_type} {c.fmtp}"))
    if ptime:
        attrs.append(("ptime", str(ptime)))
    return attrs


def make_offer(
    address: str,
    port: int,
    *,
    codecs: tuple[Codec, ...] = (PCMU, PCMA, TELEPHONE_EVENT),
    direction: str = "sendrecv",
    session_id: str = "0",
    session_version: int = 0,
    username: str = "seatline",
    ptime: int | None = 20,
    proto: str = "RTP/AVP",
    crypto: tuple[str, ...] = (),
) -> SessionDescription:
    """An audio offer (RFC 3264 §5) listing `codecs` in preference order.

    `proto` "RTP/SAVP" with `crypto` values (RFC 4568 `a=crypto`) makes it an SRTP offer.
    """
    media = Media("audio", port, proto, [str(c.payload_type) for c in codecs])
    media.attributes = _codec_attrs(list(codecs), ptime)
    media.attributes += [("crypto", value) for value in crypto]
    media.set_direction(direction)
    origin = Origin(
        username, session_id, session_version, address, "IP6" if ":" in address else "IP4"
    )
    return SessionDescription(origin, "-", _connection(address), [media])


def answer_direction(offered: str, wanted: str = "sendrecv") -> str:
    """The direction to answer with (RFC 3264 §6.1): never more than the offer allows."""
    mirror = _OPPOSITE[offered]
    if mirror == "sendrecv":
        return wanted
    if wanted == "sendrecv" or wanted == mirror:
        return mirror
    return "inactive"


def make_answer(
    offer: SessionDescription,
    address: str,
    port: int,
    *,
    supported: tuple[Codec, ...] = (PCMU, PCMA, TELEPHONE_EVENT),
    direction: str = "sendrecv",
    session_id: str = "0",
    session_version: int = 0,
    username: str = "seatline",
    ptime: int | None = 20,
) -> SessionDescription:
    """Answer `offer` (RFC 3264 §6): one audio codec plus telephone-event, the rest rejected.

    Payload types are the offerer's (a dynamic telephone-event PT is echoed); the chosen
    voice codec is the first in the offer's order that we support. If nothing matches, the
    stream is rejected with port 0 and the caller should answer 488.
    """
    origin = Origin(
        username, session_id, session_version, address, "IP6" if ":" in address else "IP4"
    )
    answer = SessionDescription(origin, "-", _connection(address))
    audio_done = False
    for m in offer.media:
        chosen = [] if audio_done else select_codecs(m, supported)
        if m.media != "audio" or m.port == 0 or not m.proto.startswith("RTP/") or not chosen:
            answer.media.append(Media(m.media, 0, m.proto, list(m.formats[:1]) or ["0"]))
            continue
        audio_done = True
        out = Media("audio", port, m.proto, [str(c.payload_type) for c in chosen])
        ptime_offer = m.attribute("ptime")
        offered_ptime = int(ptime_offer) if ptime_offer and is_digits(ptime_offer) else None
        out.attributes = _codec_attrs(chosen, offered_ptime or ptime)
        out.set_direction(answer_direction(offer.direction_of(m), direction))
        answer.media.append(out)
    return answer


def select_codecs(media: Media, supported: tuple[Codec, ...]) -> list[Codec]:
    """The offer's first voice codec we support, plus telephone-event if both have it."""
    offered = media.codecs()
    voice = next(
        (
            c
            for c in offered
            if c.name.lower() != "telephone-event" and any(c.same_format(s) for s in supported)
        ),
        None,
    )
    if voice is None:
        return []
    chosen = [voice]
    dtmf_ok = any(s.name.lower() == "telephone-event" for s in supported)
    events = next((c for c in offered if c.name.lower() == "telephone-event"), None)
    if dtmf_ok and events is not None and events.clock_rate == voice.clock_rate:
        chosen.append(events)
    return chosen


@dataclass(frozen=True, slots=True)
class Negotiated:
    """What both sides agreed for audio, from our point of view."""

    codec: Codec
    telephone_event: int | None
    remote_address: str | None
    remote_port: int
    direction: str  # ours: may we send, receive, both or neither


def negotiated(local: SessionDescription, remote: SessionDescription) -> Negotiated | None:
    """The agreed audio stream from our SDP and the peer's (either may be the offer)."""
    ours, theirs = local.audio(), remote.audio()
    if ours is None or theirs is None or ours.port == 0 or theirs.port == 0:
        return None
    their_codecs = theirs.codecs()
    voice = next(
        (
            c
            for c in their_codecs
            if c.name.lower() != "telephone-event" and any(c.same_format(o) for o in ours.codecs())
        ),
        None,
    )
    if voice is None:
        return None
    events = next(
        (c.payload_type for c in their_codecs if c.name.lower() == "telephone-event"), None
    )
    address = remote.address_of(theirs)
    mine = local.direction_of(ours)
    # The peer's direction limits ours: if they won't receive, we must not send, etc.
    peer = remote.direction_of(theirs)
    send = mine in ("sendrecv", "sendonly") and peer in ("sendrecv", "recvonly")
    recv = mine in ("sendrecv", "recvonly") and peer in ("sendrecv", "sendonly")
    if address in ("0.0.0.0", "::"):  # RFC 2543 hold
        send = False
    direction = {
        (True, True): "sendrecv",
        (True, False): "sendonly",
        (False, True): "recvonly",
    }.get((send, recv), "inactive")
    return Negotiated(voice, events, address, theirs.port, direction)


def hold_offer(previous: SessionDescription) -> SessionDescription:
    """A re-offer that puts the call on hold (RFC 3264 §8.4): sendonly, or inactive."""
    return _redirect(previous, {"sendrecv": "sendonly", "recvonly": "inactive"})


def resume_offer(previous: SessionDescription) -> SessionDescription:
    """A re-offer that takes the call off hold."""
    return _redirect(previous, {"sendonly": "sendrecv", "inactive": "recvonly"})


def _redirect(previous: SessionDescription, change: dict[str, str]) -> SessionDescription:
    new = SessionDescription.parse(str(previous))
    new.origin = replace(new.origin, session_version=new.origin.session_version + 1)  # §8
    for m in new.media:
        if m.port == 0:
            continue
        current = new.direction_of(m)
        m.set_direction(change.get(current, current))
    return new


def is_on_hold(sd: SessionDescription) -> bool:
    """Whether an offer puts us on hold: sendonly/inactive audio, or the old c=0.0.0.0."""
    audio = sd.audio()
    if audio is None:
        return False
    return sd.direction_of(audio) in ("sendonly", "inactive") or sd.address_of(audio) == "0.0.0.0"


_G711_NAMES = {0: "PCMU", 8: "PCMA"}


@dataclass(frozen=True, slots=True)
class AudioOffer:
    """The single audio stream a G.711 endpoint reads from a peer's SDP, in one object."""

    address: str
    port: int
    codec: int  # the first G.711 payload type offered: 0 (PCMU) or 8 (PCMA)
    dtmf_payload_types: tuple[int, ...]  # every telephone-event type offered, in order
    direction: str  # the peer's, with the RFC 2543 hold address read as "inactive"
    proto: str = "RTP/AVP"  # the m= line's transport: RTP/SAVP asks for SRTP
    crypto: tuple[str, ...] = ()  # the stream's `a=crypto` values, unparsed (see `sdes`)

    @property
    def secure(self) -> bool:
        """Whether the stream asks for SRTP (an RTP/SAVP or RTP/SAVPF profile)."""
        return self.proto.upper() in ("RTP/SAVP", "RTP/SAVPF")

    @property
    def dtmf_payload_type(self) -> int | None:
        """The first telephone-event payload type (the one to answer and send with)."""
        return self.dtmf_payload_types[0] if self.dtmf_payload_types else None


def audio_offer(body: bytes | str) -> AudioOffer:
    """Read the first audio stream of an offer or answer; `SipParseError` (488) if unusable.

    All telephone-event types are kept because some senders use another dynamic type than
    the negotiated one (SIPp's `play_dtmf` always sends 96).
    """
    sd = SessionDescription.parse(body)
    media = sd.audio()
    if media is None or media.port == 0:
        raise SipParseError("no audio stream in SDP", 488)
    address = sd.address_of(media)
    if not address:
        raise SipParseError("no connection address for the audio stream", 488)
    codecs = media.codecs()
    codec = next(
        (
            c.payload_type
            for c in codecs
            if _G711_NAMES.get(c.payload_type) == c.name.upper() and c.clock_rate == 8000
        ),
        None,
    )
    if codec is None:
        raise SipParseError("no common codec (PCMU or PCMA) in SDP", 488)
    dtmf = tuple(c.payload_type for c in codecs if c.name.lower() == "telephone-event")
    direction = sd.direction_of(media)
    if address in ("0.0.0.0", "::"):  # RFC 2543 hold (RFC 3264 §8.4)
        direction = "inactive"
    crypto = tuple(value for key, value in media.attributes if key == "crypto" and value)
    return AudioOffer(address, media.port, codec, dtmf, direction, media.proto, crypto)


def audio_body(
    address: str,
    port: int,
    codecs: tuple[int, ...],
    dtmf_payload_type: int | None,
    direction: str = "sendrecv",
    session_version: int = 0,
    proto: str = "RTP/AVP",
    crypto: Iterable[object] = (),
) -> bytes:
    """An SDP body with one G.711 audio stream (`codecs` are 0 and/or 8) and telephone-event.

    With `proto` "RTP/SAVP", `crypto` are the `a=crypto` values (`sdes.CryptoAttribute`s).
    """
    chosen = [STATIC_CODECS[pt] for pt in codecs if pt in _G711_NAMES]
    if dtmf_payload_type is not None:
        chosen.append(replace(TELEPHONE_EVENT, payload_type=dtmf_payload_type))
    return bytes(
        make_offer(
            address,
            port,
            codecs=tuple(chosen),
            direction=direction,
            session_version=session_version,
            proto=proto,
            crypto=tuple(str(value) for value in crypto),
        )
    )
