"""Trunks: outbound dial prefixes, and a revision the switch polls to apply changes live.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add trunks.outbound_prefixes (empty for existing rows) and trunks.revision."""
    # Server defaults fill the rows that already exist, so both columns can be NOT NULL.
    with op.batch_alter_table("trunks") as batch:
        batch.add_column(
            sa.Column(
                "outbound_prefixes", sa.JSON(), nullable=False, server_default=sa.text("'[]'")
            )
        )
        batch.add_column(
            sa.Column("revision", sa.Integer(), nullable=False, server_default=sa.text("0"))
        )


def downgrade() -> None:
    """Drop both columns again."""
    with op.batch_alter_table("trunks") as batch:
        batch.drop_column("revision")
        batch.drop_column("outbound_prefixes")
