"""Reading care work: a child's timeline, the talks and follow-ups a form shows above itself,
and the children a person picks from (their own first)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, select
from sqlalchemy.orm import Session, selectinload

from webapp.care.access import readable_records
from webapp.care.models import CareKind, CareRecord, Pairing
from webapp.children.access import ON_ROLL, Access
from webapp.children.models import Child, SchoolClass
from webapp.children.queries import ChildFilters, search_children
from webapp.core.permissions import Role

TIMELINE_PAGE = 15
OWN_CHILDREN_SHOWN = 60


@dataclass
class TimelinePage:
    records: list[CareRecord]
    amendments: dict[int, list[CareRecord]]
    page: int
    has_next: bool


def timeline(
    session: Session,
    child: Child,
    *,
    user_id: int,
    access: Access,
    roles: frozenset[Role],
    page: int = 1,
    kind: CareKind | None = None,
) -> TimelinePage:
    """Every record of the child this person may read, newest first; amendments beside their
    originals rather than as entries of their own."""
    statement = (
        select(CareRecord)
        .options(selectinload(CareRecord.author), selectinload(CareRecord.photos))
        .where(
            CareRecord.child_id == child.id,
            CareRecord.amends_id.is_(None),
            readable_records(user_id, access, roles),
        )
        .order_by(CareRecord.happened_at.desc(), CareRecord.id.desc())
        .limit(TIMELINE_PAGE + 1)
        .offset((page - 1) * TIMELINE_PAGE)
    )
    if kind is not None:
        statement = statement.where(CareRecord.kind == kind)
    rows = list(session.scalars(statement))
    records = rows[:TIMELINE_PAGE]
    amendments: dict[int, list[CareRecord]] = {}
    if records:
        for amendment in session.scalars(
            select(CareRecord)
            .options(selectinload(CareRecord.author))
            .where(CareRecord.amends_id.in_([r.id for r in records]))
            .order_by(CareRecord.created_at, CareRecord.id)
        ):
            amendments.setdefault(amendment.amends_id, []).append(amendment)
    return TimelinePage(records, amendments, page, has_next=len(rows) > TIMELINE_PAGE)


def recent_records(
    session: Session,
    child: Child,
    *,
    kind: CareKind,
    user_id: int,
    access: Access,
    roles: frozenset[Role],
    limit: int = 2,
) -> list[CareRecord]:
    """The last records of a kind, shown folded above a new one (the last two talks)."""
    return list(
        session.scalars(
            select(CareRecord)
            .options(selectinload(CareRecord.author))
            .where(
                CareRecord.child_id == child.id,
                CareRecord.kind == kind,
                CareRecord.amends_id.is_(None),
                readable_records(user_id, access, roles),
            )
            .order_by(CareRecord.happened_at.desc(), CareRecord.id.desc())
            .limit(limit)
        )
    )


def open_follow_ups(
    session: Session,
    child: Child,
    *,
    user_id: int,
    access: Access,
    roles: frozenset[Role],
) -> list[CareRecord]:
    return list(
        session.scalars(
            select(CareRecord)
            .where(
                CareRecord.child_id == child.id,
                CareRecord.amends_id.is_(None),  # a follow-up is done on the original
                CareRecord.follow_up_sealed.is_not(None),
                CareRecord.follow_up_done_on.is_(None),
                readable_records(user_id, access, roles),
            )
            .order_by(CareRecord.follow_up_due.asc().nulls_last(), CareRecord.id)
        )
    )


def own_children(session: Session, user_id: int, roles: frozenset[Role]) -> list[Child]:
    """The children a person looks after themselves, paired first, then their classes'."""
    paired = select(Pairing.child_id).where(Pairing.user_id == user_id, Pairing.ended_on.is_(None))
    taught = select(SchoolClass.id).where(SchoolClass.teacher_id == user_id)
    statement = (
        select(Child)
        .options(selectinload(Child.school_class))
        .where(
            Child.status.in_(ON_ROLL),
            Child.id.in_(paired) | Child.class_id.in_(taught),
        )
        .order_by(case((Child.id.in_(paired), 0), else_=1), Child.class_id, Child.name)
        .limit(OWN_CHILDREN_SHOWN)
    )
    return list(session.scalars(statement))


def find_children(
    session: Session, user_id: int, roles: frozenset[Role], text: str, today: date
) -> list[Child]:
    """Children this person may open whose name, pinyin or initials hold the text."""
    if not text.strip():
        return []
    page = search_children(session, user_id, roles, ChildFilters(text=text[:30]), today)
    return page.items
