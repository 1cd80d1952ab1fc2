"""The audit log: every change to a child's record and every disclosure, in the same transaction.

A service calls ``record(...)`` before it returns; the row commits or rolls back with the change
it describes. Changes list the names of the fields changed, never their values: the log must
not become a second copy of the sensitive data.

The log is append-only and hash-chained per tenant: each row carries its place in the tenant's
chain (``seq``), the hash of the row before it and its own hash over a canonical form of its
fields. Rows are chained when they are flushed, with the tenant's chain locked (an advisory
lock on PostgreSQL; SQLite's write transactions already run one at a time), so two requests
never fork a chain. Updates and deletes are refused here and, on PostgreSQL and SQLite, by a
trigger; ``flask audit-verify`` walks the chains and names the first row that does not hold.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import has_request_context, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Connection,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    event,
    func,
    inspect,
    select,
)
from sqlalchemy.orm import (
    Mapped,
    ORMExecuteState,
    Session,
    mapped_column,
    object_session,
    relationship,
)

from webapp.core.choices import Choice
from webapp.core.crypto import sensitive_field_names
from webapp.core.db import Base, enum_column, utcnow
from webapp.core.tenancy import TENANT_KEY, TenantScoped, tenant_keys


class AuditAction(Choice):
    CREATE = "create", _l("Created")
    UPDATE = "update", _l("Changed")
    STATUS = "status", _l("Status changed")
    VIEW = "view", _l("Opened the card")
    REVEAL = "reveal", _l("Revealed")
    CALL = "call", _l("Called")
    EXPORT = "export", _l("Exported")
    IMPORT = "import", _l("Imported")
    TRANSFER_OUT = "transfer_out", _l("Sent to another school")
    TRANSFER_IN = "transfer_in", _l("Received from another school")
    SURVEY = "survey", _l("Confirmed in the term survey")
    GRANT_USE = "grant_use", _l("Opened through an access grant")
    DECIDE = "decide", _l("Decided")
    WITHDRAW = "withdraw", _l("Withdrawn")


# Bookkeeping columns that change with every write and tell a reader nothing.
_NOT_FIELDS = frozenset({"updated_at", "created_at", "name_pinyin", "name_initials", "version"})


class AuditEvent(TenantScoped, Base):
    """An entry of the audit log (审计日志)."""

    __tablename__ = "audit_event"
    __table_args__ = tenant_keys(
        Index(None, "tenant_id", "child_id", "at"),
        Index(None, "tenant_id", "at"),
        UniqueConstraint("tenant_id", "seq"),
    )

    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    action: Mapped[AuditAction] = mapped_column(enum_column(AuditAction))
    subject: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int | None]
    child_id: Mapped[int | None]
    fields_json: Mapped[str | None] = mapped_column("fields", Text)
    reason: Mapped[str | None] = mapped_column(Text)
    ip: Mapped[str | None] = mapped_column(String(45))
    seq: Mapped[int]
    prev_hash: Mapped[str] = mapped_column(String(64))
    row_hash: Mapped[str] = mapped_column(String(64))

    actor = relationship("User")

    @property
    def fields(self) -> list[str]:
        return json.loads(self.fields_json) if self.fields_json else []


def record(
    session: Session,
    action: AuditAction,
    *,
    actor_id: int | None,
    subject: str,
    subject_id: int | None = None,
    child_id: int | None = None,
    fields: list[str] | tuple[str, ...] = (),
    reason: str | None = None,
) -> AuditEvent:
    event = AuditEvent(
        action=action,
        actor_id=actor_id,
        subject=subject,
        subject_id=subject_id,
        child_id=child_id,
        fields_json=json.dumps(sorted(fields)) if fields else None,
        reason=reason,
        ip=request.remote_addr if has_request_context() else None,
    )
    session.add(event)
    return event


def changed_fields(obj: Any) -> list[str]:
    """The public names of the fields of ``obj`` changed since it was loaded (before a flush)."""
    state = inspect(obj)
    public = sensitive_field_names(type(obj))
    changed = []
    for attribute in state.mapper.column_attrs:
        key = attribute.key
        if key in _NOT_FIELDS or key.endswith("_hash"):
            continue
        if state.attrs[key].history.has_changes():
            changed.append(public.get(key, key))
    return sorted(changed)


def events_for_child(session: Session, child_id: int, limit: int = 200) -> list[AuditEvent]:
    """A child's access history, newest first: who changed, opened or disclosed what."""
    return list(
        session.scalars(
            select(AuditEvent)
            .where(AuditEvent.child_id == child_id)
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
            .limit(limit)
        )
    )


# --- The chain -----------------------------------------------------------------------------

GENESIS = "0" * 64
# Fields a row's hash covers, in this order (the canonical form is JSON of them with sorted keys).
CHAINED = (
    "tenant_id",
    "seq",
    "at",
    "actor_id",
    "action",
    "subject",
    "subject_id",
    "child_id",
    "fields",
    "reason",
    "ip",
    "prev_hash",
)
# Key of the PostgreSQL advisory locks that serialise one tenant's chain (the tenant id is the
# second key).
CHAIN_LOCK_CLASS = 8_108


class AuditLogIsAppendOnly(RuntimeError):
    """An audit row was about to be changed or deleted."""


def _instant(value: datetime | str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, str):  # SQLite through a plain connection
        value = datetime.fromisoformat(value)
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.strftime("%Y-%m-%dT%H:%M:%S.%f")


def canonical(values: dict[str, Any]) -> str:
    """The text a row's hash is taken over: the chained fields as JSON with sorted keys."""
    action = values.get("action")
    form = {
        "tenant_id": values["tenant_id"],
        "seq": values["seq"],
        "at": _instant(values.get("at")),
        "actor_id": values.get("actor_id"),
        "action": getattr(action, "value", action),
        "subject": values.get("subject"),
        "subject_id": values.get("subject_id"),
        "child_id": values.get("child_id"),
        "fields": values.get("fields") or None,
        "reason": values.get("reason"),
        "ip": values.get("ip"),
        "prev_hash": values["prev_hash"],
    }
    return json.dumps(form, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def row_hash_of(values: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(values).encode()).hexdigest()


def _values_of(event: AuditEvent) -> dict[str, Any]:
    return {
        "tenant_id": event.tenant_id,
        "seq": event.seq,
        "at": event.at,
        "actor_id": event.actor_id,
        "action": event.action,
        "subject": event.subject,
        "subject_id": event.subject_id,
        "child_id": event.child_id,
        "fields": event.fields_json,
        "reason": event.reason,
        "ip": event.ip,
        "prev_hash": event.prev_hash,
    }


def lock_chain(connection: Connection, tenant_id: int) -> None:
    """Hold the tenant's chain until the transaction ends (PostgreSQL; SQLite needs nothing)."""
    if connection.dialect.name == "postgresql":
        connection.execute(select(func.pg_advisory_xact_lock(CHAIN_LOCK_CLASS, tenant_id)))


def chain_head(connection: Connection, tenant_id: int) -> tuple[int, str]:
    """(seq, row_hash) of the tenant's last row, or (0, GENESIS)."""
    table = AuditEvent.__table__
    row = connection.execute(
        select(table.c.seq, table.c.row_hash)
        .where(table.c.tenant_id == tenant_id)
        .order_by(table.c.seq.desc())
        .limit(1)
    ).first()
    return (row.seq, row.row_hash) if row else (0, GENESIS)


@event.listens_for(Session, "before_flush")
def _chain_new_rows(session: Session, _flush_context: Any, _instances: Any) -> None:
    new = [obj for obj in session.new if isinstance(obj, AuditEvent)]
    if not new:
        return
    by_tenant: dict[int, list[AuditEvent]] = {}
    for event_row in new:
        if event_row.tenant_id is None:
            event_row.tenant_id = session.info.get(TENANT_KEY)
        if event_row.at is None:
            event_row.at = utcnow()
        by_tenant.setdefault(event_row.tenant_id, []).append(event_row)
    connection = session.connection()
    for tenant_id, rows in by_tenant.items():
        if tenant_id is None:
            continue  # the tenancy listener refuses it
        lock_chain(connection, tenant_id)
        seq, previous = chain_head(connection, tenant_id)
        for event_row in rows:
            seq += 1
            event_row.seq, event_row.prev_hash = seq, previous
            event_row.row_hash = previous = row_hash_of(_values_of(event_row))


PURGE_KEY = "shouwang.audit_purge"
SQLITE_GUARDS = {
    "audit_event_no_update": "UPDATE",
    "audit_event_no_delete": "DELETE",
}


def sqlite_guard(name: str, operation: str) -> str:
    return (
        f"CREATE TRIGGER {name} BEFORE {operation} ON audit_event "
        "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
    )


@contextmanager
def purging(session: Session) -> Iterator[None]:
    """Let this transaction delete audit rows: a school's offboarding, or a test putting the
    shared database back. The guard returns when the block ends (and with any rollback)."""
    connection = session.connection()
    dialect = connection.dialect.name
    session.info[PURGE_KEY] = True
    if dialect == "postgresql":
        connection.execute(select(func.set_config(PURGE_KEY, "on", True)))
    elif dialect == "sqlite":
        for name in SQLITE_GUARDS:
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
    try:
        yield
        session.flush()
    finally:
        session.info.pop(PURGE_KEY, None)
        if dialect == "postgresql":
            connection.execute(select(func.set_config(PURGE_KEY, "off", True)))
        elif dialect == "sqlite":
            for name, operation in SQLITE_GUARDS.items():
                connection.exec_driver_sql(sqlite_guard(name, operation))


def _refuse_change(_mapper: Any, connection: Connection, _target: AuditEvent) -> None:
    raise AuditLogIsAppendOnly("the audit log is append-only")


def _refuse_delete(_mapper: Any, connection: Connection, target: AuditEvent) -> None:
    session = object_session(target)
    if session is None or not session.info.get(PURGE_KEY):
        raise AuditLogIsAppendOnly("the audit log is append-only")


event.listen(AuditEvent, "before_update", _refuse_change)
event.listen(AuditEvent, "before_delete", _refuse_delete)


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_change(state: ORMExecuteState) -> None:
    purge = state.is_delete and state.session.info.get(PURGE_KEY)
    if (state.is_update or state.is_delete) and not purge and touches_audit_table(state.statement):
        raise AuditLogIsAppendOnly("the audit log is append-only")


def touches_audit_table(statement: Any) -> bool:
    table = getattr(statement, "table", None)
    return table is not None and getattr(table, "name", None) == AuditEvent.__tablename__


# --- Verification ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainBreak:
    tenant_id: int
    row_id: int | None
    seq: int
    why: str


def verify_chain(connection: Connection, tenant_id: int) -> ChainBreak | None:
    """The first row of the tenant's chain that does not hold, or None."""
    table = AuditEvent.__table__
    rows = connection.execute(
        select(table).where(table.c.tenant_id == tenant_id).order_by(table.c.seq, table.c.id)
    ).mappings()
    return first_break(tenant_id, rows)


def first_break(tenant_id: int, rows: Iterable[Any]) -> ChainBreak | None:
    expected_seq, previous = 1, GENESIS
    for row in rows:
        values = dict(row)
        if values["seq"] != expected_seq:
            why = "missing" if values["seq"] > expected_seq else "duplicate"
            return ChainBreak(tenant_id, values["id"], values["seq"], why)
        if values["prev_hash"] != previous:
            return ChainBreak(tenant_id, values["id"], values["seq"], "prev_hash")
        if row_hash_of(values) != values["row_hash"]:
            return ChainBreak(tenant_id, values["id"], values["seq"], "row_hash")
        expected_seq, previous = expected_seq + 1, values["row_hash"]
    return None
