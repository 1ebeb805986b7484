"""Per-pair checks that lane membership alone cannot settle.

Membership in a lane is decided once per agent (requirement over skills). What remains per
(agent, contact) pair: requirements that read contact attributes, a contact's own extra
requirement, and agents who declined the contact. These closures are built only on the paths
that need them; the common case passes None and costs nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .agent import Agent
    from .contact import Contact
    from .lanes import Lane


def contact_filter(lane: Lane, agent: Agent) -> Callable[[Contact], bool]:
    """Which waiting contacts of `lane` this agent may take (declines, contact rules)."""
    skills = agent.config.skills
    agent_id = agent.agent_id
    requirement = lane.requirement if lane.exact else None

    def accept(contact: Contact) -> bool:
        if contact.declined and agent_id in contact.declined:
            return False
        attributes = contact.request.attributes
        if requirement is not None and not requirement.matches(skills, attributes):
            return False
        own = contact.requirement
        return own is None or own.matches(skills, attributes)

    return accept


def agent_filter(lane: Lane, contact: Contact) -> Callable[[Agent], bool] | None:
    """Which pooled agents may take this contact; None when the pool already settles it."""
    requirement = lane.requirement if lane.exact else None
    own = contact.requirement
    declined = contact.declined
    if requirement is None and own is None and not declined:
        return None  # the common case: lane membership already settled it
    attributes = contact.request.attributes

    def accept(agent: Agent) -> bool:
        if agent.agent_id in declined:
            return False
        skills = agent.config.skills
        if requirement is not None and not requirement.matches(skills, attributes):
            return False
        return own is None or own.matches(skills, attributes)

    return accept
