"""Stream framing for SIP over TCP (RFC 3261 §18.3): cut whole messages out of a byte buffer.

On a stream, Content-Length is mandatory and is the only thing that says where a message ends.
A framing error cannot be recovered from (the next message's start is unknown): the caller
answers if it can and closes the connection. CRLF keep-alives (RFC 5626 §3.5.1) are counted
so the transport can answer a double-CRLF ping with a single-CRLF pong.
"""

from __future__ import annotations

from seatline.sip.errors import SipParseError
from seatline.sip.message import SipMessage, content_length, find_head_end, parse_head

DEFAULT_MAX_HEAD = 64 * 1024
DEFAULT_MAX_BODY = 1024 * 1024


class StreamFramer:
    """Accumulates stream bytes and yields complete SIP messages."""

    def __init__(
        self,
        max_head: int = DEFAULT_MAX_HEAD,
        max_body: int = DEFAULT_MAX_BODY,
        max_message: int | None = None,
    ) -> None:
        self._buffer = bytearray()
        # `max_message` bounds head and body together: what one connection may make us hold.
        self._max_head = max_head if max_message is None else min(max_head, max_message)
        self._max_body = max_body
        self._max_message = max_message
        self._pending: tuple[SipMessage, int, int] | None = None  # message, body start, length
        self._pings = 0
        self._crlfs = 0
        self._failed: SipParseError | None = None
        # Bytes already searched for the blank line: a head trickled in byte by byte is
        # scanned once in all, not once per byte.
        self._searched = 0

    def feed(self, data: bytes) -> None:
        """Append bytes received from the stream."""
        self._buffer += data

    @property
    def buffered(self) -> int:
        """How many bytes are held but not yet returned as a message."""
        return len(self._buffer)

    def take_pings(self) -> int:
        """How many double-CRLF keep-alive pings arrived since the last call."""
        pings, self._pings = self._pings, 0
        return pings

    def next_message(self) -> SipMessage | None:
        """The next complete message, or None if more bytes are needed.

        Raises `SipParseError` on a framing error; the framer then stays failed.
        """
        if self._failed is not None:
            raise self._failed
        try:
            return self._next()
        except SipParseError as exc:
            self._failed = exc
            raise

    def _next(self) -> SipMessage | None:
        buf = self._buffer
        if self._pending is None:
            # Keep-alives arrive between messages and may be split across reads.
            while buf.startswith(b"\r\n"):
                del buf[:2]
                self._searched = 0
                self._crlfs += 1
                if self._crlfs == 2:
                    self._pings += 1
                    self._crlfs = 0
            if not buf or buf == b"\r":
                return None
            self._crlfs = 0
            head_end, body_start = find_head_end(buf, self._searched)
            if head_end == -1:
                if len(buf) > self._max_head:
                    raise SipParseError("header block too large", 513)
                self._searched = max(0, len(buf) - 3)  # a blank line may straddle two reads
                return None
            self._searched = 0
            if head_end > self._max_head:
                raise SipParseError("header block too large", 513)
            msg = parse_head(bytes(buf[:head_end]))
            length = content_length(msg)
            if length is None:
                raise SipParseError("missing Content-Length on a stream transport")
            if length > self._max_body:
                raise SipParseError("body too large", 413)
            if self._max_message is not None and body_start + length > self._max_message:
                raise SipParseError("message too large", 513)
            self._pending = (msg, body_start, length)
        msg, body_start, length = self._pending
        if len(buf) < body_start + length:
            return None
        msg.body = bytes(buf[body_start : body_start + length])
        del buf[: body_start + length]
        self._pending = None
        return msg


def parse_stream(data: bytes) -> tuple[list[SipMessage], bytes]:
    """Split stream bytes into complete messages and the unconsumed remainder."""
    framer = StreamFramer()
    framer.feed(data)
    out: list[SipMessage] = []
    while (msg := framer.next_message()) is not None:
        out.append(msg)
    return out, bytes(framer._buffer)
