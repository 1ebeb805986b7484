"""String enums stored in the database: roles, queue strategies, trunk directions, channels,
and the vocabulary of contact records (direction, outcome, leg role, offer outcome)."""

from enum import StrEnum

__all__ = [
    "Channel",
    "ContactDirection",
    "ContactOutcome",
    "LegRole",
    "OfferOutcome",
    "QueueStrategy",
    "Role",
    "TrunkDirection",
]


class Role(StrEnum):
    """What a user may do; stored as its string value."""

    PLATFORM_ADMIN = "platform_admin"
    TENANT_ADMIN = "tenant_admin"
    SUPERVISOR = "supervisor"
    AGENT = "agent"


class QueueStrategy(StrEnum):
    """How a queue picks the agent to offer a contact to."""

    LONGEST_IDLE = "longest_idle"
    ROUND_ROBIN = "round_robin"
    FEWEST_CONTACTS = "fewest_contacts"
    LEAST_TALK_TIME = "least_talk_time"
    RING_ALL = "ring_all"
    LINEAR = "linear"
    RANDOM = "random"
    WEIGHTED_RANDOM = "weighted_random"
    BEST_SKILL = "best_skill"


class TrunkDirection(StrEnum):
    """Which way calls may cross a trunk."""

    INBOUND = "inbound"
    OUTBOUND = "outbound"
    BOTH = "both"


class Channel(StrEnum):
    """Contact channels an agent has a concurrency limit for."""

    VOICE = "voice"
    CHAT = "chat"
    EMAIL = "email"
    SMS = "sms"


class ContactDirection(StrEnum):
    """Whether the customer reached us or we reached the customer."""

    INBOUND = "inbound"
    OUTBOUND = "outbound"


class ContactOutcome(StrEnum):
    """How a contact ended, as the contact record keeps it."""

    ANSWERED = "answered"  # an agent took it
    ABANDONED = "abandoned"  # the customer gave up (in the flow or while waiting)
    OVERFLOWED = "overflowed"  # left the queue for another destination
    VOICEMAIL = "voicemail"
    CALLBACK = "callback"  # a callback was registered instead of waiting
    REJECTED = "rejected"  # refused before reaching anyone (closed, queue full, barred)
    SELF_SERVICE = "self_service"  # served completely by the flow
    TRANSFERRED = "transferred"  # handed to a number outside the tenant
    FAILED = "failed"  # a technical failure (broken flow, media or signalling error)


class LegRole(StrEnum):
    """Whom one leg of a call connects to."""

    CALLER = "caller"
    AGENT = "agent"
    TRANSFER_TARGET = "transfer_target"


class OfferOutcome(StrEnum):
    """How one offer of a contact to an agent ended."""

    ANSWERED = "answered"
    NO_ANSWER = "no_answer"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"  # the contact went elsewhere (abandoned, taken by another agent)
