"""Errors raised by the routing engine: one small hierarchy under `RoutingError`.

These are *local* errors (the caller misused the engine); nothing in here is raised for
ordinary traffic such as a full queue, which becomes a `Reject` decision instead.
"""

from __future__ import annotations


class RoutingError(Exception):
    """Base class of every error raised by `seatline.routing`."""


class UnknownQueue(RoutingError, KeyError):
    """A queue name that was never added."""

    def __str__(self) -> str:
        return f"unknown queue {self.args[0]!r}"


class UnknownAgent(RoutingError, KeyError):
    """An agent id that was never added."""

    def __str__(self) -> str:
        return f"unknown agent {self.args[0]!r}"


class UnknownContact(RoutingError, KeyError):
    """A contact id the engine does not hold (never arrived, or already ended)."""

    def __str__(self) -> str:
        return f"unknown contact {self.args[0]!r}"


class DuplicateId(RoutingError, ValueError):
    """An agent, queue or contact id that is already in use."""


class ConfigError(RoutingError, ValueError):
    """A configuration object that cannot work (bad numbers, unknown overflow target...)."""


class QueueNotEmpty(RoutingError):
    """A queue removed without `move_to` while contacts wait in it or ring its agents."""

    def __init__(self, queue: str, waiting: int, ringing: int) -> None:
        self.queue = queue
        self.waiting = waiting
        self.ringing = ringing
        super().__init__(
            f"queue {queue!r} has {waiting} waiting and {ringing} ringing contacts:"
            " remove it with move_to=<another queue> so nobody is dropped"
        )


class IllegalAgentTransition(RoutingError):
    """An agent state change that the transition table does not allow."""

    def __init__(self, agent_id: str, old: object, new: object, why: str = "") -> None:
        self.agent_id = agent_id
        self.old = old
        self.new = new
        text = f"agent {agent_id!r} cannot go from {old} to {new}"
        super().__init__(f"{text}: {why}" if why else text)


class IllegalContactOperation(RoutingError):
    """An operation on a contact that its current phase does not allow (e.g. answer twice)."""


class RequirementSyntaxError(RoutingError, ValueError):
    """A requirement expression that does not parse; `position` is the 0-based offset."""

    def __init__(self, message: str, text: str, position: int) -> None:
        self.text = text
        self.position = position
        self.reason = message
        super().__init__(f"{message} at position {position} in requirement {text!r}")
