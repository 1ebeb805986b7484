"""Agents: the wanted availability (ready, not-ready reason) and when it last changed.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add agents.ready, agents.not_ready_reason and agents.state_changed_at."""
    with op.batch_alter_table("agents") as batch:
        # The server default fills existing rows, so the column can be NOT NULL at once.
        batch.add_column(
            sa.Column("ready", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("not_ready_reason", sa.String(64), nullable=True))
        batch.add_column(sa.Column("state_changed_at", sa.DateTime(timezone=True), nullable=True))
    # Agents logged in before this revision are in the state a login now gives: not ready,
    # reason "login", since their login; they say ready once, as after any login.
    agents = sa.table(
        "agents",
        sa.column("logged_in", sa.Boolean()),
        sa.column("logged_in_at", sa.DateTime(timezone=True)),
        sa.column("not_ready_reason", sa.String(64)),
        sa.column("state_changed_at", sa.DateTime(timezone=True)),
    )
    op.execute(
        agents.update()
        .where(agents.c.logged_in.is_(True))
        .values(not_ready_reason="login", state_changed_at=agents.c.logged_in_at)
    )


def downgrade() -> None:
    """Drop the three columns again."""
    with op.batch_alter_table("agents") as batch:
        batch.drop_column("state_changed_at")
        batch.drop_column("not_ready_reason")
        batch.drop_column("ready")
