"""What a dial attempt can end in, and the standard disposition codes."""

from __future__ import annotations

from enum import StrEnum


class CallResult(StrEnum):
    """How a dial attempt resolved, as the network and answering machine detection report it."""

    PERSON = "person"  # a live person answered (AMD said human)
    MACHINE = "machine"  # an answering machine answered (AMD said machine)
    BUSY = "busy"
    NO_ANSWER = "no_answer"  # rang out: the dialer gave up after the ring timeout
    FAILED = "failed"  # network failure, invalid number, congestion


class AttemptOutcome(StrEnum):
    """How an attempt ended for the lead: a call result, or what became of a live answer."""

    BUSY = "busy"
    NO_ANSWER = "no_answer"
    FAILED = "failed"
    MACHINE = "machine"
    ABANDONED = "abandoned"  # a person answered, no agent within the limit: message played
    CONNECTED = "connected"  # a person talked to an agent


class Disposition(StrEnum):
    """Standard disposition codes an agent sets after a connected call (others are free text)."""

    COMPLETED = "completed"
    NOT_INTERESTED = "not_interested"
    CALLBACK = "callback"
    DO_NOT_CALL = "do_not_call"
    WRONG_NUMBER = "wrong_number"
