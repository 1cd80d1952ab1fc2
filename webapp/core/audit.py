"""The audit log: every change to a child's record and every disclosure, in the same transaction.

A service calls ``record(...)`` before it returns; the row commits or rolls back with the change
it describes. Changes list the names of the fields changed, never their values: the log must
not become a second copy of the sensitive data.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from flask import has_request_context, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, Text, inspect, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from webapp.core.choices import Choice
from webapp.core.crypto import sensitive_field_names
from webapp.core.db import Base, enum_column, utcnow
from webapp.core.tenancy import TenantScoped, tenant_keys


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


# Bookkeeping columns that change with every write and tell a reader nothing.
_NOT_FIELDS = frozenset({"updated_at", "created_at", "name_pinyin", "name_initials"})


class AuditEvent(TenantScoped, Base):
    """An entry of the audit log (审计日志)."""

    __tablename__ = "audit_event"
    __table_args__ = tenant_keys(
        Index(None, "tenant_id", "child_id", "at"),
        Index(None, "tenant_id", "at"),
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
