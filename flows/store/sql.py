"""SQL that differs between the two databases: an INSERT with ON CONFLICT, conditions
on a list of values that cost the same however long the list is, and many rows as one
parameter.

``column IN (…)`` renders one parameter per value, so every batch size is another
statement text: SQLAlchemy expands it on every execution, psycopg parses it afresh (a
statement with more than 50 parameters is never kept) and PostgreSQL plans it anew. On
PostgreSQL these helpers pass the list as one array instead (``column = ANY(:values)``),
one statement text for every size; SQLite keeps ``IN``. The same goes for an INSERT of
many rows: SQLAlchemy sends a batch as one ``VALUES (…), (…)`` text with a dozen
parameters per row, which psycopg parses afresh each time; :func:`records` passes the
rows to PostgreSQL as one JSON parameter read back as a table.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, cast

from sqlalchemy import JSON, all_, any_, bindparam, column, func
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection, CursorResult, Result
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement


def _as_array(column: Any, values: list[Any]) -> Any:
    return bindparam(None, values, type_=ARRAY(column.type))


def is_postgresql(session: Session | Connection) -> bool:
    """Whether ``session`` (or a Core connection) talks to PostgreSQL (else SQLite)."""
    bind = session if isinstance(session, Connection) else session.get_bind()
    return bind.dialect.name == "postgresql"


def insert_for(session: Session | Connection, table: Any) -> Any:
    """``INSERT`` into ``table`` in the dialect of ``session``'s database (both offer ``on_conflict_do_…``)."""
    return (postgresql.insert if is_postgresql(session) else sqlite.insert)(table)


def among(session: Session | Connection, column: Any, values: Iterable[Any]) -> ColumnElement[bool]:
    """``column`` is one of ``values`` (in the dialect of ``session``'s database)."""
    listed = list(values)
    if is_postgresql(session):
        return cast(ColumnElement[bool], column == any_(_as_array(column, listed)))
    return cast(ColumnElement[bool], column.in_(listed))


def not_among(session: Session | Connection, column: Any, values: Iterable[Any]) -> ColumnElement[bool]:
    """``column`` is none of ``values`` (NULL never is, as with ``NOT IN``)."""
    listed = list(values)
    if is_postgresql(session):
        return cast(ColumnElement[bool], column != all_(_as_array(column, listed)))
    return cast(ColumnElement[bool], column.not_in(listed))


def records(fields: dict[str, Any], rows: list[dict[str, Any]]) -> Any:
    """PostgreSQL only: ``rows`` (dicts with the keys of ``fields``) as a table of ``fields``
    (name → column type), sent as one JSON parameter (``json_to_recordset``), so that an
    ``INSERT … SELECT`` or ``UPDATE … FROM`` of any number of rows has one short statement
    text. Datetimes go as ISO 8601 text, which PostgreSQL reads back exactly."""
    document = [{name: _jsonable(row.get(name)) for name in fields} for row in rows]
    return (func.json_to_recordset(bindparam(None, document, type_=JSON))
            .table_valued(*(column(name, type_) for name, type_ in fields.items()))
            .render_derived(with_types=True))


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is None:  # as UTCDateTime: naive input is always a bug
            raise ValueError("naive datetime given to a UTC column")
        return value.isoformat()
    return value


def changed(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE changed (SQLAlchemy types ``execute()``'s result as a
    plain :class:`Result`; for these statements it is a :class:`CursorResult`)."""
    return cast(CursorResult[Any], result).rowcount
