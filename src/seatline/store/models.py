"""SQLAlchemy models of configuration and contact records: every row is owned by a tenant.

This module only declares tables. Rules that span rows (seat caps, reference checks, HA1
derivation) live in the service modules; the migration in migrations/versions mirrors these
declarations and a test proves they match.
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from enum import StrEnum
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

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

__all__ = [
    "Agent",
    "AgentSkill",
    "AuditEvent",
    "Base",
    "BusinessHours",
    "CallAttempt",
    "Campaign",
    "CampaignAgent",
    "Contact",
    "ContactLeg",
    "ContactOffer",
    "Disposition",
    "DoNotCallEntry",
    "Flow",
    "FlowVersion",
    "Holiday",
    "Lead",
    "LookupRow",
    "LookupTable",
    "Number",
    "Queue",
    "ReasonCode",
    "Skill",
    "Tenant",
    "TenantOwned",
    "Trunk",
    "User",
    "UserSession",
    "UtcDateTime",
    "new_revision",
]

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _enum(kind: type[StrEnum]) -> sa.Enum:
    """Store a StrEnum as its plain string value (no native type, so adding a value is easy)."""
    return sa.Enum(
        kind,
        native_enum=False,
        create_constraint=False,
        length=32,
        values_callable=lambda members: [member.value for member in members],
    )


class UtcDateTime(sa.TypeDecorator[dt.datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite would hand back naive values)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: sa.Dialect) -> Any:
        """Store UTC; a naive value is taken to be UTC already."""
        if value is None:
            return None
        value = value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
        # SQLite keeps the text without an offset, so all values must be UTC to compare right.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> dt.datetime | None:
        """Return an aware UTC datetime."""
        if value is None:
            return None
        assert isinstance(value, dt.datetime)
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    """Declarative base with a stable constraint naming scheme."""

    metadata = sa.MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: sa.JSON, list[Any]: sa.JSON}


def new_revision() -> int:
    """A random row revision (31 bits, so sums fit a 64-bit integer for any table size)."""
    # Random rather than a counter: a counter's sum can stay the same when one row is edited
    # and another is deleted and re-added, a random one practically never does.
    return secrets.randbelow(2**31)


def _id() -> Mapped[uuid.UUID]:
    # Random ids: a tenant can't learn how many rows others created from the ids it sees.
    return mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)


def _tenant_fk() -> Mapped[uuid.UUID]:
    return mapped_column(sa.ForeignKey("tenants.id", ondelete="CASCADE"), index=True)


class Tenant(Base):
    """An enterprise renting seats on the platform."""

    __tablename__ = "tenants"

    id: Mapped[uuid.UUID] = _id()
    name: Mapped[str] = mapped_column(sa.String(200))
    slug: Mapped[str] = mapped_column(sa.String(63), unique=True)
    time_zone: Mapped[str] = mapped_column(sa.String(64), default="UTC")
    seat_count: Mapped[int] = mapped_column(default=0)
    sip_domain: Mapped[str] = mapped_column(sa.String(253), unique=True)
    # External numbers the tenant's flows may transfer to ('+4930*' is a prefix rule); a
    # number must match an allowed pattern and no denied one. Empty: no transfers out.
    dial_allowed: Mapped[list[str]] = mapped_column(
        sa.JSON, default=list, server_default=sa.text("'[]'")
    )
    dial_denied: Mapped[list[str]] = mapped_column(
        sa.JSON, default=list, server_default=sa.text("'[]'")
    )
    created_at: Mapped[dt.datetime] = mapped_column(
        sa.DateTime(timezone=True), default=lambda: dt.datetime.now(dt.UTC)
    )


class TenantOwned(Base):
    """Abstract base of every row that belongs to one tenant."""

    __abstract__ = True

    id: Mapped[uuid.UUID] = _id()
    tenant_id: Mapped[uuid.UUID] = _tenant_fk()


class User(TenantOwned):
    """Someone who logs in to the API or the pages."""

    __tablename__ = "users"

    username: Mapped[str] = mapped_column(sa.String(200), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[Role] = mapped_column(_enum(Role))
    display_name: Mapped[str] = mapped_column(sa.String(200), default="")
    agent_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("agents.id", ondelete="SET NULL"), default=None
    )
    active: Mapped[bool] = mapped_column(default=True)


class Agent(TenantOwned):
    """An agent: a SIP account (extension), skills, channel capacity, login and readiness."""

    __tablename__ = "agents"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "extension"),)

    extension: Mapped[str] = mapped_column(sa.String(32))
    display_name: Mapped[str] = mapped_column(sa.String(200))
    # HA1 = H(extension:sip_domain:password), RFC 7616 §3.4.2; the password itself is never kept.
    ha1_md5: Mapped[str] = mapped_column(sa.String(32))
    ha1_sha256: Mapped[str] = mapped_column(sa.String(64))
    max_voice: Mapped[int] = mapped_column(default=1)
    max_chat: Mapped[int] = mapped_column(default=3)
    max_email: Mapped[int] = mapped_column(default=5)
    max_sms: Mapped[int] = mapped_column(default=5)
    logged_in: Mapped[bool] = mapped_column(default=False)
    logged_in_at: Mapped[dt.datetime | None] = mapped_column(
        sa.DateTime(timezone=True), default=None
    )
    # The availability the agent (or the engine, for system reasons) asked for; the live
    # routing engine applies it. Not ready carries a reason: a tenant reason code or a system
    # one (store.agent_state.SYSTEM_REASONS).
    ready: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    not_ready_reason: Mapped[str | None] = mapped_column(sa.String(64), default=None)
    state_changed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), default=None)

    skills: Mapped[list[AgentSkill]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", passive_deletes=True
    )


class Skill(TenantOwned):
    """A named ability that queues require and agents have at a level."""

    __tablename__ = "skills"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "name"),)

    name: Mapped[str] = mapped_column(sa.String(64))
    description: Mapped[str] = mapped_column(sa.String(500), default="")


class AgentSkill(Base):
    """An agent's level (1–10) in one skill; owned through its agent."""

    __tablename__ = "agent_skills"
    __table_args__ = (sa.CheckConstraint("level BETWEEN 1 AND 10", name="level_range"),)

    agent_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True
    )
    skill_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("skills.id", ondelete="CASCADE"), primary_key=True
    )
    level: Mapped[int]


class Queue(TenantOwned):
    """Where contacts wait to be offered to agents."""

    __tablename__ = "queues"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "name"),)

    name: Mapped[str] = mapped_column(sa.String(64))
    strategy: Mapped[QueueStrategy] = mapped_column(_enum(QueueStrategy))
    skill_expression: Mapped[str] = mapped_column(sa.String(500), default="")
    service_level_seconds: Mapped[int] = mapped_column(default=20)
    max_wait_seconds: Mapped[int | None] = mapped_column(default=None)
    max_length: Mapped[int | None] = mapped_column(default=None)
    wrapup_seconds: Mapped[int] = mapped_column(default=0)
    offer_timeout_seconds: Mapped[int] = mapped_column(default=20)
    overflow: Mapped[list[Any]] = mapped_column(default=list)


class Flow(TenantOwned):
    """A contact flow: a name and its JSON definition (interpreted by seatline.flows)."""

    __tablename__ = "flows"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "name"),)

    name: Mapped[str] = mapped_column(sa.String(64))
    definition: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # The number of the current definition in flow_versions (store.flows keeps the history).
    version: Mapped[int] = mapped_column(default=1, server_default=sa.text("1"))


class Number(TenantOwned):
    """A dialled number (E.164, 95xxx service number or short demo number) starting a flow."""

    __tablename__ = "numbers"

    # Unique across tenants: the switch routes a dialled number without knowing the tenant.
    number: Mapped[str] = mapped_column(sa.String(32), unique=True)
    flow_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("flows.id"))
    description: Mapped[str] = mapped_column(sa.String(200), default="")


class BusinessHours(TenantOwned):
    """A weekly schedule: ranges of (weekday, start, end) in the tenant's time zone."""

    __tablename__ = "business_hours"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "name"),)

    name: Mapped[str] = mapped_column(sa.String(64))
    ranges: Mapped[list[Any]] = mapped_column(default=list)


class Holiday(TenantOwned):
    """A closed day in the tenant's time zone."""

    __tablename__ = "holidays"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "date"),)

    date: Mapped[dt.date] = mapped_column(sa.Date)
    name: Mapped[str] = mapped_column(sa.String(200), default="")


class ReasonCode(TenantOwned):
    """Why an agent is not ready (break, training …)."""

    __tablename__ = "reason_codes"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "code"),)

    code: Mapped[str] = mapped_column(sa.String(64))
    label: Mapped[str] = mapped_column(sa.String(200), default="")


class Disposition(TenantOwned):
    """An outcome an agent sets at the end of a contact."""

    __tablename__ = "dispositions"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "code"),)

    code: Mapped[str] = mapped_column(sa.String(64))
    label: Mapped[str] = mapped_column(sa.String(200), default="")


class Trunk(TenantOwned):
    """A carrier connection: how inbound calls are recognised and where outbound calls go."""

    __tablename__ = "trunks"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "name"),)

    name: Mapped[str] = mapped_column(sa.String(64))
    direction: Mapped[TrunkDirection] = mapped_column(_enum(TrunkDirection))
    match_source: Mapped[str | None] = mapped_column(sa.String(255), default=None)
    match_username: Mapped[str | None] = mapped_column(sa.String(128), default=None)
    outbound_host: Mapped[str | None] = mapped_column(sa.String(255), default=None)
    outbound_port: Mapped[int] = mapped_column(default=5060)
    username: Mapped[str | None] = mapped_column(sa.String(128), default=None)
    # The carrier's realm is only known from its challenge, so digest needs the password itself;
    # it is stored sealed (enc:v1:…, see store.secret_box and the hooks in store.trunks).
    password: Mapped[str | None] = mapped_column(sa.Text(), default=None)
    # Dialled numbers starting with one of these ("+49", "00") leave through this trunk.
    outbound_prefixes: Mapped[list[str]] = mapped_column(
        sa.JSON, default=list, server_default=sa.text("'[]'")
    )
    # Tenants (ids as text) the operator lets dial out through this trunk besides its owner.
    shared_with: Mapped[list[str]] = mapped_column(
        sa.JSON, default=list, server_default=sa.text("'[]'")
    )
    # A fresh random value on every insert and update: the switch polls count and sum of it
    # to notice any change from any process cheaply (see store.trunks.trunks_fingerprint).
    revision: Mapped[int] = mapped_column(
        default=new_revision, onupdate=new_revision, server_default=sa.text("0")
    )


class FlowVersion(Base):
    """One definition a flow has had; owned through its flow."""

    __tablename__ = "flow_versions"
    __table_args__ = (sa.UniqueConstraint("flow_id", "version"),)

    id: Mapped[uuid.UUID] = _id()
    flow_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("flows.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int]
    definition: Mapped[dict[str, Any]]
    created_at: Mapped[dt.datetime] = mapped_column(
        UtcDateTime(), default=lambda: dt.datetime.now(dt.UTC)
    )
    # The username, not a reference: the history outlives the user.
    created_by: Mapped[str | None] = mapped_column(sa.String(200), default=None)


class Contact(TenantOwned):
    """A contact detail record (CDR): one customer interaction on any channel.

    Queue, agent and flow are kept as plain ids plus names, not foreign keys: a record is
    history and must survive (and never be refused for) a deleted queue, agent or flow.
    """

    __tablename__ = "contacts"
    __table_args__ = (sa.Index("ix_contacts_tenant_id_arrived_at", "tenant_id", "arrived_at"),)

    channel: Mapped[Channel] = mapped_column(_enum(Channel))
    direction: Mapped[ContactDirection] = mapped_column(_enum(ContactDirection))
    dialled_number: Mapped[str] = mapped_column(sa.String(64), default="")
    caller_number: Mapped[str] = mapped_column(sa.String(64), default="")
    caller_name: Mapped[str] = mapped_column(sa.String(200), default="")
    arrived_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    flow_ended_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), default=None)
    enqueued_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), default=None)
    answered_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), default=None)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), default=None)
    outcome: Mapped[ContactOutcome] = mapped_column(_enum(ContactOutcome))
    queue_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, default=None)
    queue_name: Mapped[str | None] = mapped_column(sa.String(64), default=None)
    agent_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, default=None, index=True)
    disposition: Mapped[str | None] = mapped_column(sa.String(64), default=None)
    flow_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, default=None)
    flow_name: Mapped[str | None] = mapped_column(sa.String(64), default=None)
    flow_version: Mapped[int | None] = mapped_column(default=None)
    flow_path: Mapped[list[Any]] = mapped_column(default=list)
    inputs: Mapped[dict[str, Any]] = mapped_column(default=dict)
    wait_seconds: Mapped[float | None] = mapped_column(sa.Float, default=None)
    talk_seconds: Mapped[float | None] = mapped_column(sa.Float, default=None)
    recording_path: Mapped[str | None] = mapped_column(sa.String(1024), default=None)
    voicemail_path: Mapped[str | None] = mapped_column(sa.String(1024), default=None)
    end_reason: Mapped[str] = mapped_column(sa.String(200), default="")

    legs: Mapped[list[ContactLeg]] = relationship(
        cascade="all, delete-orphan",
        lazy="selectin",
        passive_deletes=True,
        order_by="ContactLeg.position",
    )
    offers: Mapped[list[ContactOffer]] = relationship(
        cascade="all, delete-orphan",
        lazy="selectin",
        passive_deletes=True,
        order_by="ContactOffer.position",
    )


class ContactLeg(Base):
    """One SIP dialog of a call; owned through its contact."""

    __tablename__ = "contact_legs"

    id: Mapped[uuid.UUID] = _id()
    contact_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    sip_call_id: Mapped[str] = mapped_column(sa.String(255))
    peer: Mapped[str] = mapped_column(sa.String(255), default="")
    role: Mapped[LegRole] = mapped_column(_enum(LegRole))
    started_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    answered_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), default=None)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), default=None)
    end_reason: Mapped[str] = mapped_column(sa.String(200), default="")


class ContactOffer(Base):
    """One offer of a contact to an agent; owned through its contact."""

    __tablename__ = "contact_offers"

    id: Mapped[uuid.UUID] = _id()
    contact_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    agent_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    offered_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    outcome: Mapped[OfferOutcome] = mapped_column(_enum(OfferOutcome))
    ended_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), default=None)


class LookupTable(TenantOwned):
    """A tenant's own data for self-service: rows found by the value of `key_column`."""

    __tablename__ = "lookup_tables"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "name"),)

    name: Mapped[str] = mapped_column(sa.String(64))
    key_column: Mapped[str] = mapped_column(sa.String(64))
    columns: Mapped[list[Any]] = mapped_column(default=list)  # every column, the key included


class LookupRow(Base):
    """One row of a lookup table: its key and every column's value; owned through its table."""

    __tablename__ = "lookup_rows"

    table_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("lookup_tables.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    data: Mapped[dict[str, Any]]  # column name → value, the key column included


class Campaign(TenantOwned):
    """An outbound campaign: how its leads are dialled (seatline.dialer) and who takes the calls."""

    __tablename__ = "campaigns"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "name"),)

    name: Mapped[str] = mapped_column(sa.String(64))
    mode: Mapped[str] = mapped_column(sa.String(16), default="predictive")  # dialer.DialMode
    # Only active campaigns are dialled by the live dialer.
    active: Mapped[bool] = mapped_column(default=False)
    caller_id: Mapped[str] = mapped_column(sa.String(64), default="")
    caller_name: Mapped[str] = mapped_column(sa.String(200), default="")
    abandon_cap: Mapped[float] = mapped_column(sa.Float, default=0.03)
    ring_timeout: Mapped[float] = mapped_column(sa.Float, default=25.0)
    max_wait_for_agent: Mapped[float] = mapped_column(sa.Float, default=2.0)
    max_attempts: Mapped[int] = mapped_column(default=6)
    # Outcome → {"max_attempts": int, "spacing": seconds}; missing outcomes keep the defaults.
    retries: Mapped[dict[str, Any]] = mapped_column(default=dict)
    window_start: Mapped[int] = mapped_column(default=540)  # minutes after local midnight
    window_end: Mapped[int] = mapped_column(default=1260)
    window_days: Mapped[list[Any]] = mapped_column(default=lambda: [1, 2, 3, 4, 5, 6])
    wrap_up_seconds: Mapped[float] = mapped_column(sa.Float, default=30.0)
    require_consent: Mapped[bool] = mapped_column(default=False)
    lead_fields: Mapped[list[Any]] = mapped_column(default=list)  # custom columns, in order
    amd: Mapped[dict[str, Any]] = mapped_column(default=dict)  # AmdConfig field overrides
    # Changes on every insert and update so the live dialer can notice edits cheaply.
    revision: Mapped[int] = mapped_column(
        default=new_revision, onupdate=new_revision, server_default=sa.text("0")
    )
    created_at: Mapped[dt.datetime] = mapped_column(
        UtcDateTime(), default=lambda: dt.datetime.now(dt.UTC)
    )


class CampaignAgent(Base):
    """An agent who takes a campaign's calls; owned through its campaign."""

    __tablename__ = "campaign_agents"

    campaign_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True
    )
    agent_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True
    )


class Lead(Base):
    """A person a campaign calls, with the dialer's state of that lead."""

    __tablename__ = "leads"
    __table_args__ = (
        sa.UniqueConstraint("campaign_id", "external_id"),
        sa.Index("ix_leads_campaign_id_state", "campaign_id", "state"),
    )

    id: Mapped[uuid.UUID] = _id()
    tenant_id: Mapped[uuid.UUID] = _tenant_fk()
    campaign_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("campaigns.id", ondelete="CASCADE")
    )
    # The CSV's id, else "tel:" + the normalised number ("line-<n>" from older versions).
    external_id: Mapped[str] = mapped_column(sa.String(64))
    number: Mapped[str] = mapped_column(sa.String(64))  # as given; dialer.normalise matches it
    timezone: Mapped[str] = mapped_column(sa.String(64), default="UTC")
    fields: Mapped[dict[str, Any]] = mapped_column(default=dict)
    state: Mapped[str] = mapped_column(sa.String(16), default="pending")  # dialer.LeadState
    attempts: Mapped[int] = mapped_column(default=0)
    outcomes: Mapped[dict[str, Any]] = mapped_column(default=dict)  # AttemptOutcome → count
    due_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), default=None)
    callback_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), default=None)
    last_dial_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), default=None)
    disposition: Mapped[str | None] = mapped_column(sa.String(64), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(
        UtcDateTime(), default=lambda: dt.datetime.now(dt.UTC)
    )


class DoNotCallEntry(Base):
    """A number never to be dialled: by one tenant, or by anyone (no tenant: the platform list)."""

    __tablename__ = "do_not_call"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "number"),)

    id: Mapped[uuid.UUID] = _id()
    tenant_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("tenants.id", ondelete="CASCADE"), default=None
    )
    number: Mapped[str] = mapped_column(sa.String(32))  # dialer.normalise form
    reason: Mapped[str] = mapped_column(sa.String(200), default="")
    added_at: Mapped[dt.datetime] = mapped_column(
        UtcDateTime(), default=lambda: dt.datetime.now(dt.UTC)
    )


class CallAttempt(Base):
    """One dial attempt of a campaign lead.

    Campaign, lead and agent are plain ids, not foreign keys: the record is history and
    outlives a deleted campaign, lead or agent.
    """

    __tablename__ = "call_attempts"

    id: Mapped[uuid.UUID] = _id()
    tenant_id: Mapped[uuid.UUID] = _tenant_fk()
    campaign_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, index=True)
    campaign_name: Mapped[str] = mapped_column(sa.String(64))
    lead_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, index=True)
    number: Mapped[str] = mapped_column(sa.String(64))
    call_id: Mapped[str] = mapped_column(sa.String(64))  # the dialer's "campaign:N"
    sip_call_id: Mapped[str] = mapped_column(sa.String(255), default="")
    started_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    answered_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), default=None)
    bridged_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), default=None)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), default=None)
    sip_status: Mapped[int | None] = mapped_column(default=None)
    result: Mapped[str | None] = mapped_column(sa.String(16), default=None)  # dialer.CallResult
    outcome: Mapped[str | None] = mapped_column(sa.String(16), default=None)  # AttemptOutcome
    amd_result: Mapped[str | None] = mapped_column(sa.String(16), default=None)
    amd_confidence: Mapped[float | None] = mapped_column(sa.Float, default=None)
    amd_seconds: Mapped[float | None] = mapped_column(sa.Float, default=None)
    agent_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, default=None, index=True)
    wait_seconds: Mapped[float | None] = mapped_column(sa.Float, default=None)
    talk_seconds: Mapped[float | None] = mapped_column(sa.Float, default=None)
    disposition: Mapped[str | None] = mapped_column(sa.String(64), default=None)
    consent: Mapped[bool | None] = mapped_column(default=None)
    callback_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), default=None)
    dispositioned_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), default=None)
    recording_path: Mapped[str | None] = mapped_column(sa.String(1024), default=None)
    end_reason: Mapped[str] = mapped_column(sa.String(200), default="")


class UserSession(Base):
    """One login: its token names this row, so a logout or a password change ends it at once."""

    __tablename__ = "user_sessions"

    id: Mapped[uuid.UUID] = _id()
    user_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), index=True)
    source: Mapped[str] = mapped_column(sa.String(64), default="")  # the client address


class AuditEvent(Base):
    """Who did what, when and from where (logins, user and trunk changes, bans, recordings).

    The tenant is a plain id, not a reference, and the actor a name: the history outlives a
    deleted tenant or user. Events of the platform itself (a failed login naming nobody, a
    ban of a source address) have no tenant.
    """

    __tablename__ = "audit_events"
    __table_args__ = (sa.Index("ix_audit_events_tenant_id_at", "tenant_id", "at"),)

    id: Mapped[uuid.UUID] = _id()
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), index=True)
    tenant_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, default=None)
    actor: Mapped[str] = mapped_column(sa.String(200), default="")
    action: Mapped[str] = mapped_column(sa.String(64))
    subject: Mapped[str] = mapped_column(sa.String(200), default="")
    source: Mapped[str] = mapped_column(sa.String(64), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
