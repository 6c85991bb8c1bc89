"""teams conversations and files

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 18:10:00

One row per Microsoft Teams conversation (channel, 1:1 or group chat) that sent goedwerk
an activity: the serviceUrl outbound calls go to, and what a new post or a 1:1 message
needs (team, person, the bot's own id). ``bot/teams/conversations.py`` reads and writes it.

The files goedwerk shares in Teams by link (the published A4 and picture, data exports),
and the expiring links to them (``bot/teams/files.py``).

Write plain ``sa`` types here, never the application's own: a migration must not change
when the models do.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0014'
down_revision: str | Sequence[str] | None = '0013'
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
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("tenant_id", "conversation_id", name=op.f("pk_teams_conversations")),
    )
    op.create_index("ix_teams_conversations_personal", "teams_conversations", ["tenant_id", "user_id"])
    op.create_table(
        "teams_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("mime", sa.String(length=100), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teams_files")),
    )
    op.create_index(op.f("ix_teams_files_tenant_id"), "teams_files", ["tenant_id"])
    op.create_table(
        "teams_file_links",
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["file_id"], ["teams_files.id"], name=op.f("fk_teams_file_links_file_id_teams_files"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("token", name=op.f("pk_teams_file_links")),
    )
    op.create_index(op.f("ix_teams_file_links_file_id"), "teams_file_links", ["file_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_teams_file_links_file_id"), table_name="teams_file_links")
    op.drop_table("teams_file_links")
    op.drop_index(op.f("ix_teams_files_tenant_id"), table_name="teams_files")
    op.drop_table("teams_files")
    op.drop_index("ix_teams_conversations_personal", table_name="teams_conversations")
    op.drop_table("teams_conversations")
