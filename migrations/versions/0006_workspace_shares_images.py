"""workspace shares images

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 07:03:31.693417

Write plain ``sa`` types here, never the application's own (UTCDateTime is
``sa.DateTime(timezone=True)``): a migration must not change when the models do.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: str | Sequence[str] | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # a plain ADD COLUMN: SQLite supports it with a constant default, no table copy needed
    op.add_column("workspaces", sa.Column("share_images", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("workspaces", schema=None) as batch_op:
        batch_op.drop_column("share_images")
