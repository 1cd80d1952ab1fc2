"""Declarative base, column types and the SQLite/PostgreSQL engine set-up."""

from __future__ import annotations

import enum
import uuid
from datetime import UTC, datetime
from typing import Any

from flask import current_app, has_request_context, request
from sqlalchemy import DateTime, Engine, Enum, MetaData, TypeDecorator, Uuid, event
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, registry

# Every constraint named, so migrations can alter them on SQLite and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime: timestamptz on PostgreSQL, naive UTC text on SQLite."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: store aware datetimes only")
        value = value.astimezone(UTC)
        return value if dialect.name == "postgresql" else value.replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def enum_column(enum_class: type[enum.StrEnum], length: int = 32) -> Enum:
    """A StrEnum stored as its value in a VARCHAR (no database enum type, no CHECK): adding a
    value later needs no migration, and rows load back as enum members."""
    return Enum(
        enum_class,
        native_enum=False,
        create_constraint=False,
        values_callable=lambda members: [member.value for member in members],
        length=length,
        validate_strings=True,
    )


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )


class HasUid:
    """A stable identity that exists before the row is flushed.

    Encrypted fields bind their ciphertext to it, and a form's client-made UUID can become it,
    so a retried submission finds the record it already created.
    """

    uid: Mapped[uuid.UUID] = mapped_column(Uuid, default=uuid.uuid4, sort_order=-1)

    def __init__(self, **kwargs: Any) -> None:
        # uid first: a Sensitive field given in the same call needs it.
        super().__init__(uid=kwargs.pop("uid", None) or uuid.uuid4(), **kwargs)


class Timestamped:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def configure_sqlite(engine: Engine) -> None:
    """Foreign keys on, WAL, a busy timeout, and write transactions that begin IMMEDIATE.

    pysqlite's own transaction handling is switched off so that we emit BEGIN ourselves: a
    deferred transaction that reads and then writes fails at once with "database is locked"
    when another writer got in between; BEGIN IMMEDIATE takes the write lock up front and waits
    its turn instead. Page views (GET) still begin deferred so readers never queue.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN" if _is_page_view() else "BEGIN IMMEDIATE")


def _is_page_view() -> bool:
    """A GET that reads only. Views that write on GET (an audited look) say so with
    ``@writes_on_get`` and begin IMMEDIATE like any write."""
    if not has_request_context() or request.method not in SAFE_METHODS:
        return False
    view = current_app.view_functions.get(request.endpoint or "")
    return not getattr(view, "writes_on_get", False)


def writes_on_get(view: Any) -> Any:
    """Mark a view whose GET writes (the audit row of a disclosure)."""
    view.writes_on_get = True
    return view
