"""Files goedwerk shares in Teams (the published A4 and its picture, a data export), served by
goedwerk itself at ``GET /files/<token>`` under ``GOEDWERK_PUBLIC_URL``.

A Teams bot cannot upload into a channel without Graph permissions, so a publication is a
card that shows the picture inline and links the PDF, both by link. Each file is stored once
(``teams_files``); a link is a token of 256 random bits (``teams_file_links``) that is
valid for ``GOEDWERK_FILE_LINK_DAYS`` (30 by default) and then answers 404 like any
unknown token. A link cannot be guessed and, being looked up, cannot be forged or
prolonged; the collection hands out fresh links to the same file (:func:`fresh_link`).
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import Column, ForeignKey, Integer, LargeBinary, String, Table, insert, select

from flows.effects import FileBlob
from flows.store.base import Base
from flows.store.db import Database
from flows.store.types import UTCDateTime

FILES_TABLE, LINKS_TABLE = "teams_files", "teams_file_links"
PATH = "/files/"
TOKEN_BYTES = 32

files = Table(
    FILES_TABLE, Base.metadata,
    Column("id", Integer, primary_key=True),
    Column("tenant_id", String(64), nullable=False, index=True),
    Column("name", String(255), nullable=False),
    Column("mime", String(100), nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)
links = Table(
    LINKS_TABLE, Base.metadata,
    Column("token", String(64), primary_key=True),
    Column("file_id", Integer, ForeignKey(f"{FILES_TABLE}.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("expires_at", UTCDateTime(), nullable=False),
)


def store(db: Database, tenant: str, blob: FileBlob, now: datetime, days: int) -> str:
    """Keep the file and make a first link to it; its token."""
    with db.transaction() as session:
        file_id = session.execute(insert(files).values(tenant_id=tenant, name=blob.name[:255], mime=blob.mime[:100],
                                                       content=blob.content, created_at=now)
                                  .returning(files.c.id)).scalar_one()
        return _link(session, file_id, now, days)


def fresh_link(db: Database, token: str, now: datetime, days: int) -> str | None:
    """A new link to the file an earlier (maybe expired) link named; None for a token never made."""
    with db.transaction() as session:
        file_id = session.scalar(select(links.c.file_id).where(links.c.token == token))
        return _link(session, file_id, now, days) if file_id is not None else None


def _link(session, file_id: int, now: datetime, days: int) -> str:
    token = secrets.token_urlsafe(TOKEN_BYTES)
    session.execute(insert(links).values(token=token, file_id=file_id, expires_at=now + timedelta(days=days)))
    return token


def url(public_url: str, token: str) -> str:
    return f"{public_url}{PATH}{token}"


def token_of(public_url: str, link: str | None) -> str | None:
    """The token of one of our file links (None for any other link)."""
    prefix = public_url + PATH
    return link[len(prefix):] if link and link.startswith(prefix) else None


def opened(db: Database, token: str, now: datetime) -> tuple[str, str, bytes] | None:
    """``(name, mime, content)`` of the file a valid, unexpired link names; None otherwise."""
    if not token or len(token) > 64:
        return None
    with db.transaction() as session:
        row = session.execute(select(files.c.name, files.c.mime, files.c.content)
                              .join(links, links.c.file_id == files.c.id)
                              .where(links.c.token == token, links.c.expires_at > now)).first()
    return (row.name, row.mime, bytes(row.content)) if row else None


def files_endpoint(db: Database, clock):
    """The WSGI callable for ``GET /files/<token>``."""

    def application(environ, start_response):
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            start_response("405 Method Not Allowed", [("Allow", "GET"), ("Content-Length", "0")])
            return [b""]
        found = opened(db, environ.get("PATH_INFO", "")[len(PATH):], clock.now())
        if found is None:
            start_response("404 Not Found", [("Content-Type", "text/plain"), ("Content-Length", "9")])
            return [b"not found"]
        name, mime, content = found
        disposition = "inline" if mime.startswith("image/") else "attachment"
        safe_name = "".join(char for char in name if char.isalnum() or char in "-_.")[:100] or "file"
        start_response("200 OK", [("Content-Type", mime), ("Content-Length", str(len(content))),
                                  ("Content-Disposition", f'{disposition}; filename="{safe_name}"'),
                                  ("Cache-Control", "private, max-age=3600"),
                                  ("X-Content-Type-Options", "nosniff")])
        return [b"" if environ.get("REQUEST_METHOD") == "HEAD" else content]

    return application
