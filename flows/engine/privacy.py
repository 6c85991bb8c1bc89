"""A person's data rights: ``my-data export`` and ``my-data delete`` (confirmed).

Everything is limited to the asker's own workspace. The export is sent privately as a
JSON file and lists everything the deletion would take away. The deletion removes the
person's contributions, votes, consent answers, preferences and memberships, puts
:data:`ERASED` where a row needs someone's id (facilitator, publisher, editor), and takes
their name and words (anonymous ones too) out of drafts and published images, which are
drawn again. Logs carry counts only.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from flows.content.schema import ContentPack
from flows.effects import DirectFile, Effect, Ephemeral, FileBlob, Place, Remove, Update, Upload
from flows.engine import image, keys, own_words
from flows.engine.scope import Scope, scope_for_channel
from flows.i18n import N_
from flows.store.base import Base
from flows.store.models import (
    Channel,
    ChannelMember,
    Contribution,
    ImageRevision,
    MessageRef,
    PendingConfirmation,
    Person,
    Picture,
    PublishedImage,
    Round,
    ScheduledAction,
    SummaryDraft,
)
from flows.views import Choice, Notice

log = logging.getLogger("goedwerk.privacy")
CONFIRM_ACTION = "forget_me_confirm"


def command(scope: Scope, content: ContentPack, mode: str | None) -> list[Effect]:
    """``my-data`` (explain), ``my-data export``, ``my-data delete`` (ask); the engine runs
    ``my-data delete confirm`` itself (:func:`forget`, then the adapters' share)."""
    if mode == "export":
        return export(scope)
    if mode == "delete":
        return [ask_confirmation(scope)]
    return [scope.tell(N_("About your data in this workspace:\n• '/goedwerk my-data export' sends you privately "
                          "everything goedwerk stores about you here (JSON).\n• '/goedwerk my-data delete' deletes "
                          "your contributions, votes, consent answers, preferences and memberships here, and removes "
                          "your name from published images. You are asked to confirm first."))]


def ask_confirmation(scope: Scope) -> Ephemeral:
    text = scope.t(N_("Delete everything goedwerk stores about you in this workspace? Your contributions are deleted, "
                      "your votes and consent answers removed, and your name and words, the anonymous ones too, taken "
                      "out of drafts and published images. This cannot be undone. Confirm with the button or with "
                      "'/goedwerk my-data delete confirm'."))
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


def collect(scope: Scope) -> dict[str, Any]:
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
    also = _also_erased(scope, channels, person)
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
        "also_erased": also,
    }


def _also_erased(scope: Scope, channels: dict[int, Channel], person: Person | None) -> dict[str, Any]:
    """Everything else about the person that :func:`forget` would take away."""
    user, session = scope.actor.user, scope.session
    own = _own_contributions(scope, channels)
    names = _names(scope, person, own)
    round_rows = list(session.scalars(select(Round).where(Round.channel_id.in_(channels)))) if channels else []
    ids = [row.id for row in round_rows]
    words = own_words.words_of(session, ids, [user]) | typed_by(session, ids, user)
    channel_of = {row.id: channels[row.channel_id].external_id for row in round_rows}
    rounds = [{"round": row.id, "channel": channel_of[row.id],
               "as": [role for role, who in (("facilitator", row.facilitator_id), ("starter", row.started_by))
                      if who == user]}
              for row in round_rows if user in (row.facilitator_id, row.started_by)]
    drafts = []
    for draft, round_row in _drafts(scope, channels):
        content = draft.content or {}
        quotes = [q[0] for section in content.get("sections") or [] for q in section.get("quotes") or []
                  if (len(q) > 1 and q[1] in names) or q[0] in words]
        if content.get("experience_author") in names or content.get("experience") in words:
            quotes.insert(0, content.get("experience"))
        typed = content.get("image") or {}
        typed_texts = (typed.get("experience"), typed.get("narrative"), *(typed.get("extra_titles") or []))
        quotes += [text for text in typed_texts
                   if text and text in words]
        if quotes:
            drafts.append({"round": round_row.id, "channel": channel_of[round_row.id], "your_words": quotes})
    images = []
    for record in session.scalars(select(PublishedImage).where(PublishedImage.channel_id.in_(channels))) \
            if channels else []:
        data = record.content or {}
        texts = [text for _, text in data.get("perspectives") or []] + [record.narrative or ""]
        found = sorted({word for word in words if any(f"“{word}”" in text for text in texts)}
                       | ({record.experience} if record.experience in words else set()))
        named = any(name in (data.get("participants") or []) or data.get("experience_author") == name
                    or any(f" — {name}" in text for text in texts) for name in names)
        if found or named or record.published_by == user:
            images.append({"id": record.id, "channel": channels[record.channel_id].external_id,
                           "title": record.title, "names_you": named, "your_words": found,
                           "published_by_you": record.published_by == user})
    edits = [{"round": row.round_id, "at": _iso(row.created_at)} for row in session.scalars(
        select(ImageRevision).where(ImageRevision.round_id.in_(ids), ImageRevision.editor_id == user))] if ids else []
    pictures = [{"round": row.round_id, "uploaded_at": _iso(row.created_at)} for row in session.scalars(
        select(Picture).where(Picture.round_id.in_(ids), Picture.uploaded_by == user))] if ids else []
    planned = [{"kind": row.kind, "due_at": _iso(row.due_at), "status": row.status}
               for row in session.scalars(select(ScheduledAction).where(
                   ScheduledAction.workspace_id == scope.workspace.id).order_by(ScheduledAction.id))
               if _concerns(row, user)]
    return {"rounds": rounds, "drafts": drafts, "published_images": images, "image_edits": edits,
            "pictures": pictures, "scheduled_actions": planned}


def export(scope: Scope, adapter_records: dict[str, Any] | None = None) -> list[Effect]:
    """The person's data as a private JSON file; ``adapter_records`` is what the adapters store
    about them (:meth:`Engine.on_person_described`), listed with what erasure also removes."""
    data = collect(scope)
    data["also_erased"].update(adapter_records or {})
    body = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")
    safe = re.sub(r"[^A-Za-z0-9_-]+", "-", scope.actor.user)[:40] or "me"
    blob = FileBlob(f"goedwerk-my-data-{safe}.json", scope.t(N_("Your data in goedwerk")), body, "application/json")
    log.info("data export: %d contributions, %d votes, %d consent answers", len(data["contributions"]),
             len(data["votes"]), len(data["consent"]))
    return [DirectFile(scope.place, scope.actor.user, blob,
                       scope.t(N_("Everything goedwerk stores about you in this workspace."))),
            scope.tell_n("I have sent you your data privately ({count} contribution).",
                         "I have sent you your data privately ({count} contributions).", len(data["contributions"]))]


# -- forgetting a person ----------------------------------------------------------------

ERASED = "-"
"""Stands in for an erased person's id where a row needs one (who facilitated, published,
edited or uploaded)."""
_QUOTE = "[„“][^”]*”"  # Dutch „…”, English “…” (flows.i18n.QUOTE_MARKS)


def _tidy(text: str) -> str:
    """Each line's spacing folded, empty lines dropped (a quote per line stays a line)."""
    return "\n".join(line for line in (" ".join(part.split()) for part in text.splitlines()) if line)


def strip_quotes_by(text: str, names: set[str]) -> str:
    """Drop ``„quote” — Name`` (or ``“quote” — Name``) from a published perspective text for each of ``names``."""
    stripped = text
    for name in names:
        stripped = re.sub(rf"\s*{_QUOTE} — {re.escape(name)}(?=\s*[„“]|\s*$)", "", stripped)
    return stripped.strip() if stripped != text else text


def strip_words(text: str, words: set[str]) -> str:
    """Drop every quote of ``words`` (the person's anonymous quotes), with the "— anonymous"
    that follows it, from a text."""
    stripped = text
    for word in sorted(words, key=len, reverse=True):
        stripped = re.sub(rf"[„“]{re.escape(word)}”(?: — [^\n„“]*)?", "", stripped)
    return _tidy(stripped) if stripped != text else text


def strip_sentences(text: str, words: set[str]) -> str:
    """Drop every sentence that holds one of ``words`` (the narrative's first version quotes
    the tail without quotation marks)."""
    found = [word for word in words if len(word) >= 12 and word in text]
    if not found:
        return text
    sentences = re.split(r"(?<=[.!?])\s+", text)
    return " ".join(sentence for sentence in sentences if not any(word in sentence for word in found))


ADAPTER_STATE = "console_state"
"""What an adapter keeps between sessions (``bot/console/state.py``: the console's clock and
the buttons it showed, with who saw and pressed them)."""


def _mentions(value: object, user: str) -> bool:
    if isinstance(value, dict):
        return any(_mentions(item, user) for item in value.values())
    if isinstance(value, list):
        return any(_mentions(item, user) for item in value)
    return bool(value == user)


def forget_in_adapter_state(session: Session, user: str) -> int:
    """Delete every piece of adapter state that names ``user`` (e.g. the console's list of
    buttons: it is rebuilt as buttons are shown again). The number of pieces deleted."""
    table = Base.metadata.tables.get(ADAPTER_STATE)  # declared by the console adapter, when loaded
    if table is None:
        return 0
    names = [name for name, value in session.execute(select(table.c.name, table.c.value)) if _mentions(value, user)]
    if names:
        session.execute(delete(table).where(table.c.name.in_(names)))
    return len(names)


def _scrub_image_dict(image: dict[str, Any], user: str) -> tuple[dict[str, Any], int, int]:
    votes = dict(image.get("votes") or {})
    consent = dict(image.get("consent") or {})
    voted, answered = int(votes.pop(user, None) is not None), int(consent.pop(user, None) is not None)
    return {**image, "votes": votes, "consent": consent}, voted, answered


def _names(scope: Scope, person: Person | None, own: list[tuple[Contribution, Round]]) -> set[str]:
    """Every name the person is shown by: their id, display name and names on their contributions."""
    names = {scope.actor.user} | ({person.display_name} if person is not None and person.display_name else set())
    return names | {row.author_name for row, _ in own if row.author_name}


def typed_by(session: Session, round_ids: list[int], user: str) -> set[str]:
    """What the person typed into drafts of the image (experience, narrative, own titles),
    read from the edit history: each value a revision of theirs brought in."""
    typed: set[str] = set()
    if not round_ids:
        return typed
    before: dict[int, dict[str, Any]] = {}
    for revision in session.scalars(select(ImageRevision).where(ImageRevision.round_id.in_(round_ids))
                                    .order_by(ImageRevision.id)):
        content, previous = revision.content or {}, before.get(revision.round_id, {})
        if revision.editor_id == user:
            typed |= {content[field] for field in ("experience", "narrative")
                      if content.get(field) and content.get(field) != previous.get(field)}
            typed |= set(content.get("extra_titles") or []) - set(previous.get("extra_titles") or [])
        before[revision.round_id] = content
    return typed


def _without_typed(image_dict: dict[str, Any], typed: set[str]) -> dict[str, Any]:
    """A draft image without the texts the person typed (and the votes for their titles)."""
    image_dict = dict(image_dict)
    for field in ("experience", "narrative", "title"):
        if image_dict.get(field) in typed:
            image_dict[field] = None
    image_dict["extra_titles"] = [title for title in image_dict.get("extra_titles") or [] if title not in typed]
    image_dict["votes"] = {who: title for who, title in (image_dict.get("votes") or {}).items() if title not in typed}
    return image_dict


def _scrub_draft(content: dict[str, Any], user: str, names: set[str], words: set[str],
                 own_ids: set[int]) -> tuple[dict[str, Any], int, int]:
    """A draft's content without the person: votes, consent, quotes, experience, titles, and
    (``words`` holding what they typed) their own texts in the image."""
    content = json.loads(json.dumps(content or {}))
    image_dict, voted, answered = _scrub_image_dict(content.get("image") or {}, user)
    image_dict = _without_typed(image_dict, words)
    if content.get("image") is not None:
        content["image"] = image_dict
    if content.get("experience_id") in own_ids:
        content.pop("experience_id")
    if content.get("experience_author") in names or content.get("experience") in words:
        content["experience"], content["experience_author"] = None, None
    for section in content.get("sections") or []:
        section["quotes"] = [q for q in section.get("quotes") or []
                             if not (len(q) > 1 and q[1] in names) and q[0] not in words]
    if content.get("title_suggestions"):
        content["title_suggestions"] = [title for title in content["title_suggestions"] if title not in words]
    return content, voted, answered


def _scrub_published(record: PublishedImage, names: set[str], words: set[str]) -> bool:
    """The published image without the person's name and words; True when it changed."""
    data = json.loads(json.dumps(record.content or {}))
    before = json.dumps([data, record.experience, record.narrative, record.title], sort_keys=True, default=str)
    data["participants"] = [p for p in data.get("participants") or [] if p not in names]
    if data.get("experience_author") in names or record.experience in words:
        data["experience_author"] = None
        record.experience = ""
    if record.narrative in words:
        record.narrative = ""
    data["perspectives"] = [[label, strip_words(strip_quotes_by(text, names), words)]
                            for label, text in data.get("perspectives") or []]
    data["perspectives"] = [pair for pair in data["perspectives"] if pair[1]]
    record.narrative = strip_sentences(strip_words(strip_quotes_by(record.narrative or "", names), words), words)
    if record.title in words:
        record.title = str(data.get("situation") or "")[:200]
    if record.published_by in names:
        record.published_by = ERASED
    changed = json.dumps([data, record.experience, record.narrative, record.title], sort_keys=True,
                         default=str) != before
    record.content = data
    return changed


def _concerns(action: ScheduledAction, user: str) -> bool:
    """Whether a planned action is about ``user`` (a reminder, a consent question, …): every
    such action carries its person in ``user_id`` (and its payload)."""
    return action.user_id == user or (action.payload or {}).get("user") == user


def _redraw_drafts(scope: Scope, content_pack: ContentPack, drafts: list[tuple[SummaryDraft, Round]],
                   channels: dict[int, Channel]) -> list[Effect]:
    """Updates for every draft message of the workspace, composed again from what is left."""
    effects: list[Effect] = []
    for draft, round_row in drafts:
        channel = channels[round_row.channel_id]
        there = scope_for_channel(scope.session, channel, scope.now, scope.language, scope.zone.key)
        view = image.view_of(there, content_pack, round_row, draft)
        effects += [Update(there.place, keys.draft(round_row.id), view),
                    Update(there.place, keys.summary(round_row.id), view)]
    return effects


def _republish(scope: Scope, record: PublishedImage, channel: Channel) -> list[Effect]:
    """The changed image drawn again and shared in its channel, which is told why."""
    there = scope_for_channel(scope.session, channel, scope.now, scope.language, scope.zone.key)
    card = image.card_of_record(record, there.language, there.zone)
    key = keys.image(record.id)
    # the collection's link moves to the new files
    scope.session.execute(delete(MessageRef).where(MessageRef.channel_id == channel.id, MessageRef.key == key))
    return [Upload(there.place, image.rendered_files(scope.session, card),
                   there.t(N_("An image of good work in this channel has changed: someone asked for their words and "
                              "name to be removed. This is the new version of “{title}”."),
                           title=card.title), key=key)]


def forget(scope: Scope, content_pack: ContentPack) -> list[Effect]:
    """Delete the asker's data in this workspace; answer with counts.

    Their contributions go (rows and all), their id and names leave every row that held
    them, and their words, named or anonymous, leave drafts and published images. The
    drafts already shown in channels are shown again without them; a published image that
    changed is drawn again and shared, and its channel told.
    """
    user, session = scope.actor.user, scope.session
    channels = _channels(scope)
    person = _person(scope)
    own = _own_contributions(scope, channels)
    names = _names(scope, person, own)
    round_ids = list(session.scalars(select(Round.id).where(Round.channel_id.in_(channels)))) if channels else []
    words = own_words.words_of(session, round_ids, [user]) | typed_by(session, round_ids, user)
    effects: list[Effect] = []
    own_ids = {row.id for row, _ in own}
    contributions = sum(1 for row, _ in own if row.deleted_at is None or row.text)
    for row, round_row in own:
        if row.deleted_at is None:
            channel = channels[round_row.channel_id]
            effects.append(Remove(Place(scope.workspace.platform, scope.workspace.external_id, channel.external_id),
                                  keys.contribution(row.id)))
        session.delete(row)
    votes = answers = 0
    drafts = _drafts(scope, channels)
    for draft, _ in drafts:
        draft.content, voted, answered = _scrub_draft(draft.content, user, names, words, own_ids)
        votes, answers = votes + voted, answers + answered
    if round_ids:
        for revision in session.scalars(select(ImageRevision).where(ImageRevision.round_id.in_(round_ids))):
            revision.content = _scrub_draft({"image": revision.content or {}}, user, names, words, own_ids)[0]["image"]
            if revision.editor_id == user:
                revision.editor_id = ERASED
        for picture in session.scalars(select(Picture).where(Picture.round_id.in_(round_ids),
                                                             Picture.uploaded_by == user)):
            picture.uploaded_by = ERASED
        for round_row in session.scalars(select(Round).where(Round.id.in_(round_ids))):
            if round_row.facilitator_id == user:
                round_row.facilitator_id = ERASED
            if round_row.started_by == user:
                round_row.started_by = ERASED
    for action in session.scalars(select(ScheduledAction).where(ScheduledAction.workspace_id == scope.workspace.id)):
        if _concerns(action, user):
            session.delete(action)
    images = 0
    if channels:
        for record in session.scalars(select(PublishedImage).where(PublishedImage.channel_id.in_(channels))):
            if _scrub_published(record, names, words):
                images += 1
                if record.removed_at is None:
                    effects += _republish(scope, record, channels[record.channel_id])
    memberships = 0
    if channels:
        memberships = session.query(ChannelMember).filter(
            ChannelMember.channel_id.in_(channels), ChannelMember.user_id == user).delete(synchronize_session=False)
        session.query(PendingConfirmation).filter(  # a start or close waiting for their 'bevestig'
            PendingConfirmation.channel_id.in_(channels),
            PendingConfirmation.user_id == user).delete(synchronize_session=False)
    forget_in_adapter_state(session, user)
    if person is not None:
        session.delete(person)
    session.flush()
    effects += _redraw_drafts(scope, content_pack, drafts, channels)
    log.info("person forgotten: %d contributions, %d votes, %d consent answers, %d memberships, %d images",
             contributions, votes, answers, memberships, images)
    effects.append(scope.tell(
        N_("Your data in this workspace has been deleted: {contributions} contributions, {votes} votes, {answers} "
           "consent answers and {memberships} channel memberships; {images} published images no longer name you."),
        contributions=contributions, votes=votes, answers=answers, memberships=memberships, images=images))
    return effects
