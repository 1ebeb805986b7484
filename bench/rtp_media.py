"""Per-packet cost of the media path (not a test: run it; prints one JSON line, fixed seed).

The switch must carry 500 concurrent G.711 calls on one core: 500 calls x 2 directions x 50
packets/s = 50,000 packets/s, i.e. a budget of 20 µs per packet for everything.
"""

from __future__ import annotations

import json
import random
import timeit

import numpy as np

from seatline.rtp import (
    JitterBuffer,
    MediaStream,
    RtpPacket,
    RtpReceiver,
    RtpSender,
    mix,
    transcode,
    ulaw_decode,
    ulaw_encode,
)


def _per_call_us(statement: object, number: int) -> float:
    best = min(timeit.repeat(statement, number=number, repeat=5))  # type: ignore[arg-type]
    return round(best / number * 1e6, 3)


def main() -> None:
    """Time each per-packet step and one full relay step (parse, account, decode, encode, send)."""
    rng = np.random.default_rng(1)
    pcm = rng.integers(-8000, 8000, 160).astype(np.int16)
    payload = ulaw_encode(pcm)
    sender = RtpSender(0, random.Random(1))
    data = sender.packetize(payload)
    receiver = RtpReceiver()
    packets = [RtpPacket.parse(sender.packetize(payload)) for _ in range(100_000)]
    it = iter(packets)
    buffer = JitterBuffer(depth=3)
    clock = [0.0]

    def jitter_step() -> None:
        clock[0] += 0.02
        buffer.push(next(it), clock[0])
        buffer.pop(clock[0])

    recv_it = iter(packets)

    def relay_step() -> None:
        packet = RtpPacket.parse(data)
        receiver.receive(next(recv_it), 1.0)
        samples = ulaw_decode(packet.payload)
        sender.packetize(ulaw_encode(samples))

    leg_in = MediaStream(0, random.Random(2))
    leg_out = MediaStream(0, random.Random(3))
    leg_out.start(0.0)
    feed = iter([bytes(p) for p in packets])
    tick = [0.0]

    def stream_step() -> None:
        # What a bridged call leg costs per 20 ms in one direction, through the full stream.
        tick[0] += 0.02
        leg_in.receive_datagram(next(feed), tick[0])
        leg_out.send_audio(leg_in.playout(tick[0]), tick[0])

    pass_in = MediaStream(0, random.Random(4))
    pass_out = MediaStream(8, random.Random(5))
    pass_out.start(0.0)
    pass_feed = iter([bytes(p) for p in packets])

    def passthrough_step() -> None:
        # The same leg bridged without decoding: forward the payload, PCMU -> PCMA by table.
        tick[0] += 0.02
        pass_in.receive_datagram(next(pass_feed), tick[0])
        pass_out.send_payload(transcode(pass_in.playout_payload(tick[0]), 0, 8), tick[0])

    frames3 = {k: pcm for k in ("caller", "agent", "supervisor")}
    figures = {
        "parse_us": _per_call_us(lambda: RtpPacket.parse(data), 20_000),
        "packetize_us": _per_call_us(lambda: sender.packetize(payload), 20_000),
        "bytes_us": _per_call_us(lambda: bytes(packets[0]), 20_000),
        "ulaw_encode_frame_us": _per_call_us(lambda: ulaw_encode(pcm), 20_000),
        "ulaw_decode_frame_us": _per_call_us(lambda: ulaw_decode(payload), 20_000),
        "receiver_account_us": _per_call_us(lambda: receiver.receive(packets[0], 1.0), 20_000),
        "jitter_push_pop_us": _per_call_us(jitter_step, 10_000),
        "mix_3_party_us": _per_call_us(lambda: mix(frames3), 10_000),
        "relay_packet_us": _per_call_us(relay_step, 10_000),
        "media_stream_packet_us": _per_call_us(stream_step, 10_000),
        "media_stream_passthrough_us": _per_call_us(passthrough_step, 10_000),
    }
    figures["relay_packets_per_s_one_core"] = round(1e6 / figures["relay_packet_us"])
    # Each G.711 call moves 2 x 50 packets/s through a MediaStream.
    figures["media_stream_calls_one_core"] = round(1e6 / figures["media_stream_packet_us"] / 100)
    figures["passthrough_calls_one_core"] = round(
        1e6 / figures["media_stream_passthrough_us"] / 100
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
