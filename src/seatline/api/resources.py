"""The plain tenant-owned resources, declared once and served by the CRUD router factory.

Flows have their own router (api.flows) because they keep a version history; trunks
(api.trunks) because inbound trust and sharing are the operator's.
"""

from seatline.api.crud import Resource
from seatline.api.deps import ALL_ROLES
from seatline.api.schemas import (
    BusinessHoursCreate,
    BusinessHoursRead,
    CodeCreate,
    CodeRead,
    HolidayCreate,
    HolidayRead,
    NumberCreate,
    NumberPatch,
    NumberRead,
    QueueCreate,
    QueueRead,
    SkillCreate,
    SkillRead,
)
from seatline.store.enums import Role
from seatline.store.models import (
    BusinessHours,
    Disposition,
    Flow,
    Holiday,
    Number,
    Queue,
    ReasonCode,
    Skill,
)

__all__ = ["RESOURCES"]

OPERATOR = frozenset({Role.PLATFORM_ADMIN})

RESOURCES = (
    Resource("skills", Skill, SkillCreate, SkillRead),
    Resource("queues", Queue, QueueCreate, QueueRead),
    # Numbers are unique across tenants, so only the operator assigns them: a tenant admin
    # probing for a taken number would otherwise learn that another tenant holds it.
    Resource(
        "numbers",
        Number,
        NumberCreate,
        NumberRead,
        references={"flow_id": Flow},
        create_roles=OPERATOR,
        patch=NumberPatch,
    ),
    Resource("business-hours", BusinessHours, BusinessHoursCreate, BusinessHoursRead),
    Resource("holidays", Holiday, HolidayCreate, HolidayRead),
    # Agents pick reason codes and dispositions on their desktop, so they may read them.
    Resource("reason-codes", ReasonCode, CodeCreate, CodeRead, read_roles=ALL_ROLES),
    Resource("dispositions", Disposition, CodeCreate, CodeRead, read_roles=ALL_ROLES),
)
