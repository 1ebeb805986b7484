"""The public surface other packages build on (the switch imports these names)."""

from __future__ import annotations

import seatline.rtp

# Names the switch relies on; removing or renaming one breaks it.
STABLE = {
    "RtpPacket",
    "RtpParseError",
    "build_rtp",
    "is_rtcp",
    "encode",
    "decode",
    "silence",
    "ulaw_encode",
    "ulaw_decode",
    "alaw_encode",
    "alaw_decode",
    "PCMU",
    "PCMA",
    "DtmfReceiver",
    "DtmfDigit",
    "encode_digit",
    "JitterBuffer",
    "RtpSender",
    "RtpReceiver",
    "MediaStream",
    "parse_rtcp",
    "build_rtcp",
}


def test_every_exported_name_exists_and_the_stable_ones_are_exported() -> None:
    exported = set(seatline.rtp.__all__)
    assert not STABLE - exported
    for name in exported:
        assert getattr(seatline.rtp, name) is not None


def test_errors_form_one_hierarchy() -> None:
    assert issubclass(seatline.rtp.RtpParseError, seatline.rtp.RtpError)
    assert issubclass(seatline.rtp.WavError, seatline.rtp.RtpError)
