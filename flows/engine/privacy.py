"""A person's data rights: ``my-data export`` and ``my-data delete`` (confirmed).

Everything is limited to the asker's own workspace. The export is sent privately as a
JSON file; the deletion blanks the person's contributions, takes their votes, consent
answers, preferences and memberships away, and anonymises published images (only what
was consented stays: their name and the quotes attributed to them by name go).
Logs carry counts only.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import datetime

from sqlalchemy import select

from flows.content.schema import ContentPack
from flows.effects import DirectFile, Effect, Ephemeral, FileBlob, Place, Remove, Update
from flows.engine import image
from flows.engine.scope import Scope, scope_for_channel
from flows.i18n import N_
from flows.scheduling import actions
from flows.store.models import (Channel, ChannelMember, Contribution, ImageRevision, Person,
                                PublishedImage, Round, ScheduledAction, SummaryDraft)
from flows.views import Choice, Notice

log = logging.getLogger("goedwerk.privacy")
CONFIRM_ACTION = "forget_me_confirm"


def command(scope: Scope, content: ContentPack, mode: str | None) -> list[Effect]:
    """``my-data`` (explain), ``my-data export``, ``my-data delete`` (ask), ``my-data delete confirm``."""
    if mode == "export":
        return export(scope)
    if mode == "delete":
        return [ask_confirmation(scope)]
    if mode == "delete-confirm":
        return forget(scope, content)
    return [scope.tell(N_("About your data in this workspace:\n• '/goedwerk my-data export' sends you privately everything goedwerk stores about you here (JSON).\n• '/goedwerk my-data delete' deletes your contributions, votes, consent answers, preferences and memberships here, and removes your name from published images. You are asked to confirm first."))]


def ask_confirmation(scope: Scope) -> Ephemeral:
    text = scope.t(N_("Delete everything goedwerk stores about you in this workspace? Your contributions are emptied, your votes and consent answers removed, and your name and quotes taken out of published images. This cannot be undone. Confirm with the button or with '/goedwerk my-data delete confirm'."))
    choice = Choice(scope.t(N_("Yes, delete my data")), CONFIRM_ACTION, "yes", primary=True)
    return Ephemeral(scope.place, scope.actor.user, Notice(scope.language, text, choices=(choice,)))


# -- what is stored about a person ------------------------------------------------------

def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _channels(scope: Scope) -> dict[int, Channel]:
    rows = scope.session.scalars(select(Channel).where(Channel.workspace_id == scope.workspace.id))
    return {row.id: row for row in rows}


def _own_contributions(scope: Scope, channels: dict[int, Channel]) -> list[tuple[Contribution, Round]]:
    if not channels:
        return []
    return list(scope.session.execute(
        select(Contribution, Round).join(Round, Contribution.round_id == Round.id)
        .where(Round.channel_id.in_(channels), Contribution.author_id == scope.actor.user)
        .order_by(Contribution.id)).all())


def _drafts(scope: Scope, channels: dict[int, Channel]) -> list[tuple[SummaryDraft, Round]]:
    if not channels:
        return []
    return list(scope.session.execute(
        select(SummaryDraft, Round).join(Round, SummaryDraft.round_id == Round.id)
        .where(Round.channel_id.in_(channels)).order_by(SummaryDraft.id)).all())


def _person(scope: Scope) -> Person | None:
    return scope.session.scalars(select(Person).where(Person.workspace_id == scope.workspace.id,
                                                      Person.external_id == scope.actor.user)).first()


def collect(scope: Scope) -> dict:
    """Everything stored about the asker in this workspace, as JSON-ready data."""
    user = scope.actor.user
    channels = _channels(scope)
    person = _person(scope)
    memberships = scope.session.scalars(select(ChannelMember).where(
        ChannelMember.channel_id.in_(channels), ChannelMember.user_id == user)).all() if channels else []
    contributions = [{
        "id": row.id, "round": round_row.id, "channel": channels[round_row.channel_id].external_id,
        "situation": round_row.situation_number, "topic": row.topic, "text": row.text,
        "anonymous": row.anonymous, "passed": row.passed, "virtues": sorted(v.virtue for v in row.virtues),
        "author_name": row.author_name, "created_at": _iso(row.created_at), "edited_at": _iso(row.edited_at),
        "deleted_at": _iso(row.deleted_at),
    } for row, round_row in _own_contributions(scope, channels)]
    votes, consent = [], []
    for draft, round_row in _drafts(scope, channels):
        image = (draft.content or {}).get("image") or {}
        channel = channels[round_row.channel_id].external_id
        if user in (image.get("votes") or {}):
            votes.append({"round": round_row.id, "channel": channel, "title": image["votes"][user]})
        if user in (image.get("consent") or {}):
            consent.append({"round": round_row.id, "channel": channel, "answer": image["consent"][user]})
    return {
        "format": "goedwerk-my-data/1",
        "exported_at": _iso(scope.now),
        "workspace": {"platform": scope.workspace.platform, "id": scope.workspace.external_id},
        "person": None if person is None else {
            "id": person.external_id, "display_name": person.display_name,
            "reminders_enabled": person.reminders_enabled, "timezone": person.timezone, "locale": person.locale},
        "memberships": [{"channel": channels[m.channel_id].external_id, "since": _iso(m.since)} for m in memberships],
        "contributions": contributions,
        "votes": votes,
        "consent": consent,
    }


def export(scope: Scope) -> list[Effect]:
    data = collect(scope)
    body = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")
    safe = re.sub(r"[^A-Za-z0-9_-]+", "-", scope.actor.user)[:40] or "me"
    blob = FileBlob(f"goedwerk-my-data-{safe}.json", scope.t(N_("Your data in goedwerk")), body, "application/json")
    log.info("data export: %d contributions, %d votes, %d consent answers", len(data["contributions"]),
             len(data["votes"]), len(data["consent"]))
    return [DirectFile(scope.place, scope.actor.user, blob,
                       scope.t(N_("Everything goedwerk stores about you in this workspace."))),
            scope.tell(N_("I have sent you your data privately ({count} contributions)."),
                       count=len(data["contributions"]))]


# -- forgetting a person ----------------------------------------------------------------

_QUOTE = "[„“][^”]*”"  # Dutch „…”, English “…” (flows.i18n.QUOTE_MARKS)


def strip_quotes_by(text: str, names: set[str]) -> str:
    """Drop ``„quote” — Name`` (or ``“quote” — Name``) from a published perspective text for each of ``names``."""
    for name in names:
        text = re.sub(rf"\s*{_QUOTE} — {re.escape(name)}(?=\s*[„“]|\s*$)", "", text)
    return text.strip()


def _scrub_image_dict(image: dict, user: str) -> tuple[dict, int, int]:
    votes = dict(image.get("votes") or {})
    consent = dict(image.get("consent") or {})
    voted, answered = int(votes.pop(user, None) is not None), int(consent.pop(user, None) is not None)
    return {**image, "votes": votes, "consent": consent}, voted, answered


def _redraw_drafts(scope: Scope, content_pack: ContentPack, drafts: list[tuple[SummaryDraft, Round]],
                   channels: dict[int, Channel]) -> list[Effect]:
    """Updates for every draft message of the workspace, composed again from what is left."""
    effects: list[Effect] = []
    for draft, round_row in drafts:
        channel = channels[round_row.channel_id]
        there = scope_for_channel(scope.session, channel, scope.now, scope.language, scope.zone.key)
        view = image.view_of(there, content_pack, round_row, draft)
        effects += [Update(there.place, f"draft:{round_row.id}", view),
                    Update(there.place, f"summary:{round_row.id}", view)]
    return effects


def forget(scope: Scope, content_pack: ContentPack) -> list[Effect]:
    """Delete the asker's data in this workspace; answer with counts.

    The drafts already shown in channels (a closed round's summary, the tail's draft)
    are shown again without the person's words.
    """
    user, session, now = scope.actor.user, scope.session, scope.now
    channels = _channels(scope)
    person = _person(scope)
    names = {user} | ({person.display_name} if person is not None and person.display_name else set())
    effects: list[Effect] = []
    own = _own_contributions(scope, channels)
    names |= {row.author_name for row, _ in own if row.author_name}
    contributions = 0
    own_ids = set()
    for row, round_row in own:
        own_ids.add(row.id)
        if row.deleted_at is None or row.text:
            contributions += 1
        if row.deleted_at is None:
            channel = channels[round_row.channel_id]
            effects.append(Remove(Place(scope.workspace.platform, scope.workspace.external_id, channel.external_id),
                                  f"contribution:{row.id}"))
            row.deleted_at = now
        row.text = ""
        row.virtues = []
    votes = answers = 0
    round_ids = []
    drafts = _drafts(scope, channels)
    for draft, round_row in drafts:
        round_ids.append(round_row.id)
        content = json.loads(json.dumps(draft.content or {}))
        image, voted, answered = _scrub_image_dict(content.get("image") or {}, user)
        votes, answers = votes + voted, answers + answered
        if content.get("image") is not None:
            content["image"] = image
        if content.get("experience_id") in own_ids:
            content.pop("experience_id")
        if content.get("experience_author") in names:
            content["experience"], content["experience_author"] = None, None
        for section in content.get("sections") or []:
            section["quotes"] = [q for q in section.get("quotes") or [] if not (len(q) > 1 and q[1] in names)]
        draft.content = content
    if round_ids:
        for revision in session.scalars(select(ImageRevision).where(ImageRevision.round_id.in_(round_ids))):
            revision.content = _scrub_image_dict(revision.content or {}, user)[0]
        for action in session.scalars(select(ScheduledAction).where(
                ScheduledAction.round_id.in_(round_ids), ScheduledAction.status == actions.PENDING)):
            if action.user_id == user or (action.payload or {}).get("user") == user:
                action.status, action.last_error, action.updated_at = actions.SKIPPED, "person forgotten", now
    images = 0
    if channels:
        for record in session.scalars(select(PublishedImage).where(PublishedImage.channel_id.in_(channels))):
            data = json.loads(json.dumps(record.content or {}))
            before = json.dumps([data, record.experience], sort_keys=True, default=str)
            data["participants"] = [p for p in data.get("participants") or [] if p not in names]
            if data.get("experience_author") in names:
                data["experience_author"] = None
                record.experience = ""
            data["perspectives"] = [[label, strip_quotes_by(text, names)]
                                    for label, text in data.get("perspectives") or []]
            data["perspectives"] = [pair for pair in data["perspectives"] if pair[1]]
            if json.dumps([data, record.experience], sort_keys=True, default=str) != before:
                record.content = data
                images += 1
    memberships = 0
    if channels:
        memberships = session.query(ChannelMember).filter(
            ChannelMember.channel_id.in_(channels), ChannelMember.user_id == user).delete(synchronize_session=False)
    if person is not None:
        session.delete(person)
    session.flush()
    effects += _redraw_drafts(scope, content_pack, drafts, channels)
    log.info("person forgotten: %d contributions, %d votes, %d consent answers, %d memberships, %d images",
             contributions, votes, answers, memberships, images)
    effects.append(scope.tell(
        N_("Your data in this workspace has been deleted: {contributions} contributions, {votes} votes, {answers} consent answers and {memberships} channel memberships; {images} published images no longer name you."),
        contributions=contributions, votes=votes, answers=answers, memberships=memberships, images=images))
    return effects
