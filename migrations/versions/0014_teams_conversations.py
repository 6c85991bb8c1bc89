"""teams conversations

Revision ID: 0014
Revises: 0009
Create Date: 2026-12-07 18:10:00

One row per Microsoft Teams conversation (channel, 1:1 or group chat) that sent goedwerk
an activity: the serviceUrl outbound calls go to, and what a new post or a 1:1 message
needs (team, person, the bot's own id). ``bot/teams/conversations.py`` reads and writes it.

Write plain ``sa`` types here, never the application's own: a migration must not change
when the models do.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0014'
down_revision: str | Sequence[str] | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "teams_conversations",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("conversation_id", sa.String(length=255), nullable=False),
        sa.Column("service_url", sa.String(length=512), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("team_id", sa.String(length=255), nullable=True),
        sa.Column("user_id", sa.String(length=255), nullable=True),
        sa.Column("bot_id", sa.String(length=255), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "conversation_id", name=op.f("pk_teams_conversations")),
    )
    op.create_index("ix_teams_conversations_personal", "teams_conversations", ["tenant_id", "user_id"])


def downgrade() -> None:
    op.drop_index("ix_teams_conversations_personal", table_name="teams_conversations")
    op.drop_table("teams_conversations")
