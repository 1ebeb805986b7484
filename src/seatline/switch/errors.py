"""Errors raised by `seatline.switch`: one small hierarchy under `SwitchError`."""

from __future__ import annotations


class SwitchError(Exception):
    """Base class of every error raised by `seatline.switch`."""


class CallStateError(SwitchError):
    """A call or leg was asked for a move its state machine does not allow."""

    def __init__(self, what: str, state: object, event: object) -> None:
        super().__init__(f"{what}: event {event!r} is not allowed in state {state!r}")
        self.state = state
        self.event = event


class CallEnded(SwitchError):
    """The call hung up while an operation was waiting on it."""


class MediaError(SwitchError):
    """No RTP port is free, or a media operation cannot be done."""


class SpeechUnavailable(SwitchError):
    """`call.say` needs espeak-ng, which is not installed."""


class TargetNotFound(SwitchError):
    """A bridge or transfer target has no registered contact or route."""

    status = 404  # the SIP status a caller of `reach` or `ring` reports


class TargetRefused(TargetNotFound):
    """The leg's tenant may not reach the target (dial rules, another tenant's trunk or phone)."""

    def __init__(self, reason: str, status: int = 403) -> None:
        super().__init__(reason)
        self.status = status
