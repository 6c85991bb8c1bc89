"""SQL that differs between the two databases: an INSERT with ON CONFLICT, and conditions
on a list of values that cost the same however long the list is.

``column IN (…)`` renders one parameter per value, so every batch size is another
statement text: SQLAlchemy expands it on every execution, psycopg parses it afresh (a
statement with more than 50 parameters is never kept) and PostgreSQL plans it anew. On
PostgreSQL these helpers pass the list as one array instead (``column = ANY(:values)``),
one statement text for every size; SQLite keeps ``IN``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import all_, any_, bindparam
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement


def _as_array(column: Any, values: list) -> Any:
    return bindparam(None, values, type_=ARRAY(column.type))


def _postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def insert_for(session: Session, table: Any) -> Any:
    """``INSERT`` into ``table`` in the dialect of ``session``'s database (both offer ``on_conflict_do_…``)."""
    return (postgresql.insert if _postgresql(session) else sqlite.insert)(table)


def among(session: Session, column: Any, values: Iterable) -> ColumnElement[bool]:
    """``column`` is one of ``values`` (in the dialect of ``session``'s database)."""
    values = list(values)
    if _postgresql(session):
        return column == any_(_as_array(column, values))
    return column.in_(values)


def not_among(session: Session, column: Any, values: Iterable) -> ColumnElement[bool]:
    """``column`` is none of ``values`` (NULL never is, as with ``NOT IN``)."""
    values = list(values)
    if _postgresql(session):
        return column != all_(_as_array(column, values))
    return column.not_in(values)
