"""scheduled actions by channel

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 04:10:00

An index on (channel_id, kind, status): a weekly prompt looks up its channel's other
pending and offered prompts, and without it each look-up read the whole table (which
gains a row per channel every week).

Write plain ``sa`` types here, never the application's own: a migration must not change
when the models do.
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0008'
down_revision: str | Sequence[str] | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_scheduled_actions_channel_kind", "scheduled_actions", ["channel_id", "kind", "status"])


def downgrade() -> None:
    op.drop_index("ix_scheduled_actions_channel_kind", table_name="scheduled_actions")
