"""Trunks: the tenants the operator shares an outbound trunk with.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add trunks.shared_with (a JSON list of tenant ids; empty: the owner's alone)."""
    # Plain ADD COLUMN, not a batch copy (a copy cascades deletes on SQLite, see 0005).
    op.add_column(
        "trunks",
        sa.Column("shared_with", sa.JSON(), nullable=False, server_default=sa.text("'[]'")),
    )


def downgrade() -> None:
    """Drop the column again."""
    with op.batch_alter_table("trunks") as batch:
        batch.drop_column("shared_with")
