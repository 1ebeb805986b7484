"""seatline.store: the configuration database (SQLAlchemy models, migrations, services).

The switch uses `find_sip_credentials`, `find_number`, `list_numbers`, `find_inbound_trunk`,
`list_trunks` and `trunks_fingerprint`; the live call service uses `lookup` (a flow's data
look-up), `save_contact_record` (the CDR when a contact ends) and `set_agent_not_ready` (a
pause the routing engine made by itself); the API uses the tenant-scoped services. Everything
here takes an AsyncSession and never commits on its own, except `save_contact_record` and
`set_agent_not_ready`: what they write must be on disk when they return.
"""

# Imported for its flush hook: flow versions are kept whichever code writes a flow.
import seatline.store.flows  # noqa: F401
from seatline.store.agent_state import (
    AGENT_STATE_REQUESTED,
    SYSTEM_REASONS,
    AgentState,
    set_agent_not_ready,
)
from seatline.store.contacts import (
    ContactRecord,
    LegRecord,
    OfferRecord,
    save_contact_record,
    set_disposition,
)
from seatline.store.db import Database
from seatline.store.enums import (
    Channel,
    ContactDirection,
    ContactOutcome,
    LegRole,
    OfferOutcome,
    QueueStrategy,
    Role,
    TrunkDirection,
)
from seatline.store.errors import (
    Conflict,
    InvalidInput,
    InvalidReference,
    NotFound,
    NotLoggedIn,
    PermissionDenied,
    SeatCapReached,
    StoreError,
    TooLarge,
)
from seatline.store.lookups import lookup
from seatline.store.migrate import upgrade
from seatline.store.sip import (
    NumberRoute,
    SipCredentials,
    digest_ha1,
    find_number,
    find_sip_credentials,
    list_numbers,
)
from seatline.store.trunks import (
    TrunkInfo,
    find_inbound_trunk,
    list_trunks,
    trunks_fingerprint,
)

__all__ = [
    "AGENT_STATE_REQUESTED",
    "SYSTEM_REASONS",
    "AgentState",
    "Channel",
    "Conflict",
    "ContactDirection",
    "ContactOutcome",
    "ContactRecord",
    "Database",
    "InvalidInput",
    "InvalidReference",
    "LegRecord",
    "LegRole",
    "NotFound",
    "NotLoggedIn",
    "NumberRoute",
    "OfferOutcome",
    "OfferRecord",
    "PermissionDenied",
    "QueueStrategy",
    "Role",
    "SeatCapReached",
    "SipCredentials",
    "StoreError",
    "TooLarge",
    "TrunkDirection",
    "TrunkInfo",
    "digest_ha1",
    "find_inbound_trunk",
    "find_number",
    "find_sip_credentials",
    "list_numbers",
    "list_trunks",
    "lookup",
    "save_contact_record",
    "set_agent_not_ready",
    "set_disposition",
    "trunks_fingerprint",
    "upgrade",
]
