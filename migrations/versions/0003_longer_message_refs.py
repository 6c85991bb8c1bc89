"""longer message refs

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 06:48:11.155873

Write plain ``sa`` types here, never the application's own (UTCDateTime is
``sa.DateTime(timezone=True)``): a migration must not change when the models do.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: str | Sequence[str] | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _message_refs(ref_length: int) -> sa.Table:
    """The table as it stands before the change, so SQLite's batch mode needs no reflection
    (which offline ``--sql`` mode cannot do)."""
    return sa.Table(
        "message_refs", sa.MetaData(),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("ref", sa.String(length=ref_length), nullable=False),
        sa.Column("thread_ref", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["channel_id"], ["channels.id"], name="fk_message_refs_channel_id_channels",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_message_refs"),
        sa.UniqueConstraint("channel_id", "key", name="uq_message_refs_channel_id_key"),
    )


def upgrade() -> None:
    with op.batch_alter_table("message_refs", copy_from=_message_refs(64)) as batch_op:
        batch_op.alter_column("ref", existing_type=sa.String(length=64), type_=sa.String(length=255),
                              existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("message_refs", copy_from=_message_refs(255)) as batch_op:
        batch_op.alter_column("ref", existing_type=sa.String(length=255), type_=sa.String(length=64),
                              existing_nullable=False)
