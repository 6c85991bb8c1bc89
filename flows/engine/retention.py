"""Retention: raw contributions go a set time after a round closes; an uninstalled
workspace goes 30 days after the uninstall unless it came back.

Both are scheduled actions (``purge_round``, ``purge_workspace``); running them writes
no messages, only log lines with counts. A daily ``retention_sweep`` (and ``goedwerk db
repair``) queues the purge of any closed round that lost its own, whatever the cause.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from typing import Any

from sqlalchemy import String, cast, delete, exists, func, literal, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from flows.effects import Effect, Ephemeral, Post
from flows.engine.contributions import RELEASED_KEY_PREFIX
from flows.engine.scope import Refusal, Scope
from flows.i18n import N_
from flows.scheduling import actions
from flows.store import queries
from flows.store.sql import changed
from flows.store.models import (ROUND_CLOSED, Channel, ChannelMember, Contribution, ContributionVirtue,
                                ImageRevision, Person, PublishedImage, Round, ScheduledAction, SummaryDraft,
                                Workspace)
from flows.views import Choice, Notice

log = logging.getLogger("goedwerk.retention")

PURGE_ROUND = "purge_round"
PURGE_WORKSPACE = "purge_workspace"
RETENTION_SWEEP = "retention_sweep"
KINDS = (PURGE_ROUND, PURGE_WORKSPACE, RETENTION_SWEEP)
SWEEP_AT = time(3, 0, tzinfo=timezone.utc)
"""When the daily sweep runs (a quiet hour in Europe)."""
_PURGE_ON_ITS_WAY = (actions.PENDING, actions.CLAIMED, actions.SENDING, actions.SENT)
DEFAULT_DAYS = 90
MIN_DAYS, MAX_DAYS = 1, 3650
WORKSPACE_GRACE = timedelta(days=30)


def round_key(round_id: int) -> str:
    return f"purge:{round_id}"


def workspace_key(platform: str, team: str) -> str:
    return f"purge-workspace:{team}" if platform == "slack" else f"purge-workspace:{platform}:{team}"


def sweep_key(due: datetime) -> str:
    return f"retention-sweep:{due.date().isoformat()}"


def days_of(channel: Channel) -> int:
    return channel.retention_days or DEFAULT_DAYS


# -- rounds -----------------------------------------------------------------------------

def round_closed(scope: Scope, round_row: Round) -> None:
    """Queue the purge of the round's raw contributions (called from rounds.close)."""
    closed = round_row.closed_at or scope.now
    actions.schedule(scope.session, kind=PURGE_ROUND, dedupe_key=round_key(round_row.id),
                     due_at=closed + timedelta(days=days_of(scope.channel)), now=scope.now,
                     workspace_id=scope.workspace.id, channel_id=scope.channel.id, round_id=round_row.id)
    schedule_sweep(scope.session, scope.now)


CONFIRM_ACTION = "retention_confirm"


def command(scope: Scope, days: int | None, confirmed: bool = False) -> list[Effect]:
    """``retention`` shows the channel's retention; ``retention <days>`` sets it.

    Only the facilitator of the channel's latest round (anyone, before the first round) or
    a workspace admin may change it. A shorter period first shows what it would delete at
    once and waits for ``retention <days> confirm`` (or the button); the channel is told
    the new period.
    """
    if days is None:
        return [scope.tell(N_("Contributions in this channel are deleted {days} days after their round closes. Change "
                              "it with '/goedwerk retention <days>' (1 to 3650)."),
                           days=days_of(scope.channel))]
    if not MIN_DAYS <= days <= MAX_DAYS:
        raise Refusal(N_("The retention period must be between 1 and 3650 days."))
    _require_may_change(scope)
    if days < days_of(scope.channel) and not confirmed:
        return [_ask_to_confirm(scope, days)]
    scope.channel.retention_days = days
    # rounds already closed and waiting: move their purge to the new moment
    for action, closed_at in _waiting_purges(scope):
        if closed_at is not None:
            action.due_at, action.updated_at = closed_at + timedelta(days=days), scope.now
    return [Post(scope.place, scope.notice(
        N_("Contributions in this channel are now deleted {days} days after their round closes."), days=days))]


def _require_may_change(scope: Scope) -> None:
    latest = queries.latest_round(scope.session, scope.channel)
    if latest is not None and scope.actor.user != latest.facilitator_id and not scope.actor.is_admin:
        raise Refusal(N_("Only the facilitator of this channel's latest round or a workspace admin can change the "
                         "retention period."))


def _waiting_purges(scope: Scope) -> list[Any]:
    """(purge action, round closed at) for the channel's closed rounds still waiting for theirs."""
    return list(scope.session.execute(
        select(ScheduledAction, Round.closed_at).join(Round, ScheduledAction.round_id == Round.id)
        .where(ScheduledAction.kind == PURGE_ROUND, ScheduledAction.status == actions.PENDING,
               Round.channel_id == scope.channel.id)).all())


def would_delete_now(scope: Scope, days: int) -> tuple[int, int]:
    """(closed rounds whose contributions, unpublished drafts) a period of ``days`` deletes at once."""
    due = [action.round_id for action, closed_at in _waiting_purges(scope)
           if closed_at is not None and closed_at + timedelta(days=days) <= scope.now]
    if not due:
        return 0, 0
    drafts = int(scope.session.scalar(select(func.count()).select_from(SummaryDraft).where(
        SummaryDraft.round_id.in_(due), SummaryDraft.status != "published")) or 0)
    return len(due), drafts


def _ask_to_confirm(scope: Scope, days: int) -> Effect:
    rounds, drafts = would_delete_now(scope, days)
    text = scope.t(N_("A retention period of {days} days is shorter than the current {current}. It would delete right "
                      "away the contributions of closed rounds: {rounds}, and unpublished drafts: {drafts}. Confirm "
                      "with the button or with '/goedwerk retention {days} confirm'."),
                   days=days, current=days_of(scope.channel), rounds=rounds, drafts=drafts)
    choice = Choice(scope.t(N_("Yes, shorten it to {days} days"), days=days), CONFIRM_ACTION, str(days), primary=True)
    return Ephemeral(scope.place, scope.actor.user, Notice(scope.language, text, choices=(choice,)))


def released_keys() -> ColumnElement[str]:
    """SQL for :func:`flows.engine.contributions.released_key` of each row updated."""
    return literal(RELEASED_KEY_PREFIX, String) + cast(Contribution.id, String)


def purge_round(session: Session, round_row: Round, now: datetime) -> int:
    """Blank the round's contributions (text, virtues) and mark them deleted; returns how many."""
    ids = list(session.scalars(select(Contribution.id).where(Contribution.round_id == round_row.id)))
    if not ids:
        return 0
    session.execute(delete(ContributionVirtue).where(ContributionVirtue.contribution_id.in_(ids)))
    session.execute(update(Contribution).where(Contribution.id.in_(ids), Contribution.deleted_at.is_(None))
                    .values(deleted_at=now))
    session.execute(update(Contribution).where(Contribution.id.in_(ids))
                    .values(text="", idempotency_key=released_keys()))
    # the working draft and its edit history quote the contributions too: they go as well
    # (a published image keeps only its consented, published version)
    session.execute(delete(ImageRevision).where(ImageRevision.round_id == round_row.id,
                                                ImageRevision.image_id.is_(None)))
    session.execute(delete(SummaryDraft).where(SummaryDraft.round_id == round_row.id))
    session.expire_all()
    return len(ids)


# -- the daily sweep and `goedwerk db repair` ---------------------------------------------

@dataclass(frozen=True)
class Repaired:
    """What a repair found: closed rounds in all, and purges it had to queue again."""

    closed_rounds: int
    purges_queued: int


def schedule_sweep(session: Session, now: datetime) -> bool:
    """Queue the next daily sweep (once per day: the key carries the date)."""
    due = datetime.combine(now.astimezone(timezone.utc).date(), SWEEP_AT)
    if due <= now:
        due += timedelta(days=1)
    return actions.schedule(session, kind=RETENTION_SWEEP, dedupe_key=sweep_key(due), due_at=due, now=now)


def repair(session: Session, now: datetime) -> Repaired:
    """Give every closed round without a purge on its way (pending, running or done) a
    pending one, due when its channel's retention ends (at once if that has passed)."""
    on_its_way = exists().where(ScheduledAction.round_id == Round.id, ScheduledAction.kind == PURGE_ROUND,
                                ScheduledAction.status.in_(_PURGE_ON_ITS_WAY))
    closed = Round.status == ROUND_CLOSED
    total = int(session.scalar(select(func.count()).select_from(Round).where(closed)) or 0)
    missing = session.execute(select(Round.id, Round.closed_at, Channel.id, Channel.workspace_id,
                                     Channel.retention_days)
                              .join(Channel, Round.channel_id == Channel.id)
                              .where(closed, ~on_its_way)).all()
    for round_id, closed_at, channel_id, workspace_id, days in missing:
        due = (closed_at or now) + timedelta(days=days or DEFAULT_DAYS)
        requeued = changed(session.execute(
            update(ScheduledAction).where(ScheduledAction.dedupe_key == round_key(round_id))
            .values(status=actions.PENDING, due_at=due, lease_owner=None, lease_expires_at=None,
                    last_error="queued again by repair", updated_at=now)
            .execution_options(synchronize_session=False)))
        if not requeued:
            actions.schedule(session, kind=PURGE_ROUND, dedupe_key=round_key(round_id), due_at=due, now=now,
                             workspace_id=workspace_id, channel_id=channel_id, round_id=round_id)
    if missing:
        log.warning("retention repair: %d of %d closed rounds had no purge; queued", len(missing), total)
    return Repaired(total, len(missing))


# -- workspaces -------------------------------------------------------------------------

def workspace_uninstalled(session: Session, workspace: Workspace, now: datetime) -> None:
    """Note the uninstall and queue the workspace's purge 30 days later (once per uninstall)."""
    workspace.uninstalled_at = now
    key = workspace_key(workspace.platform, workspace.external_id)
    due = now + WORKSPACE_GRACE
    existing = session.scalars(select(ScheduledAction).where(ScheduledAction.dedupe_key == key)).first()
    if existing is not None and existing.status == actions.PENDING:
        existing.due_at, existing.updated_at = due, now
        return
    if existing is not None and existing.status not in actions.OPEN_STATES:
        session.delete(existing)  # an earlier uninstall that was cancelled by a reinstall
        session.flush()
    actions.schedule(session, kind=PURGE_WORKSPACE, dedupe_key=key, due_at=due, now=now,
                     payload={"workspace_id": workspace.id, "platform": workspace.platform,
                              "team": workspace.external_id})


def counts(session: Session, workspace_id: int) -> dict[str, int]:
    """How many of the main rows hang off a workspace."""
    channels = select(Channel.id).where(Channel.workspace_id == workspace_id).scalar_subquery()
    rounds = select(Round.id).where(Round.channel_id.in_(channels)).scalar_subquery()

    def count(model: type[Any], *where: ColumnElement[bool]) -> int:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)

    return {
        "channels": count(Channel, Channel.workspace_id == workspace_id),
        "people": count(Person, Person.workspace_id == workspace_id),
        "memberships": count(ChannelMember, ChannelMember.channel_id.in_(channels)),
        "rounds": count(Round, Round.channel_id.in_(channels)),
        "contributions": count(Contribution, Contribution.round_id.in_(rounds)),
        "published_images": count(PublishedImage, PublishedImage.channel_id.in_(channels)),
    }


def purge_workspace(session: Session, workspace: Workspace) -> dict[str, int]:
    """Delete the workspace; everything under it cascades. Returns the counts of what went."""
    found = counts(session, workspace.id)
    session.execute(delete(Workspace).where(Workspace.id == workspace.id))
    session.expire_all()
    return found


# -- running the scheduled actions ------------------------------------------------------

def run(session: Session, row: ScheduledAction, action_id: int, owner: str, now: datetime) -> None:
    """Run a claimed ``purge_round``, ``purge_workspace`` or ``retention_sweep``; settles it
    itself (nothing to send)."""
    if row.kind == RETENTION_SWEEP:
        repaired = repair(session, now)
        schedule_sweep(session, now)
        actions.settle(session, action_id, owner, actions.SENT, now,
                       result=f"{repaired.purges_queued} of {repaired.closed_rounds} closed rounds queued")
        return None
    if row.kind == PURGE_ROUND:
        round_row = session.get(Round, row.round_id) if row.round_id else None
        if round_row is None or round_row.status != ROUND_CLOSED:
            actions.settle(session, action_id, owner, actions.SKIPPED, now, error="round gone")
            return None
        purged = purge_round(session, round_row, now)
        log.info("retention: round %s purged, %d contributions blanked", round_row.id, purged)
        actions.settle(session, action_id, owner, actions.SENT, now, result=f"{purged} contributions")
        return None
    workspace = session.get(Workspace, int(row.payload.get("workspace_id", 0) or 0))
    if workspace is None or workspace.uninstalled_at is None or workspace.uninstalled_at + WORKSPACE_GRACE > now:
        actions.settle(session, action_id, owner, actions.SKIPPED, now,
                       error="reinstalled" if workspace is not None else "workspace gone")
        return None
    found = purge_workspace(session, workspace)
    log.warning("retention: uninstalled workspace purged (%s)", ", ".join(f"{k} {v}" for k, v in found.items()))
    actions.settle(session, action_id, owner, actions.SENT, now,
                   result=", ".join(f"{k} {v}" for k, v in found.items())[:255])
    return None
