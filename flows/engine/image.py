"""From draft to published image of good work: edits, title vote, picture, consent, publication.

The draft's working state lives in ``SummaryDraft.content["image"]``; every change
is also kept as an :class:`ImageRevision`. Publishing asks everyone quoted by name
for consent first (approve, anonymise, remove; no answer within 48 hours counts as
anonymise), then renders the rich A4 (PDF) and its card (PNG), shares both in the
channel and stores the published version.
"""

from __future__ import annotations

import re
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from dataclasses import replace
from datetime import timedelta

from sqlalchemy import func, select

from flows.content.schema import ContentPack
from flows.effects import DirectMessage, Effect, Ephemeral, FileBlob, Post, Update, Upload
from flows.engine import checkback, own_words, presenters, rounds
from flows.engine.plan import TAIL, parse_plan
from flows.engine.scope import Refusal, Scope
from flows.i18n import LANGUAGES, N_, mention_marker, quoted, t
from flows.scheduling import actions
from flows.store import queries
from flows.store.models import ROUND_ACTIVE, ROUND_CLOSED, Channel, ImageRevision, Picture, PublishedImage, Round, SummaryDraft
from flows.summary.card import ImageCard
from flows.summary.draft import scaffold
from flows.summary.pictures import BUILTIN_PICTURES, PICTURE_NAMES, check_picture, emoji_drawable
from flows.views import Choice, ConsentRequest, Notice, ImageForm, ImageItem, ImageList, PublishedView, SummaryView

CONSENT_REQUEST = "consent_request"
CONSENT_DEADLINE = "consent_deadline"
CONSENT_WINDOW = timedelta(hours=48)
DECISIONS = {"ja": "approve", "yes": "approve", "approve": "approve",
             "anoniem": "anonymise", "anonymous": "anonymise", "anonymise": "anonymise",
             "nee": "remove", "no": "remove", "remove": "remove"}
MAX_TITLE, MAX_FIELD = 120, 3000
_EMOJI = re.compile(r"^:[a-z0-9_+-]{1,60}:$|^[^\w\s]{1,8}$")


# -- state -------------------------------------------------------------------------------

def _workable_round(scope: Scope) -> Round:
    """The round whose image the team works on: the latest, once it reached its tail or closed."""
    round_row = queries.latest_round(scope.session, scope.channel)
    if round_row is not None and round_row.status == ROUND_ACTIVE:
        plan = parse_plan(round_row.plan)
        if plan.steps[round_row.step_index].kind == "tail":
            return round_row
    return _closed_round(scope)


def _refresh(scope: Scope, content: ContentPack, round_row: Round, stored: SummaryDraft) -> list[Effect]:
    """Update the draft where it shows: under the tail's prompt and as the closing summary."""
    view = view_of(scope, content, round_row, stored)
    return [Update(scope.place, f"draft:{round_row.id}", view), Update(scope.place, f"summary:{round_row.id}", view)]


def _closed_round(scope: Scope) -> Round:
    round_row = queries.latest_round(scope.session, scope.channel)
    if round_row is None or round_row.status != ROUND_CLOSED:
        raise Refusal(N_("The image of good work is made after a round has closed. Close the round first."))
    return round_row


def _stored(scope: Scope, round_row: Round) -> SummaryDraft:
    """The round's draft, locked for this transaction (PostgreSQL), so that a vote, an edit
    and a picture choice handled at the same time never overwrite each other's changes."""
    query = select(SummaryDraft).where(SummaryDraft.round_id == round_row.id).with_for_update()
    stored = scope.session.scalars(query).first()
    if stored is None:
        raise Refusal(N_("This round has no draft to work on."))
    return stored


def _image(stored: SummaryDraft) -> dict:
    return {"title": None, "experience": None, "narrative": None, "picture": None, "votes": {}, "extra_titles": [],
            "consent": {}, **stored.content.get("image", {})}


def _save(scope: Scope, round_row: Round, stored: SummaryDraft, image: dict) -> None:
    stored.content = {**stored.content, "image": image}
    stored.updated_at = scope.now
    scope.session.add(ImageRevision(round_id=round_row.id, editor_id=scope.actor.user, content=image,
                                    created_at=scope.now))


def view_of(scope: Scope, content: ContentPack, round_row: Round, stored: SummaryDraft) -> SummaryView:
    """The draft as composed from the contributions, with the team's edits and votes applied."""
    draft = rounds.draft_for(scope, content, round_row, final=round_row.status == ROUND_CLOSED)
    image = _image(stored)
    suggestions = tuple(dict.fromkeys([*draft.title_suggestions, *image["extra_titles"]]))
    votes = Counter(image["votes"].values())
    return replace(
        draft, title_suggestions=suggestions,
        title_votes=tuple((title, votes.get(title, 0)) for title in suggestions),
        title=image["title"],
        experience=image["experience"] or draft.experience,
        experience_author=None if image["experience"] else draft.experience_author,
        narrative=image["narrative"] or draft.narrative, narrative_is_scaffold=not image["narrative"]
        and bool(draft.narrative), picture=image["picture"], status=stored.status,
        choices=() if stored.status != "draft" else (
            Choice(scope.t(N_("Edit")), "image_text", str(round_row.id)),
            Choice(scope.t(N_("Vote for a title")), "image_vote", str(round_row.id)),
            Choice(scope.t(N_("Picture")), "image_picture", str(round_row.id)),
            *((Choice(scope.t(N_("Publish")), "publish", str(round_row.id), primary=True),)
              if round_row.status == ROUND_CLOSED else ())),
    )


def winning_title(view: SummaryView, votes: dict[str, str], facilitator: str) -> str:
    """The title the facilitator or image builder set; else the most chosen title (the
    facilitator's vote breaks a tie); no votes: the first suggestion, or a plain heading."""
    if view.title:
        return view.title
    counts = Counter(votes.values())
    if not counts:
        return view.title_suggestions[0] if view.title_suggestions else t(view.language, "Our image of good work")
    best = max(counts.values())
    tied = [title for title in view.title_suggestions if counts.get(title) == best]
    if len(tied) > 1 and votes.get(facilitator) in tied:
        return votes[facilitator]
    return tied[0]


# -- the team works on the draft ---------------------------------------------------------

def show(scope: Scope, content: ContentPack) -> list[Effect]:
    round_row = _workable_round(scope)
    return [Ephemeral(scope.place, scope.actor.user, view_of(scope, content, round_row, _stored(scope, round_row)))]


def edit(scope: Scope, content: ContentPack, field_name: str, value: str) -> list[Effect]:
    """``titel``, ``ervaring``, ``verhaal`` or ``plaatje`` of the draft, by anyone in the channel."""
    round_row = _workable_round(scope)
    stored = _stored(scope, round_row)
    if stored.status == "published":
        raise Refusal(N_("This image of good work has been published already."))
    image = _image(stored)
    value = value.strip()
    if field_name == "title":
        if not may_build(scope, round_row, stored):
            raise Refusal(N_("Only the facilitator or the image builder sets the title. Propose one with '/goedwerk vote <your title>'."))
        if not value or len(value) > MAX_TITLE:
            raise Refusal(N_("A title has 1 to {limit} characters."), limit=MAX_TITLE)
        image["title"] = value
        image["extra_titles"] = [*(title for title in image["extra_titles"] if title != value), value][-10:]
    elif field_name == "picture":
        builtin = builtin_picture(value)
        if builtin is None and not _EMOJI.match(value):
            raise Refusal(N_("Choose a picture: {pictures}, or one emoji."),
                          pictures=", ".join(label for _, label in picture_choices(scope.language)))
        if builtin is None and not value.startswith(":") and not emoji_drawable(value):
            raise Refusal(N_("That emoji cannot be printed on the A4. Choose another emoji or one of: {pictures}."),
                          pictures=", ".join(label for _, label in picture_choices(scope.language)))
        image["picture"] = f"builtin:{builtin}" if builtin is not None else f"emoji:{value}"
    else:
        if len(value) > MAX_FIELD:
            raise Refusal(N_("Your text has {length} characters; the limit is {limit}. Nothing was stored."),
                          length=len(value), limit=MAX_FIELD)
        image[field_name] = value or None
    _save(scope, round_row, stored, image)
    return [*_refresh(scope, content, round_row, stored), scope.tell(N_("The draft has been updated."))]


def picture_choices(language: str) -> tuple[tuple[str, str], ...]:
    """The built-in pictures as (stored name, name shown in ``language``)."""
    return tuple((name, t(language, PICTURE_NAMES[name])) for name in BUILTIN_PICTURES)


def builtin_picture(typed: str) -> str | None:
    """The built-in picture someone named, in any of our languages ("brug" or "bridge"); None if none."""
    wanted = typed.strip().casefold()
    for language in LANGUAGES:
        for name, label in picture_choices(language):
            if wanted in (name, label.casefold()):
                return name
    return None


def vote(scope: Scope, content: ContentPack, choice: str) -> list[Effect]:
    """Vote for suggestion ``n`` (1-based) or for a title of your own."""
    round_row = _workable_round(scope)
    stored = _stored(scope, round_row)
    view = view_of(scope, content, round_row, stored)
    choice = choice.strip()
    if choice.isdigit():
        number = int(choice)
        if not 1 <= number <= len(view.title_suggestions):
            raise Refusal(N_("There is no title {number}."), number=number)
        return edit_vote(scope, content, round_row, stored, view.title_suggestions[number - 1])
    if stored.status == "published":
        raise Refusal(N_("This image of good work has been published already."))
    if len(choice) > MAX_TITLE:
        raise Refusal(N_("A title has 1 to {limit} characters."), limit=MAX_TITLE)
    image = _image(stored)
    image["extra_titles"] = [*(title for title in image["extra_titles"] if title != choice), choice][-10:]
    stored.content = {**stored.content, "image": image}
    return edit_vote(scope, content, round_row, stored, choice)


def edit_vote(scope: Scope, content: ContentPack, round_row: Round, stored: SummaryDraft, title: str) -> list[Effect]:
    """Count the person's vote; the draft is shown once, where it is (no second copy for the voter)."""
    image = _image(stored)
    image["votes"] = {**image["votes"], scope.actor.user: title}
    _save(scope, round_row, stored, image)
    return [*_refresh(scope, content, round_row, stored),
            scope.tell(N_("Your vote for {title} is counted."), title=quoted(scope.language, title))]


# -- the image builder ---------------------------------------------------------------------

BUILDER = "image_builder"


def may_build(scope: Scope, round_row: Round, stored: SummaryDraft | None) -> bool:
    """Whether the actor may edit the draft like the facilitator: the facilitator, an admin
    or the image builder the facilitator named."""
    builder = (stored.content or {}).get(BUILDER) if stored is not None else None
    return rounds.may_facilitate(scope, round_row) or (builder is not None and builder == scope.actor.user)


def name_builder(scope: Scope, content: ContentPack, user: str) -> list[Effect]:
    """``beeldbouwer @naam``: the facilitator names who builds the image with them."""
    round_row = queries.active_round(scope.session, scope.channel) or queries.latest_round(scope.session, scope.channel)
    if round_row is None:
        raise Refusal(N_("There is no round in this channel yet. Start one with '/goedwerk start'."))
    rounds.require_facilitator(scope, round_row)
    stored = scope.session.scalars(select(SummaryDraft).where(SummaryDraft.round_id == round_row.id)).first()
    if stored is None:
        stored = SummaryDraft(round_id=round_row.id, content={}, status="draft", created_at=scope.now,
                              updated_at=scope.now)
        scope.session.add(stored)
    stored.content = {**(stored.content or {}), BUILDER: user}
    stored.updated_at = scope.now
    queries.note_member(scope.session, scope.channel, user, scope.now)
    return [Post(scope.place, Notice(scope.language, scope.t(
        N_("{user} builds the image of good work with the facilitator: they may set the title and edit the draft."),
        user=mention_marker(user))))]


def form(scope: Scope, content: ContentPack, part: str, round_value: str) -> ImageForm:
    """The form behind the draft's Edit, Vote and Picture buttons (ids from buttons are untrusted)."""
    round_row = _workable_round(scope)
    if round_value != str(round_row.id) or part not in ("text", "vote", "picture"):
        raise Refusal(N_("That button is no longer in use."))
    stored = _stored(scope, round_row)
    if stored.status != "draft":
        raise Refusal(N_("This image of good work has been published already."))
    view = view_of(scope, content, round_row, stored)
    stories = tuple((row.id, row.text[:70]) for row in queries.contributions(scope.session, round_row)
                    if row.topic == "kop" and not row.passed and row.text)
    return ImageForm(scope.language, round_row.id, part, title=winning_title(view, _image(stored)["votes"],
                                                                             round_row.facilitator_id),
                     experience=view.experience or "", narrative=view.narrative or "", stories=stories,
                     may_pick_story=rounds.may_facilitate(scope, round_row),
                     suggestions=view.title_suggestions, pictures=picture_choices(scope.language))


def submit(scope: Scope, content: ContentPack, event) -> list[Effect]:
    """Apply a submitted image form (an :class:`flows.events.EditImage`)."""
    round_row = _workable_round(scope)
    if event.round_id is not None and event.round_id != round_row.id:
        raise Refusal(N_("That button is no longer in use."))
    effects: list[Effect] = []
    if event.picture_bytes is not None:
        effects += upload_picture(scope, content, round_row, event.picture_bytes)
    if event.story is not None:
        effects += rounds.pick_experience(scope, content, event.story)
    shown = view_of(scope, content, round_row, _stored(scope, round_row))
    for field_name in ("experience", "narrative", "picture"):
        value = getattr(event, field_name)
        # the form shows the current texts: one sent back unchanged is no edit (and keeps its author)
        if value is not None and value.strip() and value.strip() != (getattr(shown, field_name) or "").strip():
            effects += edit(scope, content, field_name, value)
    if event.title and event.title.strip():
        stored = _stored(scope, round_row)
        current = winning_title(view_of(scope, content, round_row, stored), _image(stored)["votes"],
                                round_row.facilitator_id)
        if event.title.strip() != current:  # the form shows the current title: unchanged is no edit
            # the facilitator and the image builder set the title; anyone else proposes it with their vote
            effects += (edit(scope, content, "title", event.title) if may_build(scope, round_row, stored)
                        else vote(scope, content, event.title))
    if event.vote:
        effects += vote(scope, content, event.vote)
    return effects or [scope.tell(N_("Nothing was changed."))]


def upload_picture(scope: Scope, content: ContentPack, round_row: Round, data: bytes) -> list[Effect]:
    """Keep an uploaded PNG or JPEG as the draft's picture (checked as an image first)."""
    stored = _stored(scope, round_row)
    if stored.status != "draft":
        raise Refusal(N_("This image of good work has been published already."))
    try:
        mime = check_picture(data)
    except ValueError:
        raise Refusal(N_("That file cannot be used as a picture: send a PNG or JPEG of at most 10 MB.")) from None
    picture = Picture(round_id=round_row.id, mime=mime, content=data, uploaded_by=scope.actor.user,
                      created_at=scope.now)
    scope.session.add(picture)
    scope.session.flush()
    image = _image(stored)
    image["picture"] = f"stored:{picture.id}"
    _save(scope, round_row, stored, image)
    return [*_refresh(scope, content, round_row, stored),
            scope.tell(N_("The picture has been added to the draft."))]


@contextmanager
def rendered_picture(session, spec: str | None) -> Iterator[str | None]:
    """A picture spec the renderers understand: an uploaded picture becomes a temporary file."""
    if not spec or not spec.startswith("stored:"):
        yield spec
        return
    picture = session.get(Picture, int(spec.split(":", 1)[1])) if spec.split(":", 1)[1].isdigit() else None
    if picture is None:
        yield None
        return
    with tempfile.TemporaryDirectory(prefix="goedwerk-picture-") as folder:
        path = Path(folder) / ("picture.png" if picture.mime == "image/png" else "picture.jpg")
        path.write_bytes(picture.content)
        yield f"file:{path}"


# -- consent and publication --------------------------------------------------------------

def _named_authors(scope: Scope, round_row: Round) -> dict[str, str]:
    """Display name -> author id of everyone who wrote under their name in the round."""
    return {row.author_name or row.author_id: row.author_id
            for row in queries.contributions(scope.session, round_row) if not row.anonymous}


def quoted_people(scope: Scope, round_row: Round, view: SummaryView) -> dict[str, list[str]]:
    """Everyone quoted by name in the draft, with what would be quoted of them."""
    names = _named_authors(scope, round_row)
    quoted: dict[str, list[str]] = {}
    if view.experience and view.experience_author:
        quoted.setdefault(names.get(view.experience_author, view.experience_author), []).append(view.experience)
    for section in view.sections:
        for quote, author in section.quotes:
            if author:
                quoted.setdefault(names.get(author, author), []).append(quote)
    return quoted


def publish(scope: Scope, content: ContentPack) -> list[Effect]:
    """The facilitator publishes: first ask for consent, or publish at once when nobody is quoted."""
    round_row = _closed_round(scope)
    rounds.require_facilitator(scope, round_row)
    stored = _stored(scope, round_row)
    if stored.status == "published":
        raise Refusal(N_("This image of good work has been published already."))
    if stored.status == "awaiting_consent":
        raise Refusal(N_("We are still waiting for consent to quote people; it is published when everyone answered or after 48 hours."))
    view = view_of(scope, content, round_row, stored)
    quoted = quoted_people(scope, round_row, view)
    if not quoted:
        return _publish(scope, content, round_row, stored)
    image = _image(stored)
    image["consent"] = {person: "pending" for person in quoted}
    stored.status = "awaiting_consent"
    _save(scope, round_row, stored, image)
    for person in quoted:
        actions.schedule(scope.session, kind=CONSENT_REQUEST, dedupe_key=f"consent:{round_row.id}:{person}",
                         due_at=scope.now, now=scope.now, workspace_id=scope.workspace.id,
                         channel_id=scope.channel.id, round_id=round_row.id, user_id=person,
                         payload={"round_id": round_row.id, "user": person})
    actions.schedule(scope.session, kind=CONSENT_DEADLINE, dedupe_key=f"consent-deadline:{round_row.id}",
                     due_at=scope.now + CONSENT_WINDOW, now=scope.now, workspace_id=scope.workspace.id,
                     channel_id=scope.channel.id, round_id=round_row.id, payload={"round_id": round_row.id})
    return [Post(scope.place, scope.notice(N_("Before we publish, {count} people quoted by name are asked privately whether that is fine. The image is published when all have answered, or after 48 hours (no answer counts as: quote me anonymously)."),
                                           count=len(quoted))),
            Update(scope.place, f"summary:{round_row.id}", view_of(scope, content, round_row, stored))]


def consent_request(scope: Scope, content: ContentPack, round_row: Round, user: str) -> list[Effect]:
    """The private question to one quoted person (run by the dispatcher)."""
    stored = _stored(scope, round_row)
    if stored.status != "awaiting_consent" or _image(stored)["consent"].get(user) != "pending":
        return []
    view = view_of(scope, content, round_row, stored)
    quotes = tuple(quoted_people(scope, round_row, view).get(user, []))
    value = str(round_row.id)
    choices = (Choice(scope.t(N_("Yes, with my name")), "consent", f"{value}:approve", primary=True),
               Choice(scope.t(N_("Anonymously")), "consent", f"{value}:anonymise"),
               Choice(scope.t(N_("Leave my words out")), "consent", f"{value}:remove"))
    request = ConsentRequest(scope.language, round_row.id, scope.channel.external_id,
                             presenters.situation_of(content, round_row).title.get(scope.language), quotes,
                             scope.now + CONSENT_WINDOW, choices)
    return [DirectMessage(scope.place, user, request, key=f"consent:{round_row.id}:{user}")]


def answer_consent(scope: Scope, content: ContentPack, value: str) -> list[Effect]:
    """A quoted person answers; the last answer publishes."""
    round_id, _, decision = value.partition(":")
    decision = DECISIONS.get(decision.lower())
    round_row = scope.session.get(Round, int(round_id)) if round_id.isdigit() else None
    if decision is None or round_row is None or round_row.channel_id != scope.channel.id:
        raise Refusal(N_("That button is no longer in use."))
    stored = _stored(scope, round_row)
    image = _image(stored)
    if stored.status != "awaiting_consent" or scope.actor.user not in image["consent"]:
        raise Refusal(N_("Thank you, but no answer is needed from you (any more)."))
    image["consent"] = {**image["consent"], scope.actor.user: decision}
    _save(scope, round_row, stored, image)
    effects: list[Effect] = [scope.tell(N_("Thank you, your answer is recorded."))]
    if "pending" not in image["consent"].values():
        effects += _publish(scope, content, round_row, stored)
    return effects


def consent_deadline(scope: Scope, content: ContentPack, round_row: Round) -> list[Effect]:
    """48 hours have passed: whoever did not answer is quoted anonymously; publish."""
    stored = _stored(scope, round_row)
    if stored.status != "awaiting_consent":
        return []
    image = _image(stored)
    image["consent"] = {person: ("anonymise" if answer == "pending" else answer)
                        for person, answer in image["consent"].items()}
    _save(scope, round_row, stored, image)
    return _publish(scope, content, round_row, stored)


def card_of(scope: Scope, content: ContentPack, round_row: Round, stored: SummaryDraft) -> ImageCard:
    """The card to publish, with every person's consent applied.

    Every quote carries its own attribution: the name of a person who agreed to be
    named, otherwise "anonymous" (in the card's language). Each perspective's text holds
    one quote per line: ``„…” — anna``.
    """
    view = view_of(scope, content, round_row, stored)
    image = _image(stored)
    consent = image["consent"]
    names = _named_authors(scope, round_row)
    anonymous = scope.t(N_("anonymous"))

    # "leave my words out" means all of them: the anonymous ones too
    left_out = own_words.words_of(scope.session, [round_row.id],
                                  [person for person, decision in consent.items() if decision == "remove"])

    def shown(author: str | None) -> tuple[bool, str | None]:
        """(keep the words, name to show) for a quote by ``author``."""
        if author is None:
            return True, None
        decision = consent.get(names.get(author, author), "approve" if not consent else "anonymise")
        return decision != "remove", author if decision == "approve" else None

    perspectives = []
    for section in view.sections:
        if section.topic == TAIL:
            continue
        lines = []
        for quote, author in section.quotes:
            keep, name = shown(author)
            if keep and quote not in left_out:
                lines.append(attributed(scope.language, quote, name or anonymous))
        if lines:
            perspectives.append((section.label, "\n".join(lines)))
    keep, experience_author = shown(view.experience_author)
    experience = view.experience if keep and view.experience not in left_out else ""
    if image["experience"]:  # the team wrote the experience itself: it is the team's, not anonymous
        experience_author = scope.t(N_("the team"))
    narrative = view.narrative or ""
    if not image["narrative"] and left_out:  # the first version from the tail, without the words left out
        removed = {person for person, decision in consent.items() if decision == "remove"}
        tail = [row for row in queries.contributions(scope.session, round_row) if row.topic == TAIL
                and row.text and not row.passed and row.deleted_at is None and row.author_id not in removed]
        narrative = scaffold(scope.language, tail, [name for name, _ in view.virtues]) or ""
    named, others = participants(scope, round_row, consent)
    return ImageCard(
        language=scope.language, title=winning_title(view, image["votes"], round_row.facilitator_id),
        experience=experience or "", experience_author=experience_author if experience else None,
        narrative=narrative, perspectives=tuple(perspectives),
        virtues=tuple(name for name, _ in view.virtues), picture=image["picture"],
        situation_title=view.situation_title, published_on=scope.now.astimezone(scope.zone).date(),
        participants=named, others=others,
    )


def attributed(language: str, quote: str, who: str) -> str:
    """One quote with its own attribution: ``„quote” — who``."""
    return f"{quoted(language, quote)} — {who}"


def participants(scope: Scope, round_row: Round, consent: dict[str, str]) -> tuple[tuple[str, ...], int]:
    """(names, number of others) of everyone who took part in the round.

    Named: who wrote or passed under their own name at least once and, when asked,
    agreed to be named. Everyone else who took part is counted among the others.
    """
    rows = [row for row in queries.contributions(scope.session, round_row) if row.deleted_at is None]
    display: dict[str, str] = {}
    for row in rows:
        if not row.anonymous:
            display.setdefault(row.author_id, row.author_name or row.author_id)
    named = tuple(sorted((name for person, name in display.items() if consent.get(person, "approve") == "approve"),
                         key=str.casefold))
    everyone = {row.author_id for row in rows}
    return named, len(everyone) - len(named)


def _publish(scope: Scope, content: ContentPack, round_row: Round, stored: SummaryDraft,
             checkback_days: int | None = None) -> list[Effect]:
    card = card_of(scope, content, round_row, stored)
    stored.status, stored.published_at = "published", scope.now
    record = PublishedImage(channel_id=scope.channel.id, round_id=round_row.id, title=card.title,
                            experience=card.experience, narrative=card.narrative, picture=card.picture,
                            content={"perspectives": [list(p) for p in card.perspectives],
                                     "virtues": list(card.virtues), "participants": list(card.participants),
                                     "others": card.others,
                                     "experience_author": card.experience_author,
                                     "situation": card.situation_title},
                            published_by=scope.actor.user, published_at=scope.now)
    scope.session.add(record)
    scope.session.flush()
    scope.session.add(ImageRevision(round_id=round_row.id, image_id=record.id, editor_id=scope.actor.user,
                                    content=_image(stored), created_at=scope.now))
    checkback.schedule(scope, record, checkback_days if checkback_days is not None else scope.checkback_days)
    files = rendered_files(scope.session, card)
    comment = scope.t(N_("Our image of good work is published: “{title}”. Find it later with '/goedwerk collection'."),
                      title=card.title)
    return [Upload(scope.place, files, comment, key=f"image:{record.id}"),
            Update(scope.place, f"summary:{round_row.id}", view_of(scope, content, round_row, stored))]


def rendered_files(session, card: ImageCard) -> tuple[FileBlob, FileBlob]:
    """The card drawn as the A4 PDF and the PNG that are shared in the channel."""
    slug = re.sub(r"[^a-z0-9]+", "-", card.title.lower()).strip("-")[:40] or "beeld"
    from flows.summary.pdf import render_pdf  # reportlab is loaded on the first publication, not at start-up
    from flows.summary.png import render_png

    with rendered_picture(session, card.picture) as picture:
        drawn = replace(card, picture=picture)
        return (FileBlob(f"{slug}.pdf", card.title, render_pdf(drawn), "application/pdf"),
                FileBlob(f"{slug}.png", card.title, render_png(drawn), "image/png"))


def _visible_images(scope: Scope):
    """Published images this channel may see: its own, and the workspace's when it shares them."""
    query = select(PublishedImage, Channel.external_id).join(Channel, PublishedImage.channel_id == Channel.id).where(
        PublishedImage.removed_at.is_(None), Channel.workspace_id == scope.workspace.id)
    if not scope.workspace.share_images:
        query = query.where(PublishedImage.channel_id == scope.channel.id)
    return query


def collection(scope: Scope, argument: str | None) -> list[Effect]:
    """``collection [term]`` lists, ``collection <n>`` opens one, ``collection share on|off`` (admins)."""
    words = (argument or "").split()
    if len(words) == 2 and words[0].lower() in ("delen", "share") and words[1].lower() in ("aan", "uit", "on", "off"):
        if not scope.actor.is_admin:
            raise Refusal(N_("Only a workspace admin can share the collection across channels."))
        scope.workspace.share_images = words[1].lower() in ("aan", "on")
        return [scope.tell(N_("Channels of this workspace now see each other's images of good work.")
                           if scope.workspace.share_images else N_("Each channel now sees only its own images of good work."))]
    if len(words) == 1 and words[0].isdigit():
        return [Ephemeral(scope.place, scope.actor.user, open_image(scope, int(words[0])))]
    query = _visible_images(scope)
    if argument:
        pattern = f"%{argument.lower()}%"
        query = query.where(func.lower(PublishedImage.title).like(pattern)
                            | func.lower(PublishedImage.narrative).like(pattern)
                            | func.lower(PublishedImage.experience).like(pattern))
    found = scope.session.execute(query.order_by(PublishedImage.published_at.desc()).limit(25)).all()
    items = []
    for record, channel in found:
        ref = queries.message_ref(scope.session, record.channel_id, f"image:{record.id}")
        items.append(ImageItem(record.id, record.title, str(record.content.get("situation", "")),
                               record.published_at, ref.ref if ref else None, channel))
    choices = tuple(Choice(scope.t(N_("Open {number}"), number=item.image_id), "open_image", str(item.image_id))
                    for item in items)
    return [Ephemeral(scope.place, scope.actor.user, ImageList(scope.language, tuple(items), argument, choices))]


def open_image(scope: Scope, image_id: int) -> PublishedView:
    """One published image as its card, if this channel may see it (ids from buttons are untrusted)."""
    found = scope.session.execute(_visible_images(scope).where(PublishedImage.id == image_id)).first()
    if found is None:
        raise Refusal(N_("There is no published image {number} here."), number=image_id)
    record = found[0]
    card = card_of_record(record, scope.language, scope.zone)
    ref = queries.message_ref(scope.session, record.channel_id, f"image:{record.id}")
    return PublishedView(scope.language, card.title, card.situation_title, record.published_at, card.experience,
                         card.experience_author, card.narrative, card.perspectives, card.virtues, card.participants,
                         ref.ref if ref else None)


def card_of_record(record: PublishedImage, language: str, zone) -> ImageCard:
    """The card of a published image as it was published (consent already applied)."""
    data = record.content or {}
    return ImageCard(
        language=language, title=record.title, experience=record.experience,
        experience_author=data.get("experience_author"), narrative=record.narrative,
        perspectives=tuple(tuple(pair) for pair in data.get("perspectives", [])),
        virtues=tuple(data.get("virtues", [])), picture=record.picture,
        situation_title=str(data.get("situation", "")), published_on=record.published_at.astimezone(zone).date(),
        participants=tuple(data.get("participants", [])), others=int(data.get("others", 0)),
    )
