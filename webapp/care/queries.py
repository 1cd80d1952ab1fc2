"""Reading care work: a child's timeline, the talks and follow-ups a form shows above itself,
and the children a person picks from (their own first)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from webapp.auth.models import User
from webapp.care.access import readable_records
from webapp.care.models import (
    ActivityParticipant,
    CareActivity,
    CareKind,
    CarePhoto,
    CareRecord,
    Pairing,
)
from webapp.children.access import ON_ROLL, Access, visible_children
from webapp.children.models import Child, ChildStatus, SchoolClass
from webapp.children.queries import ChildFilters, search_children
from webapp.core.org import Membership
from webapp.core.permissions import PERMISSIONS, Role

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
        # One query for the page: the authors, photos and amendments joined (the ORM puts the
        # page's LIMIT on the records, in a subquery).
        .options(
            joinedload(CareRecord.author),
            joinedload(CareRecord.photos),
            joinedload(CareRecord.amendments).joinedload(CareRecord.author),
        )
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
    rows = list(session.scalars(statement).unique())
    records = rows[:TIMELINE_PAGE]
    amendments = {record.id: record.amendments for record in records if record.amendments}
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
            .options(joinedload(CareRecord.author))
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


def school_staff(session: Session, tenant_id: int, user_id: int) -> list[tuple[int, str]]:
    """The school's staff who may go on a home visit, the person asking first.

    Membership is a kernel table outside the tenant filter, so it is filtered by the school
    here, as the class-teacher choices of the school set-up are.
    """
    members = select(Membership.user_id).where(
        Membership.tenant_id == tenant_id,
        Membership.role.in_(PERMISSIONS["care.home_visit"]),
    )
    rows = session.execute(
        select(User.id, User.name)
        .where(User.id.in_(members), User.is_active)
        .order_by(case((User.id == user_id, 0), else_=1), User.name)
    )
    return [(row.id, row.name) for row in rows]


def group_talk_children(session: Session, user_id: int) -> list[Child]:
    """Whom a person may talk with in a group: the classes they teach first, then the children
    paired to them."""
    paired = select(Pairing.child_id).where(Pairing.user_id == user_id, Pairing.ended_on.is_(None))
    taught = select(SchoolClass.id).where(SchoolClass.teacher_id == user_id)
    statement = (
        select(Child)
        .options(selectinload(Child.school_class))
        .where(Child.status.in_(ON_ROLL), Child.id.in_(paired) | Child.class_id.in_(taught))
        .order_by(case((Child.class_id.in_(taught), 0), else_=1), Child.class_id, Child.name)
    )
    return list(session.scalars(statement))


def group_records(session: Session, group_uid: uuid.UUID, author_id: int) -> list[CareRecord]:
    """The records one group entry made, as its author reads them back."""
    return list(
        session.scalars(
            select(CareRecord)
            .options(selectinload(CareRecord.child))
            .where(CareRecord.group_uid == group_uid, CareRecord.author_id == author_id)
            .order_by(CareRecord.id)
        )
    )


# Care activities ------------------------------------------------------------------------------

ACTIVITY_PAGE = 20


def activity_classes(session: Session, user_id: int, roles: frozenset[Role]) -> list[SchoolClass]:
    """The classes a person may pick an activity's children from: those with a child they
    see, their own class first."""
    seen = visible_children(user_id, roles).with_only_columns(Child.class_id).scalar_subquery()
    return list(
        session.scalars(
            select(SchoolClass)
            .where(SchoolClass.is_active, SchoolClass.id.in_(seen))
            .order_by(
                case((SchoolClass.teacher_id == user_id, 0), else_=1),
                SchoolClass.grade,
                SchoolClass.section,
            )
        )
    )


def class_children(
    session: Session, school_class: SchoolClass, user_id: int, roles: frozenset[Role]
) -> list[Child]:
    """The children of a class this person sees, on the roll, by name."""
    return list(
        session.scalars(
            visible_children(user_id, roles)
            .where(Child.class_id == school_class.id)
            .order_by(Child.name_pinyin, Child.name)
        )
    )


def recent_activities(
    session: Session, page: int = 1
) -> tuple[list[tuple[CareActivity, int]], bool]:
    """The school's activities, latest first, each with how many children took part."""
    taking_part = (
        select(func.count())
        .where(ActivityParticipant.activity_id == CareActivity.id)
        .correlate(CareActivity)
        .scalar_subquery()
    )
    rows = [
        (activity, count)
        for activity, count in session.execute(
            select(CareActivity, taking_part)
            .order_by(CareActivity.happened_on.desc(), CareActivity.id.desc())
            .limit(ACTIVITY_PAGE + 1)
            .offset((page - 1) * ACTIVITY_PAGE)
        )
    ]
    return rows[:ACTIVITY_PAGE], len(rows) > ACTIVITY_PAGE


def activity_participants(
    session: Session, activity: CareActivity, user_id: int, roles: frozenset[Role]
) -> list[Child]:
    """The children of an activity this person may see by name; the rest are only counted."""
    taking_part = select(ActivityParticipant.child_id).where(
        ActivityParticipant.activity_id == activity.id
    )
    return list(
        session.scalars(
            visible_children(user_id, roles, statuses=tuple(ChildStatus))
            .options(selectinload(Child.school_class))
            .where(Child.id.in_(taking_part))
            .order_by(Child.class_id, Child.name_pinyin, Child.name)
        )
    )


def activity_photos(session: Session, activity: CareActivity) -> list[CarePhoto]:
    return list(
        session.scalars(
            select(CarePhoto).where(CarePhoto.activity_id == activity.id).order_by(CarePhoto.id)
        )
    )


def child_activities(session: Session, child: Child, limit: int = 10) -> list[CareActivity]:
    """The activities a child took part in, latest first: a section of the timeline."""
    return list(
        session.scalars(
            select(CareActivity)
            .join(ActivityParticipant, ActivityParticipant.activity_id == CareActivity.id)
            .where(ActivityParticipant.child_id == child.id)
            .order_by(CareActivity.happened_on.desc(), CareActivity.id.desc())
            .limit(limit)
        )
    )
