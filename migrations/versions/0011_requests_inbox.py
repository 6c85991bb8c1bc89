"""requests inbox

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-07 18:10:00

Every acknowledged request of a person (slash command, click, form, shortcut, event) is
a row here before its acknowledgement, until a worker in any process has done its work
(``bot/runtime/inbox.py``); then the row is deleted. Times are seconds since the epoch.

Write plain ``sa`` types here, never the application's own: a migration must not change
when the models do.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0011'
down_revision: str | Sequence[str] | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "requests_inbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("request_key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("lane", sa.String(length=200), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("received_at", sa.Float(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("owner", sa.String(length=100), nullable=True),
        sa.Column("lease_until", sa.Float(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("effects", sa.LargeBinary(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_requests_inbox")),
        sa.UniqueConstraint("platform", "request_key", name="uq_requests_inbox_platform_request_key"),
    )
    op.create_index("ix_requests_inbox_lane", "requests_inbox", ["platform", "lane", "id"])


def downgrade() -> None:
    op.drop_index("ix_requests_inbox_lane", table_name="requests_inbox")
    op.drop_table("requests_inbox")
