"""scheduled actions by round

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 09:20:00

An index on (round_id, due_at): claiming checks a round's earlier open work, and
deleting a round cascades to its actions.

Write plain ``sa`` types here, never the application's own (UTCDateTime is
``sa.DateTime(timezone=True)``): a migration must not change when the models do.
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0007'
down_revision: str | Sequence[str] | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_scheduled_actions_round_due", "scheduled_actions", ["round_id", "due_at"])


def downgrade() -> None:
    op.drop_index("ix_scheduled_actions_round_due", table_name="scheduled_actions")
