"""Plain configuration dataclasses for queues, agents and arriving contacts.

Validation of user input happens at the edge (Pydantic in the API); these classes only check
what would break the engine (negative times, impossible capacities).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from .errors import ConfigError

AttributeValue = str | int | float | bool


class Channel(StrEnum):
    """The medium of a contact; agents have a capacity per channel."""

    VOICE = "voice"
    CHAT = "chat"
    EMAIL = "email"
    SMS = "sms"
    FAX = "fax"


class Strategy(StrEnum):
    """How a queue picks among several eligible available agents."""

    LONGEST_IDLE = "longest_idle"
    ROUND_ROBIN = "round_robin"
    FEWEST_CONTACTS = "fewest_contacts"
    LEAST_TALK_TIME = "least_talk_time"
    RING_ALL = "ring_all"
    LINEAR = "linear"
    RANDOM = "random"
    WEIGHTED_RANDOM = "weighted_random"
    BEST_SKILL = "best_skill"


class OverflowAction(StrEnum):
    """What an overflow step (or the max-wait limit) does to a waiting contact."""

    RELAX = "relax"  # replace the requirement by the step's (usually lower) one
    WIDEN = "widen"  # also let the agents of other queues take the contact
    VOICEMAIL = "voicemail"  # leave the queue for voicemail
    CALLBACK = "callback"  # caller is hung up but keeps the place; we dial back later
    REJECT = "reject"  # leave the queue with a reject (busy / announcement)


EXIT_ACTIONS = frozenset({OverflowAction.VOICEMAIL, OverflowAction.CALLBACK, OverflowAction.REJECT})


@dataclass(frozen=True, slots=True)
class OverflowStep:
    """One escalation step, applied `after` seconds of waiting."""

    after: float
    action: OverflowAction
    requirement: str | None = None  # RELAX: the new requirement
    queues: tuple[str, ...] = ()  # WIDEN: queues whose agents may also take the contact

    def __post_init__(self) -> None:
        if self.after < 0:
            raise ConfigError(f"overflow step 'after' must be >= 0, got {self.after}")
        if self.action is OverflowAction.RELAX and self.requirement is None:
            raise ConfigError("a RELAX overflow step needs a requirement")
        if self.action is OverflowAction.WIDEN and not self.queues:
            raise ConfigError("a WIDEN overflow step needs at least one queue")


@dataclass(frozen=True, slots=True)
class QueueConfig:
    """A queue: who may take its contacts, in which order, and its limits and timers."""

    name: str
    strategy: Strategy = Strategy.LONGEST_IDLE
    requirement: str | None = None  # expression over agent skills and contact.attrs; None = all
    service_level_target: float = 20.0
    max_wait: float | None = None
    max_wait_action: OverflowAction = OverflowAction.VOICEMAIL
    max_length: int | None = None
    wrap_up: float = 0.0
    offer_timeout: float = 15.0
    overflow: tuple[OverflowStep, ...] = ()
    priority_aging_per_second: float = 0.0  # effective priority grows by this per waited second
    sticky_timeout: float = 0.0  # how long a contact waits for its preferred agent only
    best_skill: str | None = None  # BEST_SKILL ranks by this skill (default: first in requirement)
    linear_order: tuple[str, ...] = ()  # LINEAR: agent ids in hunt order (others follow, by add)
    no_answer_not_ready: bool = True  # an unanswered offer makes the agent not ready

    def __post_init__(self) -> None:
        for label, value in (
            ("wrap_up", self.wrap_up),
            ("offer_timeout", self.offer_timeout),
            ("sticky_timeout", self.sticky_timeout),
            ("priority_aging_per_second", self.priority_aging_per_second),
        ):
            if value < 0:
                raise ConfigError(f"queue {self.name!r}: {label} must be >= 0, got {value}")
        if self.offer_timeout == 0:
            raise ConfigError(f"queue {self.name!r}: offer_timeout must be > 0")
        if self.max_wait is not None and self.max_wait < 0:
            raise ConfigError(f"queue {self.name!r}: max_wait must be >= 0")
        if self.max_length is not None and self.max_length < 0:
            raise ConfigError(f"queue {self.name!r}: max_length must be >= 0")
        if self.max_wait_action not in EXIT_ACTIONS:
            raise ConfigError(f"queue {self.name!r}: max_wait_action must be an exit action")
        afters = [step.after for step in self.overflow]
        if afters != sorted(afters):
            raise ConfigError(f"queue {self.name!r}: overflow steps must be sorted by 'after'")


def _default_capacity() -> dict[Channel, int]:
    return {Channel.VOICE: 1}


@dataclass(frozen=True, slots=True)
class AgentConfig:
    """An agent: skills with levels (missing skill = 0) and a capacity per channel."""

    agent_id: str
    skills: Mapping[str, int] = field(default_factory=dict)
    capacity: Mapping[Channel, int] = field(default_factory=_default_capacity)
    weight: float = 1.0  # WEIGHTED_RANDOM share

    def __post_init__(self) -> None:
        if any(n < 0 for n in self.capacity.values()):
            raise ConfigError(f"agent {self.agent_id!r}: capacity must be >= 0")
        if self.weight <= 0:
            raise ConfigError(f"agent {self.agent_id!r}: weight must be > 0")


@dataclass(frozen=True, slots=True)
class ContactRequest:
    """A contact asking to be routed through a queue."""

    contact_id: str
    queue: str
    channel: Channel = Channel.VOICE
    priority: int = 0  # higher is served first
    vip: bool = False  # green channel: before every non-VIP contact
    attributes: Mapping[str, AttributeValue] = field(default_factory=dict)
    preferred_agent: str | None = None  # sticky agent (last agent / account owner)
    requirement: str | None = None  # extra requirement, AND-ed with the queue's
