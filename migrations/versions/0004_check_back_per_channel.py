"""check-back per channel

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 06:56:30.294456

Write plain ``sa`` types here, never the application's own (UTCDateTime is
``sa.DateTime(timezone=True)``): a migration must not change when the models do.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | Sequence[str] | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # a plain ADD COLUMN: SQLite supports it with a constant default, no table copy needed
    op.add_column("channels", sa.Column("checkback_enabled", sa.Boolean(), server_default=sa.true(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("channels", schema=None) as batch_op:
        batch_op.drop_column("checkback_enabled")
