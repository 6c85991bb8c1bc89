"""`goedwerk export`: a channel's published images for the organisation's knowledge base."""

from __future__ import annotations

import json
import re
import sys
from dataclasses import replace
from pathlib import Path

from sqlalchemy import select

from bot.settings import Settings
from flows.engine.image import card_of_record, rendered_picture
from flows.i18n import t
from flows.store.db import Database
from flows.store.models import Channel, PublishedImage, Workspace
from flows.summary.card import labels
from flows.summary.pdf import render_pdf

FORMATS = ("md", "json", "pdf")


class ExportError(Exception):
    """Something the person exporting can fix; the text says what."""


def _records(db: Database, channel: str, workspace: str | None) -> tuple[list[PublishedImage], str | None]:
    with db.transaction() as session:
        query = (select(PublishedImage, Channel.language).join(Channel, PublishedImage.channel_id == Channel.id)
                 .join(Workspace, Channel.workspace_id == Workspace.id)
                 .where(Channel.external_id == channel, PublishedImage.removed_at.is_(None)))
        if workspace:
            query = query.where(Workspace.external_id == workspace)
        rows = session.execute(query.order_by(PublishedImage.published_at)).all()
        teams = {row[0].channel_id for row in rows}
        if len(teams) > 1:
            raise ExportError(f"channel {channel} exists in several workspaces; add --workspace")
        return [row[0] for row in rows], (rows[0][1] if rows else None)


def export(settings: Settings, channel: str, fmt: str, out: Path | None, workspace: str | None = None) -> int:
    if fmt not in FORMATS:
        raise ExportError(f"--format must be one of {', '.join(FORMATS)}")
    db = Database(settings.database_url)
    try:
        records, language = _records(db, channel, workspace)
        language = language or settings.language
        cards = [(record, card_of_record(record, language, settings.zone)) for record in records]
    finally:
        db.dispose()
    if fmt == "pdf":
        if out is None:
            raise ExportError("--format pdf writes one file per image: give a folder with --out")
        out.mkdir(parents=True, exist_ok=True)
        db = Database(settings.database_url)
        try:
            with db.transaction() as session:
                for record, card in cards:
                    slug = re.sub(r"[^a-z0-9]+", "-", card.title.lower()).strip("-")[:40] or "image"
                    with rendered_picture(session, card.picture) as picture:
                        pdf = render_pdf(replace(card, picture=picture))
                    (out / f"{record.id:04d}-{slug}.pdf").write_bytes(pdf)
        finally:
            db.dispose()
        print(f"{len(cards)} image(s) written to {out}", file=sys.stderr)
        return 0
    text = _json(cards) if fmt == "json" else _markdown(cards)
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")
        print(f"{len(cards)} image(s) written to {out}", file=sys.stderr)
    return 0


def _json(cards) -> str:
    items = [{"id": record.id, "title": card.title, "situation": card.situation_title,
              "published_on": card.published_on.isoformat(), "experience": card.experience,
              "experience_author": card.experience_author, "narrative": card.narrative,
              "perspectives": [{"perspective": label, "text": text} for label, text in card.perspectives],
              "virtues": list(card.virtues), "participants": list(card.participants), "picture": card.picture,
              "checkback": [answer.get("text", "") for answer in (record.content or {}).get("checkback", [])]}
             for record, card in cards]
    return json.dumps(items, ensure_ascii=False, indent=2) + "\n"


def _markdown(cards) -> str:
    """The images as Markdown, headings and labels in each image's language, every quote with its author."""
    parts = []
    for record, card in cards:
        words = labels(card)
        lines = [f"# {card.title}", "", f"*{card.situation_title}* · {words.date}", ""]
        if card.experience:
            lines += [f"## {words.experience}", "", f"{card.experience} — {card.experience_author or words.anonymous}",
                      ""]
        lines += [f"## {words.image}", "", card.narrative, ""]
        for label, text in card.perspectives:
            lines += [f"### {label}", "", *(f"{line}  " for line in text.splitlines()), ""]
        if card.virtues:
            lines += [f"{words.virtues}: " + ", ".join(card.virtues), ""]
        lines += [f"{words.with_} {words.people}", ""]
        answers = [answer.get("text", "") for answer in (record.content or {}).get("checkback", [])]
        if answers:
            looking_back = t(card.language, "Looking back")
            lines += [f"## {looking_back}", "", *(f"- {answer}" for answer in answers), ""]
        parts.append("\n".join(lines))
    return "\n---\n\n".join(parts) + ("\n" if parts else "")
