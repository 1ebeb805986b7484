"""Outbound campaigns: campaigns, their agents, leads, do-not-call lists and call attempts.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _when(name: str, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _tenant_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["tenant_id"], ["tenants.id"], name=f"fk_{table}_tenant_id_tenants", ondelete="CASCADE"
    )


def _campaigns() -> None:
    op.create_table(
        "campaigns",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("caller_id", sa.String(64), nullable=False),
        sa.Column("caller_name", sa.String(200), nullable=False),
        sa.Column("abandon_cap", sa.Float(), nullable=False),
        sa.Column("ring_timeout", sa.Float(), nullable=False),
        sa.Column("max_wait_for_agent", sa.Float(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("retries", sa.JSON(), nullable=False),
        sa.Column("window_start", sa.Integer(), nullable=False),
        sa.Column("window_end", sa.Integer(), nullable=False),
        sa.Column("window_days", sa.JSON(), nullable=False),
        sa.Column("wrap_up_seconds", sa.Float(), nullable=False),
        sa.Column("require_consent", sa.Boolean(), nullable=False),
        sa.Column("lead_fields", sa.JSON(), nullable=False),
        sa.Column("amd", sa.JSON(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False, server_default=sa.text("0")),
        _when("created_at", nullable=False),
        _tenant_fk("campaigns"),
        sa.PrimaryKeyConstraint("id", name="pk_campaigns"),
        sa.UniqueConstraint("tenant_id", "name", name="uq_campaigns_tenant_id_name"),
    )
    op.create_index("ix_campaigns_tenant_id", "campaigns", ["tenant_id"])
    op.create_table(
        "campaign_agents",
        sa.Column("campaign_id", sa.Uuid(), nullable=False),
        sa.Column("agent_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name="fk_campaign_agents_campaign_id_campaigns",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["agents.id"],
            name="fk_campaign_agents_agent_id_agents",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("campaign_id", "agent_id", name="pk_campaign_agents"),
    )


def _leads() -> None:
    op.create_table(
        "leads",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("campaign_id", sa.Uuid(), nullable=False),
        sa.Column("external_id", sa.String(64), nullable=False),
        sa.Column("number", sa.String(64), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("outcomes", sa.JSON(), nullable=False),
        _when("due_at"),
        _when("callback_at"),
        _when("last_dial_at"),
        sa.Column("disposition", sa.String(64), nullable=True),
        _when("created_at", nullable=False),
        _tenant_fk("leads"),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name="fk_leads_campaign_id_campaigns",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_leads"),
        sa.UniqueConstraint("campaign_id", "external_id", name="uq_leads_campaign_id_external_id"),
    )
    op.create_index("ix_leads_tenant_id", "leads", ["tenant_id"])
    op.create_index("ix_leads_campaign_id_state", "leads", ["campaign_id", "state"])


def _do_not_call() -> None:
    op.create_table(
        "do_not_call",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=True),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("reason", sa.String(200), nullable=False),
        _when("added_at", nullable=False),
        _tenant_fk("do_not_call"),
        sa.PrimaryKeyConstraint("id", name="pk_do_not_call"),
        sa.UniqueConstraint("tenant_id", "number", name="uq_do_not_call_tenant_id_number"),
    )


def _call_attempts() -> None:
    op.create_table(
        "call_attempts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("campaign_id", sa.Uuid(), nullable=False),
        sa.Column("campaign_name", sa.String(64), nullable=False),
        sa.Column("lead_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.String(64), nullable=False),
        sa.Column("call_id", sa.String(64), nullable=False),
        sa.Column("sip_call_id", sa.String(255), nullable=False),
        _when("started_at", nullable=False),
        _when("answered_at"),
        _when("bridged_at"),
        _when("ended_at"),
        sa.Column("sip_status", sa.Integer(), nullable=True),
        sa.Column("result", sa.String(16), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.Column("amd_result", sa.String(16), nullable=True),
        sa.Column("amd_confidence", sa.Float(), nullable=True),
        sa.Column("amd_seconds", sa.Float(), nullable=True),
        sa.Column("agent_id", sa.Uuid(), nullable=True),
        sa.Column("wait_seconds", sa.Float(), nullable=True),
        sa.Column("talk_seconds", sa.Float(), nullable=True),
        sa.Column("disposition", sa.String(64), nullable=True),
        sa.Column("consent", sa.Boolean(), nullable=True),
        _when("callback_at"),
        _when("dispositioned_at"),
        sa.Column("recording_path", sa.String(1024), nullable=True),
        sa.Column("end_reason", sa.String(200), nullable=False),
        _tenant_fk("call_attempts"),
        sa.PrimaryKeyConstraint("id", name="pk_call_attempts"),
    )
    for column in ("tenant_id", "campaign_id", "lead_id", "agent_id"):
        op.create_index(f"ix_call_attempts_{column}", "call_attempts", [column])


def upgrade() -> None:
    """Create campaigns, campaign_agents, leads, do_not_call and call_attempts."""
    _campaigns()
    _leads()
    _do_not_call()
    _call_attempts()


def downgrade() -> None:
    """Drop the five tables (children first)."""
    for table in ("call_attempts", "do_not_call", "leads", "campaign_agents", "campaigns"):
        op.drop_table(table)
