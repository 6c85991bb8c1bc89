"""console state

Revision ID: 0013
Revises: 0011
Create Date: 2026-12-07 18:30:00

What the local console keeps between sessions (``bot/console/state.py``): its manual
clock, so time never goes backwards after a restart, and the buttons it showed, so they
still work and can be listed after a restart. One row per name, the value as JSON.

Write plain ``sa`` types here, never the application's own: a migration must not change
when the models do.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0013'
down_revision: str | Sequence[str] | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "console_state",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_console_state")),
    )


def downgrade() -> None:
    op.drop_table("console_state")
