"""seatline.store: the configuration database (SQLAlchemy models, migrations, services).

The switch uses `find_sip_credentials`, `find_number`, `list_numbers`, `find_inbound_trunk`,
`list_trunks` and `trunks_fingerprint`; the live call service uses `lookup` (a flow's data
look-up) and `save_contact_record` (the CDR when a contact ends); the API uses the
tenant-scoped services. Everything here takes an AsyncSession and never commits on its own,
except `save_contact_record`: a record must be on disk when it returns.
"""

# Imported for its flush hook: flow versions are kept whichever code writes a flow.
import seatline.store.flows  # noqa: F401
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
    "set_disposition",
    "trunks_fingerprint",
    "upgrade",
]
