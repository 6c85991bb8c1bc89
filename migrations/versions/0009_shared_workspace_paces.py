"""shared workspace paces

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 11:30:00

One row per Slack workspace that answered 429 lately: its hold and spacing, shared by
every process that posts (``bot/slack/shared_paces.py``), so several dispatchers
together keep to one workspace's pace. Times are seconds since the epoch.

Write plain ``sa`` types here, never the application's own: a migration must not change
when the models do.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: str | Sequence[str] | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "slack_workspace_paces",
        sa.Column("team_id", sa.String(length=64), nullable=False),
        sa.Column("held_until", sa.Float(), nullable=False),
        sa.Column("spacing", sa.Float(), nullable=False),
        sa.Column("set_at", sa.Float(), nullable=False),
        sa.Column("next_slot", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("team_id", name=op.f("pk_slack_workspace_paces")),
    )


def downgrade() -> None:
    op.drop_table("slack_workspace_paces")
