"""seatline.store: the configuration database (SQLAlchemy models, migrations, services).

The switch uses `find_sip_credentials`, `find_number`, `list_numbers`, `find_inbound_trunk`,
`list_trunks` and `trunks_fingerprint`; the API uses the tenant-scoped services.
Everything here takes an AsyncSession and never commits on its own.
"""

from seatline.store.db import Database
from seatline.store.enums import Channel, QueueStrategy, Role, TrunkDirection
from seatline.store.errors import (
    Conflict,
    InvalidInput,
    InvalidReference,
    NotFound,
    PermissionDenied,
    SeatCapReached,
    StoreError,
)
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
    "Database",
    "InvalidInput",
    "InvalidReference",
    "NotFound",
    "NumberRoute",
    "PermissionDenied",
    "QueueStrategy",
    "Role",
    "SeatCapReached",
    "SipCredentials",
    "StoreError",
    "TrunkDirection",
    "TrunkInfo",
    "digest_ha1",
    "find_inbound_trunk",
    "find_number",
    "find_sip_credentials",
    "list_numbers",
    "list_trunks",
    "trunks_fingerprint",
    "upgrade",
]
