"""Trunks: the password column holds a sealed value (enc:v1:…), longer than the password.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02

The values themselves are sealed by `seatline up` at start (`store.trunks.seal_trunk_passwords`),
which has the secret key a migration does not. Downgrading clears sealed passwords: the older
version would send them to the carrier as they are; enter those trunk passwords again.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Widen trunks.password to text."""
    with op.batch_alter_table("trunks") as batch:
        batch.alter_column(
            "password", type_=sa.Text(), existing_type=sa.String(256), existing_nullable=True
        )


def downgrade() -> None:
    """Clear sealed passwords, then narrow the column back to 256 characters."""
    op.execute("UPDATE trunks SET password = NULL WHERE password LIKE 'enc:v1:%'")
    with op.batch_alter_table("trunks") as batch:
        batch.alter_column(
            "password", type_=sa.String(256), existing_type=sa.Text(), existing_nullable=True
        )
