"""String enums stored in the database: roles, queue strategies, trunk directions, channels."""

from enum import StrEnum

__all__ = ["Channel", "QueueStrategy", "Role", "TrunkDirection"]


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
