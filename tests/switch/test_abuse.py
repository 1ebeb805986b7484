"""Done-when 5: torture messages get a 4xx and the switch keeps working; REGISTER brute force."""

from __future__ import annotations

import asyncio
import secrets
import socket
from pathlib import Path

from seatline.sip import SipResponse, parse_message
from seatline.sip.auth import DigestChallenge, authorize

from .conftest import DOMAIN, SwitchUnderTest, needs_sipp
from .harness import run_sipp

TORTURE = Path(__file__).parent.parent / "sip" / "torture"
INVALID = [
    "badinv01",
    "clerr",
    "ncl",
    "scalar02",
    "scalarlg",
    "quotbal",
    "ltgtruri",
    "lwsruri",
    "lwsstart",
    "trws",
    "escruri",
    "baddate",
    "regbadct",
    "badaspec",
    "baddn",
    "badvers",
    "mismatch01",
    "mismatch02",
    "bigcode",
]


class UdpClient(asyncio.DatagramProtocol):
    """A UDP socket that collects every datagram it receives."""

    def __init__(self) -> None:
        self.received: asyncio.Queue[bytes] = asyncio.Queue()
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.received.put_nowait(data)

    async def response(self, timeout: float = 2.0) -> SipResponse:
        msg = parse_message(await asyncio.wait_for(self.received.get(), timeout))
        assert isinstance(msg, SipResponse)
        return msg


async def udp_client() -> UdpClient:
    loop = asyncio.get_running_loop()
    _, proto = await loop.create_datagram_endpoint(UdpClient, local_addr=("127.0.0.1", 0))
    return proto


@needs_sipp
async def test_torture_messages_get_400_and_a_call_still_works(switch: SwitchUnderTest) -> None:
    client = await udp_client()
    assert client.transport is not None
    statuses: dict[str, int] = {}
    for name in INVALID:
        client.transport.sendto((TORTURE / f"{name}.dat").read_bytes(), ("127.0.0.1", switch.port))
        try:
            statuses[name] = (await client.response(1.0)).status
        except TimeoutError:
            statuses[name] = 0
    for path in sorted(TORTURE.glob("*.dat")):  # the valid ones too: nothing may break
        client.transport.sendto(path.read_bytes(), ("127.0.0.1", switch.port))
    client.transport.close()
    answered = {n: s for n, s in statuses.items() if s}
    assert all(400 <= s < 600 for s in answered.values()), statuses
    assert len(answered) >= len(INVALID) - 2, statuses  # a few carry no usable Via
    assert answered["badinv01"] == 400
    result = await run_sipp("uac_prompt.xml", switch.port, switch.sipp_port, "-m", "1", "-d", "200")
    assert result.returncode == 0, result.errors[:2000]
    assert result.successful == 1


def register(port: int, user: str, call_id: str, cseq: int, auth: str | None = None) -> bytes:
    lines = [
        f"REGISTER sip:{DOMAIN} SIP/2.0",
        f"Via: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK{secrets.token_hex(6)};rport",
        "Max-Forwards: 70",
        f"From: <sip:{user}@{DOMAIN}>;tag=abc",
        f"To: <sip:{user}@{DOMAIN}>",
        f"Call-ID: {call_id}",
        f"CSeq: {cseq} REGISTER",
        f"Contact: <sip:{user}@127.0.0.1:{port}>",
        "Expires: 600",
    ]
    if auth:
        lines.append(f"Authorization: {auth}")
    return ("\r\n".join([*lines, "Content-Length: 0", "", ""])).encode()


def challenge_for(resp: SipResponse, algorithm: str) -> DigestChallenge:
    for value in resp.headers.get_all("WWW-Authenticate"):
        parsed = DigestChallenge.parse(value)
        if parsed.algorithm == algorithm:
            return parsed
    raise AssertionError(f"no {algorithm} challenge in {resp}")


async def attempt(client: UdpClient, port: int, user: str, password: str, algorithm: str) -> int:
    assert client.transport is not None
    call_id = secrets.token_hex(8)
    client.transport.sendto(register(client_port(client), user, call_id, 1), ("127.0.0.1", port))
    challenge = await client.response()
    assert challenge.status == 401
    creds = authorize(
        challenge_for(challenge, algorithm), "REGISTER", f"sip:{DOMAIN}", user, password, "c0ffee"
    )
    auth = str(creds)
    client.transport.sendto(
        register(client_port(client), user, call_id, 2, auth), ("127.0.0.1", port)
    )
    return (await client.response()).status


def client_port(client: UdpClient) -> int:
    assert client.transport is not None
    sock: socket.socket = client.transport.get_extra_info("socket")
    return int(sock.getsockname()[1])


async def test_register_digest_md5_sha256_no_enumeration_and_ban(switch: SwitchUnderTest) -> None:
    switch.credentials.add(DOMAIN, "alice", "s3cret")
    switch.service.core.guard.algorithms = ("SHA-256", "MD5")  # RFC 8760 order
    client = await udp_client()
    assert await attempt(client, switch.port, "alice", "s3cret", "MD5") == 200
    assert await attempt(client, switch.port, "alice", "s3cret", "SHA-256") == 200
    assert switch.service.core.registrar.bindings(f"alice@{DOMAIN}", switch.service.core.clock())
    # Unknown user and wrong password look the same.
    assert await attempt(client, switch.port, "mallory", "x", "MD5") == 401
    assert await attempt(client, switch.port, "alice", "wrong", "MD5") == 401
    assert await attempt(client, switch.port, "alice", "wrong", "SHA-256") == 401
    assert await attempt(client, switch.port, "alice", "wrong", "MD5") == 401
    # The fifth failure inside the window bans the source: even the right password is refused.
    assert await attempt(client, switch.port, "alice", "wrong", "MD5") == 403
    assert client.transport is not None
    client.transport.sendto(
        register(client_port(client), "alice", "x1", 1), ("127.0.0.1", switch.port)
    )
    assert (await client.response()).status == 403
    client.transport.close()
