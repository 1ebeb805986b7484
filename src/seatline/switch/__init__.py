"""seatline.switch: the asyncio SIP switch (registrar, B2BUA, media) and its async call API.

Built on the sans-I/O `seatline.sip` transaction layer and `seatline.rtp` codecs/mixer; one
event loop (uvloop when installed, see `install_uvloop`).

Applications are async handlers bound to dialled numbers::

    router = CallRouter()

    async def menu(call: Call) -> None:
        await call.answer()
        await call.say("Press 1 for sales")           # espeak-ng; or call.play("x.wav")
        if await call.collect_digits(1, timeout=5) == "1":
            await call.bridge("agent:<agent id>", record_to="rec.wav")

    router.add("8000", menu)
    switch = SwitchService(SwitchConfig(domain="tenant.example"), router, credentials)
    await switch.start("0.0.0.0", 5060, (20000, 20999))

Dial targets: `agent:<agent id>` (its registered contacts), `user@domain` / `sip:` URIs, or a
number (an outbound trunk by prefix, else an extension of `SwitchConfig.domain`). Demo numbers
9000 (prompt loop) and 9001 (echo) are bound unless `demo_numbers=False`. For `seatline up`,
`seatline.switch_node.run_switch` is a `seatline.service.Service`.
"""

from seatline.switch.call import BridgeResult, Call
from seatline.switch.config import SwitchConfig, TrunkConfig
from seatline.switch.core import SipCore
from seatline.switch.credentials import CredentialSource, SipCredentials, StaticCredentials
from seatline.switch.errors import (
    CallEnded,
    CallStateError,
    MediaError,
    SpeechUnavailable,
    SwitchError,
    TargetNotFound,
)
from seatline.switch.events import (
    Answered,
    CallEvent,
    DtmfReceived,
    HoldChanged,
    HungUp,
    Progress,
    Transferred,
)
from seatline.switch.router import CallHandler, CallRouter
from seatline.switch.service import SwitchService, install_uvloop

__all__ = [
    "Answered",
    "BridgeResult",
    "Call",
    "CallEnded",
    "CallEvent",
    "CallHandler",
    "CallRouter",
    "CallStateError",
    "CredentialSource",
    "DtmfReceived",
    "HoldChanged",
    "HungUp",
    "MediaError",
    "Progress",
    "SipCore",
    "SipCredentials",
    "SpeechUnavailable",
    "StaticCredentials",
    "SwitchConfig",
    "SwitchError",
    "SwitchService",
    "TargetNotFound",
    "Transferred",
    "TrunkConfig",
    "install_uvloop",
]
