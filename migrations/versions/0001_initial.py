"""The initial schema: goedwerk's tables and slack_sdk's installation tables.

Revision ID: 0001
Revises:
Create Date: 2026-11-29

Plain ``sa`` types only, so this file never changes when the models do: the models'
``UTCDateTime`` is ``sa.DateTime(timezone=True)`` here (``timestamptz`` on
PostgreSQL). slack_sdk's own date columns are naive ``sa.DateTime()``, as slack_sdk
declares them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = sa.DateTime(timezone=True)


def _pk(*columns: str, table: str) -> sa.PrimaryKeyConstraint:
    return sa.PrimaryKeyConstraint(*columns, name=op.f(f"pk_{table}"))


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete="CASCADE"
    )


def _uq(table: str, *columns: str) -> sa.UniqueConstraint:
    return sa.UniqueConstraint(*columns, name=op.f(f"uq_{table}_{'_'.join(columns)}"))


def upgrade() -> None:
    _create_slack_tables()
    _create_team_tables()
    _create_round_tables()
    _create_machinery_tables()


def downgrade() -> None:
    for table in (
        "processed_events",
        "message_refs",
        "scheduled_actions",
        "summary_drafts",
        "contribution_virtues",
        "contributions",
        "round_steps",
        "rounds",
        "channel_members",
        "people",
        "channels",
        "workspaces",
        "slack_oauth_states",
        "slack_bots",
        "slack_installations",
    ):
        op.drop_table(table)


def _create_slack_tables() -> None:
    """slack_sdk's SQLAlchemy installation store and OAuth state store."""
    op.create_table(
        "slack_installations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("client_id", sa.String(length=32), nullable=False),
        sa.Column("app_id", sa.String(length=32), nullable=False),
        sa.Column("enterprise_id", sa.String(length=32), nullable=True),
        sa.Column("enterprise_name", sa.String(length=200), nullable=True),
        sa.Column("enterprise_url", sa.String(length=200), nullable=True),
        sa.Column("team_id", sa.String(length=32), nullable=True),
        sa.Column("team_name", sa.String(length=200), nullable=True),
        sa.Column("bot_token", sa.String(length=200), nullable=True),
        sa.Column("bot_id", sa.String(length=32), nullable=True),
        sa.Column("bot_user_id", sa.String(length=32), nullable=True),
        sa.Column("bot_scopes", sa.String(length=1000), nullable=True),
        sa.Column("bot_refresh_token", sa.String(length=200), nullable=True),
        sa.Column("bot_token_expires_at", sa.DateTime(), nullable=True),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("user_token", sa.String(length=200), nullable=True),
        sa.Column("user_scopes", sa.String(length=1000), nullable=True),
        sa.Column("user_refresh_token", sa.String(length=200), nullable=True),
        sa.Column("user_token_expires_at", sa.DateTime(), nullable=True),
        sa.Column("incoming_webhook_url", sa.String(length=200), nullable=True),
        sa.Column("incoming_webhook_channel", sa.String(length=200), nullable=True),
        sa.Column("incoming_webhook_channel_id", sa.String(length=200), nullable=True),
        sa.Column("incoming_webhook_configuration_url", sa.String(length=200), nullable=True),
        sa.Column("is_enterprise_install", sa.Boolean(), nullable=False),
        sa.Column("token_type", sa.String(length=32), nullable=True),
        sa.Column("installed_at", sa.DateTime(), nullable=False),
        _pk("id", table="slack_installations"),
    )
    op.create_index(
        "slack_installations_idx",
        "slack_installations",
        ["client_id", "enterprise_id", "team_id", "user_id", "installed_at"],
    )
    op.create_table(
        "slack_bots",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("client_id", sa.String(length=32), nullable=False),
        sa.Column("app_id", sa.String(length=32), nullable=False),
        sa.Column("enterprise_id", sa.String(length=32), nullable=True),
        sa.Column("enterprise_name", sa.String(length=200), nullable=True),
        sa.Column("team_id", sa.String(length=32), nullable=True),
        sa.Column("team_name", sa.String(length=200), nullable=True),
        sa.Column("bot_token", sa.String(length=200), nullable=True),
        sa.Column("bot_id", sa.String(length=32), nullable=True),
        sa.Column("bot_user_id", sa.String(length=32), nullable=True),
        sa.Column("bot_scopes", sa.String(length=1000), nullable=True),
        sa.Column("bot_refresh_token", sa.String(length=200), nullable=True),
        sa.Column("bot_token_expires_at", sa.DateTime(), nullable=True),
        sa.Column("is_enterprise_install", sa.Boolean(), nullable=False),
        sa.Column("installed_at", sa.DateTime(), nullable=False),
        _pk("id", table="slack_bots"),
    )
    op.create_index(
        "slack_bots_idx", "slack_bots", ["client_id", "enterprise_id", "team_id", "installed_at"]
    )
    op.create_table(
        "slack_oauth_states",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("state", sa.String(length=200), nullable=False),
        sa.Column("expire_at", sa.DateTime(), nullable=False),
        _pk("id", table="slack_oauth_states"),
    )


def _create_team_tables() -> None:
    """Workspaces, their channels and people, and who is in which channel."""
    op.create_table(
        "workspaces",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("uninstalled_at", UTC, nullable=True),
        _pk("id", table="workspaces"),
        _uq("workspaces", "platform", "external_id"),
    )
    op.create_table(
        "channels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("retention_days", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        _fk("channels", "workspace_id", "workspaces"),
        _pk("id", table="channels"),
        _uq("channels", "workspace_id", "external_id"),
    )
    op.create_table(
        "people",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=255), nullable=True),
        sa.Column("reminders_enabled", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("locale", sa.String(length=16), nullable=True),
        _fk("people", "workspace_id", "workspaces"),
        _pk("id", table="people"),
        _uq("people", "workspace_id", "external_id"),
    )
    op.create_table(
        "channel_members",
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("since", UTC, nullable=False),
        _fk("channel_members", "channel_id", "channels"),
        _pk("channel_id", "user_id", table="channel_members"),
    )


def _create_round_tables() -> None:
    """Rounds with their steps, contributions and virtues, and the summary draft."""
    op.create_table(
        "rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("situation_number", sa.Integer(), nullable=False),
        sa.Column("plan", sa.String(length=400), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("step_index", sa.Integer(), nullable=False),
        sa.Column("facilitator_id", sa.String(length=64), nullable=False),
        sa.Column("started_by", sa.String(length=64), nullable=False),
        sa.Column("started_at", UTC, nullable=False),
        sa.Column("deadline_at", UTC, nullable=False),
        sa.Column("closed_at", UTC, nullable=True),
        _fk("rounds", "channel_id", "channels"),
        _pk("id", table="rounds"),
    )
    op.create_index(op.f("ix_rounds_channel_id"), "rounds", ["channel_id"])
    # At most one active round per channel: a partial unique index on both dialects.
    op.create_index(
        "uq_rounds_one_active_per_channel",
        "rounds",
        ["channel_id"],
        unique=True,
        sqlite_where=sa.text("status = 'active'"),
        postgresql_where=sa.text("status = 'active'"),
    )
    op.create_table(
        "round_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("starts_at", UTC, nullable=False),
        sa.Column("ends_at", UTC, nullable=False),
        sa.Column("opened_at", UTC, nullable=True),
        _fk("round_steps", "round_id", "rounds"),
        _pk("id", table="round_steps"),
        _uq("round_steps", "round_id", "position"),
    )
    op.create_table(
        "contributions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(length=40), nullable=False),
        sa.Column("author_id", sa.String(length=64), nullable=False),
        sa.Column("author_name", sa.String(length=255), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("edited_at", UTC, nullable=True),
        sa.Column("deleted_at", UTC, nullable=True),
        _fk("contributions", "round_id", "rounds"),
        _pk("id", table="contributions"),
        _uq("contributions", "idempotency_key"),
    )
    op.create_index(op.f("ix_contributions_author_id"), "contributions", ["author_id"])
    op.create_index("ix_contributions_round_topic", "contributions", ["round_id", "topic"])
    op.create_table(
        "contribution_virtues",
        sa.Column("contribution_id", sa.Integer(), nullable=False),
        sa.Column("virtue", sa.String(length=80), nullable=False),
        _fk("contribution_virtues", "contribution_id", "contributions"),
        _pk("contribution_id", "virtue", table="contribution_virtues"),
    )
    op.create_table(
        "summary_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.Column("published_at", UTC, nullable=True),
        _fk("summary_drafts", "round_id", "rounds"),
        _pk("id", table="summary_drafts"),
        _uq("summary_drafts", "round_id"),
    )


def _create_machinery_tables() -> None:
    """Scheduled actions, platform message references and processed event ids."""
    op.create_table(
        "scheduled_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=True),
        sa.Column("channel_id", sa.Integer(), nullable=True),
        sa.Column("round_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.String(length=64), nullable=True),
        sa.Column("due_at", UTC, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("lease_owner", sa.String(length=80), nullable=True),
        sa.Column("lease_expires_at", UTC, nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("result", sa.String(length=255), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        _fk("scheduled_actions", "channel_id", "channels"),
        _fk("scheduled_actions", "round_id", "rounds"),
        _fk("scheduled_actions", "workspace_id", "workspaces"),
        _pk("id", table="scheduled_actions"),
        _uq("scheduled_actions", "dedupe_key"),
    )
    op.create_index("ix_scheduled_actions_status_due", "scheduled_actions", ["status", "due_at"])
    op.create_table(
        "message_refs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("ref", sa.String(length=64), nullable=False),
        sa.Column("thread_ref", sa.String(length=64), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        _fk("message_refs", "channel_id", "channels"),
        _pk("id", table="message_refs"),
        _uq("message_refs", "channel_id", "key"),
    )
    op.create_table(
        "processed_events",
        sa.Column("event_id", sa.String(length=128), nullable=False),
        sa.Column("received_at", UTC, nullable=False),
        _pk("event_id", table="processed_events"),
    )
    op.create_index(op.f("ix_processed_events_received_at"), "processed_events", ["received_at"])
