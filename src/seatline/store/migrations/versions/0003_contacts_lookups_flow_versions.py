"""Contact records (with legs and offers), tenant lookup tables, and flow versions.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

import datetime as dt
import uuid

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _enum(name: str) -> sa.Enum:
    return sa.Enum(native_enum=False, length=32, name=name)


def _when(name: str, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _owned(table: str, *columns: sa.Column[object] | sa.Constraint) -> None:
    """Create a tenant-owned table: id, tenant_id (cascade) plus its own columns."""
    op.create_table(
        table,
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        *columns,
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=f"fk_{table}_tenant_id_tenants", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=f"pk_{table}"),
    )
    op.create_index(f"ix_{table}_tenant_id", table, ["tenant_id"])


def _child(table: str, parent: str, *columns: sa.Column[object]) -> None:
    """Create a table owned through `parent`: id plus contact_id (cascade) plus its columns."""
    op.create_table(
        table,
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("contact_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        *columns,
        sa.ForeignKeyConstraint(
            ["contact_id"],
            [f"{parent}.id"],
            name=f"fk_{table}_contact_id_{parent}",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=f"pk_{table}"),
    )
    op.create_index(f"ix_{table}_contact_id", table, ["contact_id"])


def _contacts() -> None:
    _owned(
        "contacts",
        sa.Column("channel", _enum("channel"), nullable=False),
        sa.Column("direction", _enum("contactdirection"), nullable=False),
        sa.Column("dialled_number", sa.String(64), nullable=False),
        sa.Column("caller_number", sa.String(64), nullable=False),
        sa.Column("caller_name", sa.String(200), nullable=False),
        _when("arrived_at", nullable=False),
        _when("flow_ended_at"),
        _when("enqueued_at"),
        _when("answered_at"),
        _when("ended_at"),
        sa.Column("outcome", _enum("contactoutcome"), nullable=False),
        sa.Column("queue_id", sa.Uuid(), nullable=True),
        sa.Column("queue_name", sa.String(64), nullable=True),
        sa.Column("agent_id", sa.Uuid(), nullable=True),
        sa.Column("disposition", sa.String(64), nullable=True),
        sa.Column("flow_id", sa.Uuid(), nullable=True),
        sa.Column("flow_name", sa.String(64), nullable=True),
        sa.Column("flow_version", sa.Integer(), nullable=True),
        sa.Column("flow_path", sa.JSON(), nullable=False),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.Column("wait_seconds", sa.Float(), nullable=True),
        sa.Column("talk_seconds", sa.Float(), nullable=True),
        sa.Column("recording_path", sa.String(1024), nullable=True),
        sa.Column("voicemail_path", sa.String(1024), nullable=True),
        sa.Column("end_reason", sa.String(200), nullable=False),
    )
    op.create_index("ix_contacts_tenant_id_arrived_at", "contacts", ["tenant_id", "arrived_at"])
    op.create_index("ix_contacts_agent_id", "contacts", ["agent_id"])
    _child(
        "contact_legs",
        "contacts",
        sa.Column("sip_call_id", sa.String(255), nullable=False),
        sa.Column("peer", sa.String(255), nullable=False),
        sa.Column("role", _enum("legrole"), nullable=False),
        _when("started_at", nullable=False),
        _when("answered_at"),
        _when("ended_at"),
        sa.Column("end_reason", sa.String(200), nullable=False),
    )
    _child(
        "contact_offers",
        "contacts",
        sa.Column("agent_id", sa.Uuid(), nullable=False),
        _when("offered_at", nullable=False),
        sa.Column("outcome", _enum("offeroutcome"), nullable=False),
        _when("ended_at"),
    )


def _lookups() -> None:
    _owned(
        "lookup_tables",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("key_column", sa.String(64), nullable=False),
        sa.Column("columns", sa.JSON(), nullable=False),
        sa.UniqueConstraint("tenant_id", "name", name="uq_lookup_tables_tenant_id_name"),
    )
    op.create_table(
        "lookup_rows",
        sa.Column("table_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["table_id"],
            ["lookup_tables.id"],
            name="fk_lookup_rows_table_id_lookup_tables",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("table_id", "key", name="pk_lookup_rows"),
    )


def _flow_versions() -> None:
    with op.batch_alter_table("flows") as batch:
        batch.add_column(
            sa.Column("version", sa.Integer(), nullable=False, server_default=sa.text("1"))
        )
    op.create_table(
        "flow_versions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("flow_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        _when("created_at", nullable=False),
        sa.Column("created_by", sa.String(200), nullable=True),
        sa.ForeignKeyConstraint(
            ["flow_id"], ["flows.id"], name="fk_flow_versions_flow_id_flows", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_flow_versions"),
        sa.UniqueConstraint("flow_id", "version", name="uq_flow_versions_flow_id_version"),
    )
    op.create_index("ix_flow_versions_flow_id", "flow_versions", ["flow_id"])
    # Existing flows start their history with what they hold now, as version 1.
    flows = sa.table("flows", sa.column("id", sa.Uuid()), sa.column("definition", sa.JSON()))
    versions = sa.table(
        "flow_versions",
        sa.column("id", sa.Uuid()),
        sa.column("flow_id", sa.Uuid()),
        sa.column("version", sa.Integer()),
        sa.column("definition", sa.JSON()),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    connection = op.get_bind()
    now = dt.datetime.now(dt.UTC)
    if connection.dialect.name == "sqlite":
        now = now.replace(tzinfo=None)  # the models keep UTC without an offset on SQLite
    rows = [
        {
            "id": uuid.uuid4(),
            "flow_id": flow_id,
            "version": 1,
            "definition": definition,
            "created_at": now,
        }
        for flow_id, definition in connection.execute(sa.select(flows.c.id, flows.c.definition))
    ]
    if rows:
        connection.execute(versions.insert(), rows)


def upgrade() -> None:
    """Create contacts, contact_legs, contact_offers, lookup_tables, lookup_rows, flow_versions."""
    _contacts()
    _lookups()
    _flow_versions()


def downgrade() -> None:
    """Drop the new tables and flows.version."""
    op.drop_table("flow_versions")
    with op.batch_alter_table("flows") as batch:
        batch.drop_column("version")
    for table in ("lookup_rows", "lookup_tables", "contact_offers", "contact_legs", "contacts"):
        op.drop_table(table)
