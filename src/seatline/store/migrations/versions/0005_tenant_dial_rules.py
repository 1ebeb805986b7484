"""Tenants: the dial rules that say which external numbers their flows may transfer to.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add tenants.dial_allowed and tenants.dial_denied (JSON lists, empty: no transfers)."""
    # Plain ADD COLUMN, not a batch table copy: on SQLite a copy of `tenants` would drop the
    # old table, and with foreign keys on, that cascades into every tenant-owned row.
    for name in ("dial_allowed", "dial_denied"):
        op.add_column(
            "tenants",
            sa.Column(name, sa.JSON(), nullable=False, server_default=sa.text("'[]'")),
        )


def downgrade() -> None:
    """Drop the two columns again."""
    with op.batch_alter_table("tenants") as batch:
        batch.drop_column("dial_denied")
        batch.drop_column("dial_allowed")
