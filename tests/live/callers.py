"""SIPp callers that press keys: a scenario written per test with its pauses and digits."""

from __future__ import annotations

from pathlib import Path

from .sipp_xml import reply

_HEAD = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="UAC keys">
  <send retrans="500">
    <![CDATA[
      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: sipp <sip:[caller]@[local_ip]:[local_port]>;tag=[pid]SIPpTag09[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: sip:sipp@[local_ip]:[local_port]
      Max-Forwards: 70
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=user1 53655765 2353687637 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 8 101 96
      a=rtpmap:8 PCMA/8000
      a=rtpmap:101 telephone-event/8000
      a=rtpmap:96 telephone-event/8000
    ]]>
  </send>
  <recv response="100" optional="true"></recv>
  <recv response="180" optional="true"></recv>
  <recv response="183" optional="true"></recv>
  <recv response="200" rtd="true"></recv>
  <send>
    <![CDATA[
      ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: sipp <sip:[caller]@[local_ip]:[local_port]>;tag=[pid]SIPpTag09[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Contact: sip:sipp@[local_ip]:[local_port]
      Max-Forwards: 70
      Content-Length: 0
    ]]>
  </send>
"""

_HANG_UP = """  <send retrans="500">
    <![CDATA[
      BYE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: sipp <sip:[caller]@[local_ip]:[local_port]>;tag=[pid]SIPpTag09[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 2 BYE
      Contact: sip:sipp@[local_ip]:[local_port]
      Max-Forwards: 70
      Content-Length: 0
    ]]>
  </send>
  <recv response="200" crlf="true"></recv>
</scenario>
"""

_WAIT_BYE = '  <recv request="BYE"></recv>\n' + reply("200 OK") + "</scenario>\n"


DIGIT_MS = 500  # how long SIPp takes to send one RFC 4733 key (tone, end packets, gap)


def keys_scenario(
    path: Path,
    steps: list[tuple[int, str]],
    then_ms: int | None = None,
    caller: str = "sipp",
    speak: bool = False,
) -> Path:
    """Write a caller that, after each pause (ms), presses its keys (RFC 4733).

    SIPp's play_dtmf sends telephone-event with payload type 96, so the offer lists it.

    Then it hangs up after `then_ms`, or, with `then_ms=None`, waits for the switch's BYE.
    With `speak`, it then sends g711a.pcap speech so a recording has the caller's voice.
    """
    body = [_HEAD.replace("[caller]", caller)]
    pcap = "/usr/share/sip-tester/g711a.pcap"
    if speak:  # audio first, as a phone does
        body.append(f'  <nop><action><exec play_pcap_audio="{pcap}"/></action></nop>\n')
    for pause, digits in steps:
        body.append(f'  <pause milliseconds="{pause}"/>\n')
        if digits:
            body.append(f'  <nop><action><exec play_dtmf="{digits}"/></action></nop>\n')
            # play_dtmf returns at once and anything sent next (a pcap, a BYE) cuts it short:
            # give each key the time it takes to go out.
            body.append(f'  <pause milliseconds="{DIGIT_MS * len(digits) + 300}"/>\n')
    if speak:  # and again after the keys, as a caller talks to the agent
        body.append(f'  <nop><action><exec play_pcap_audio="{pcap}"/></action></nop>\n')
    if then_ms is None:
        body.append(_WAIT_BYE.replace("[caller]", caller))
    else:
        body.append(f'  <pause milliseconds="{then_ms}"/>\n')
        body.append(_HANG_UP.replace("[caller]", caller))
    path.write_text("".join(body))
    return path


_INFO = """  <send retrans="500">
    <![CDATA[
      INFO sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: sipp <sip:[caller]@[local_ip]:[local_port]>;tag=[pid]SIPpTag09[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: {cseq} INFO
      Contact: sip:sipp@[local_ip]:[local_port]
      Max-Forwards: 70
      Content-Type: application/dtmf-relay
      Content-Length: [len]

      Signal={digit}
      Duration=100
    ]]>
  </send>
  <recv response="200"></recv>
"""


def info_keys_scenario(
    path: Path, digits: str, pause_ms: int = 1500, then_ms: int | None = None, caller: str = "sipp"
) -> Path:
    """Write a caller that, `pause_ms` after the answer, sends `digits` as SIP INFO
    (application/dtmf-relay, one request each, back to back), then hangs up after `then_ms`,
    or (None) waits for the switch's BYE.

    INFO is as fast as SIP goes: a long string of keys arrives in well under a second, where
    RFC 4733 from SIPp takes half a second a key.
    """
    body = [_HEAD.replace("[caller]", caller), f'  <pause milliseconds="{pause_ms}"/>\n']
    for cseq, digit in enumerate(digits, start=2):
        body.append(_INFO.replace("[caller]", caller).format(cseq=cseq, digit=digit))
    if then_ms is None:
        body.append(_WAIT_BYE)
    else:
        body.append(f'  <pause milliseconds="{then_ms}"/>\n')
        last = f"CSeq: {len(digits) + 2} BYE"
        body.append(_HANG_UP.replace("[caller]", caller).replace("CSeq: 2 BYE", last))
    path.write_text("".join(body))
    return path
