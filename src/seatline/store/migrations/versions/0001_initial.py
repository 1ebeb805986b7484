"""Initial schema: tenants and their configuration.

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


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


def _code_table(table: str) -> None:
    _owned(
        table,
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("label", sa.String(200), nullable=False),
        sa.UniqueConstraint("tenant_id", "code", name=f"uq_{table}_tenant_id_code"),
    )


def upgrade() -> None:
    """Create every table."""
    op.create_table(
        "tenants",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("slug", sa.String(63), nullable=False),
        sa.Column("time_zone", sa.String(64), nullable=False),
        sa.Column("seat_count", sa.Integer(), nullable=False),
        sa.Column("sip_domain", sa.String(253), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_tenants"),
        sa.UniqueConstraint("slug", name="uq_tenants_slug"),
        sa.UniqueConstraint("sip_domain", name="uq_tenants_sip_domain"),
    )
    _owned(
        "agents",
        sa.Column("extension", sa.String(32), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("ha1_md5", sa.String(32), nullable=False),
        sa.Column("ha1_sha256", sa.String(64), nullable=False),
        sa.Column("max_voice", sa.Integer(), nullable=False),
        sa.Column("max_chat", sa.Integer(), nullable=False),
        sa.Column("max_email", sa.Integer(), nullable=False),
        sa.Column("max_sms", sa.Integer(), nullable=False),
        sa.Column("logged_in", sa.Boolean(), nullable=False),
        sa.Column("logged_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("tenant_id", "extension", name="uq_agents_tenant_id_extension"),
    )
    _owned(
        "users",
        sa.Column("username", sa.String(200), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("role", sa.Enum(native_enum=False, length=32, name="role"), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("agent_id", sa.Uuid(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agents.id"], name="fk_users_agent_id_agents", ondelete="SET NULL"
        ),
        sa.UniqueConstraint("username", name="uq_users_username"),
    )
    _owned(
        "skills",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("description", sa.String(500), nullable=False),
        sa.UniqueConstraint("tenant_id", "name", name="uq_skills_tenant_id_name"),
    )
    op.create_table(
        "agent_skills",
        sa.Column("agent_id", sa.Uuid(), nullable=False),
        sa.Column("skill_id", sa.Uuid(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.CheckConstraint("level BETWEEN 1 AND 10", name="ck_agent_skills_level_range"),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agents.id"], name="fk_agent_skills_agent_id_agents", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["skill_id"], ["skills.id"], name="fk_agent_skills_skill_id_skills", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("agent_id", "skill_id", name="pk_agent_skills"),
    )
    _owned(
        "queues",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column(
            "strategy", sa.Enum(native_enum=False, length=32, name="queuestrategy"), nullable=False
        ),
        sa.Column("skill_expression", sa.String(500), nullable=False),
        sa.Column("service_level_seconds", sa.Integer(), nullable=False),
        sa.Column("max_wait_seconds", sa.Integer(), nullable=True),
        sa.Column("max_length", sa.Integer(), nullable=True),
        sa.Column("wrapup_seconds", sa.Integer(), nullable=False),
        sa.Column("offer_timeout_seconds", sa.Integer(), nullable=False),
        sa.Column("overflow", sa.JSON(), nullable=False),
        sa.UniqueConstraint("tenant_id", "name", name="uq_queues_tenant_id_name"),
    )
    _owned(
        "flows",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.UniqueConstraint("tenant_id", "name", name="uq_flows_tenant_id_name"),
    )
    _owned(
        "numbers",
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("flow_id", sa.Uuid(), nullable=False),
        sa.Column("description", sa.String(200), nullable=False),
        sa.ForeignKeyConstraint(["flow_id"], ["flows.id"], name="fk_numbers_flow_id_flows"),
        sa.UniqueConstraint("number", name="uq_numbers_number"),
    )
    _owned(
        "business_hours",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("ranges", sa.JSON(), nullable=False),
        sa.UniqueConstraint("tenant_id", "name", name="uq_business_hours_tenant_id_name"),
    )
    _owned(
        "holidays",
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.UniqueConstraint("tenant_id", "date", name="uq_holidays_tenant_id_date"),
    )
    _code_table("reason_codes")
    _code_table("dispositions")
    _owned(
        "trunks",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column(
            "direction",
            sa.Enum(native_enum=False, length=32, name="trunkdirection"),
            nullable=False,
        ),
        sa.Column("match_source", sa.String(255), nullable=True),
        sa.Column("match_username", sa.String(128), nullable=True),
        sa.Column("outbound_host", sa.String(255), nullable=True),
        sa.Column("outbound_port", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(128), nullable=True),
        sa.Column("password", sa.String(256), nullable=True),
        sa.UniqueConstraint("tenant_id", "name", name="uq_trunks_tenant_id_name"),
    )


def downgrade() -> None:
    """Drop every table, dependants first."""
    for table in (
        "trunks",
        "dispositions",
        "reason_codes",
        "holidays",
        "business_hours",
        "numbers",
        "flows",
        "queues",
        "agent_skills",
        "skills",
        "users",
        "agents",
        "tenants",
    ):
        op.drop_table(table)
