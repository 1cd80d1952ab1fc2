"""Making a term roster snapshot: the figures per class and the list of left-behind children,
read from the cards once, stored with their hash and locked; and the audit row of its export.

Each function takes plain values, flushes, writes its audit rows and returns; the caller commits.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from webapp.care.once import find_by_uid
from webapp.children import queries as children_queries
from webapp.children.exports import children_on_roll, main_guardian, summary_counts
from webapp.children.models import Child, ParentRelation
from webapp.core import audit
from webapp.core.audit import AuditAction
from webapp.oversight.snapshot_models import RosterSnapshot, content_hash
from webapp.tenants.models import Term

# The fields of a listed child, and nothing more: the county asks for these. No ID number, no
# phone, no address.
CHILD_FIELDS = (
    "name",
    "sex",
    "birth_date",
    "class",
    "care_type",
    "guardian_relation",
    "father_work_place",
    "mother_work_place",
)


@dataclass(frozen=True)
class Content:
    figures: dict[str, Any]
    children: list[dict[str, Any]]


def term_key(term: Term) -> str:
    """The same term named alike by every school: "2026-1" (school year begun 2026, term 1)."""
    return f"{term.school_year.starts_on.year}-{term.number}"


def listed_child(child: Child, class_name: str) -> dict[str, Any]:
    guardian = main_guardian(child)
    father, mother = child.parent(ParentRelation.FATHER), child.parent(ParentRelation.MOTHER)
    return {
        "child_id": child.id,
        "name": child.name,
        "sex": child.gender.value,
        "birth_date": child.birth_date.isoformat(),
        "class": class_name,
        "care_type": child.left_behind_type.value,
        "guardian_relation": guardian.relation.value if guardian else None,
        "father_work_place": father.work_place if father else "",
        "mother_work_place": mother.work_place if mother else "",
    }


def roster_content(session: Session, today: date) -> Content:
    """The roster as the cards say today: the 信息汇总表 figures of every class, their sum, and
    the left-behind children on the roll."""
    classes, totals, listed = [], {}, []
    for school_class in children_queries.school_classes(session):
        on_roll = children_on_roll(session, school_class)
        counts = {count.key: count.value for count in summary_counts(on_roll, today)}
        classes.append({"name": school_class.name, "counts": counts})
        for key, value in counts.items():
            totals[key] = totals.get(key, 0) + value
        listed += [listed_child(c, school_class.name) for c in on_roll if c.is_left_behind]
    return Content({"classes": classes, "totals": totals}, listed)


def latest_version(session: Session, term_id: int) -> int:
    return (
        session.scalar(
            select(func.max(RosterSnapshot.version)).where(RosterSnapshot.term_id == term_id)
        )
        or 0
    )


def submit_snapshot(
    session: Session,
    *,
    uid: uuid.UUID,
    term: Term,
    content: Content,
    actor_id: int,
    now: datetime,
) -> tuple[RosterSnapshot, bool]:
    """Lock the term's roster as the next version. The same form sent again (a double tap, a
    retry) finds the snapshot it made and returns it with False."""
    existing = find_by_uid(session, RosterSnapshot, uid)
    if existing is not None:
        return existing, False
    for _attempt in range(3):  # two submissions at once meet at the unique version
        snapshot = RosterSnapshot(
            uid=uid,
            term_id=term.id,
            term_key=term_key(term),
            term_label=term.full_name,
            version=latest_version(session, term.id) + 1,
            figures_json=json.dumps(content.figures, sort_keys=True, ensure_ascii=False),
            children_json=json.dumps(content.children, sort_keys=True, ensure_ascii=False),
            content_hash=content_hash(content.figures, content.children),
            submitted_at=now,
            submitted_by_id=actor_id,
        )
        try:
            with session.begin_nested():
                session.add(snapshot)
                session.flush()
        except IntegrityError:
            existing = find_by_uid(session, RosterSnapshot, uid)
            if existing is not None:
                return existing, False
            continue
        audit.record(
            session,
            AuditAction.CREATE,
            actor_id=actor_id,
            subject="roster_snapshot",
            subject_id=snapshot.id,
            fields=["figures", "children"],
            reason=f"{snapshot.term_key} v{snapshot.version} {snapshot.content_hash[:12]}",
        )
        session.flush()
        return snapshot, True
    raise RuntimeError("could not find a free snapshot version")


def record_snapshot_export(session: Session, snapshot: RosterSnapshot, *, actor_id: int) -> None:
    """An exported snapshot discloses every child on its list: one audit row each, and one for
    the file."""
    audit.record(
        session,
        AuditAction.EXPORT,
        actor_id=actor_id,
        subject="roster_snapshot",
        subject_id=snapshot.id,
        fields=["export.roster_snapshot"],
        reason=f"{snapshot.term_key} v{snapshot.version}",
    )
    for entry in snapshot.children:
        audit.record(
            session,
            AuditAction.EXPORT,
            actor_id=actor_id,
            subject="child",
            subject_id=entry["child_id"],
            child_id=entry["child_id"],
            fields=["export.roster_snapshot"],
            reason=f"{snapshot.term_key} v{snapshot.version}",
        )
    session.flush()
