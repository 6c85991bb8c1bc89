"""pending confirmations

Revision ID: 0012
Revises: 0014
Create Date: 2026-12-07 18:10:00

A request that waits for its author's ``bevestig``: a round whose plan leaves out part
of the method, or closing a round before its staart. One row per person and channel.

Write plain ``sa`` types here, never the application's own: a migration must not change
when the models do.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0012'
down_revision: str | Sequence[str] | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pending_confirmations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["channel_id"], ["channels.id"], name=op.f("fk_pending_confirmations_channel_id_channels"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_confirmations")),
        sa.UniqueConstraint("channel_id", "user_id", name=op.f("uq_pending_confirmations_channel_id_user_id")),
    )


def downgrade() -> None:
    op.drop_table("pending_confirmations")
