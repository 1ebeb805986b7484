"""Pieces of SIPp scenarios shared by the test callers and carriers: a response a UAS sends."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["CONTACT", "reply"]

#: The Contact of a SIPp far end that answers calls.
CONTACT = "Contact: <sip:carrier@[local_ip]:[local_port]>"


def reply(
    status: str,
    *,
    attrs: str = "",
    to_tag: bool = False,
    cseq: str = "[last_CSeq:]",
    headers: Sequence[str] = (),
    body: str = "",
) -> str:
    """A `<send>` of the response `status` to the last request, its headers copied from it.

    `attrs` go into the send element (retrans, next); `to_tag` adds SIPp's own To tag (a
    response that makes or refuses a dialog); `headers` come before the Content-Length; a
    `body` (SDP lines, without indentation) follows a blank line.
    """
    lines = [
        f"SIP/2.0 {status}",
        "[last_Via:]",
        "[last_From:]",
        "[last_To:];tag=[pid]SIPpTag01[call_number]" if to_tag else "[last_To:]",
        "[last_Call-ID:]",
        cseq,
        *headers,
        "Content-Length: [len]" if body else "Content-Length: 0",
    ]
    if body:
        lines += ["", *body.splitlines()]
    text = "".join(f"      {line}\n" if line else "\n" for line in lines)
    return f"  <send{attrs}>\n    <![CDATA[\n{text}    ]]>\n  </send>\n"
