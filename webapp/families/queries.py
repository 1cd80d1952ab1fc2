"""Reading guardian meetings: the classes a person records families for, each class's families
as chips, the meetings of a term with how many families came, and who came to one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from webapp.children.access import ON_ROLL, visible_children
from webapp.children.models import Child, ParentSituation, SchoolClass
from webapp.children.queries import classes_taught_by, school_classes
from webapp.core.choices import Choice
from webapp.core.permissions import Role, can
from webapp.families.models import GuardianMeeting, MeetingAttendance, MeetingPhoto
from webapp.tenants.models import SchoolYear, Term


@dataclass(frozen=True)
class Family:
    """A child's family as a chip: the child's name and who would come for the child."""

    child_id: int
    child_name: str
    relation: Choice | None  # 奶奶, 父亲 … (the label is read in the reader's language)
    parent_id: int | None
    guardian_id: int | None

    @property
    def label(self) -> str:
        return f"{self.child_name} · {self.relation.label}" if self.relation else self.child_name


def meeting_classes(session: Session, user_id: int, roles: frozenset[Role]) -> list[SchoolClass]:
    """The school's classes for its leaders; a class teacher's own classes."""
    if can("children.view_all", roles):
        return school_classes(session)
    return classes_taught_by(session, user_id)


def family_of(child: Child) -> Family:
    """Who comes for a child: the guardian at home first, else a parent at home, else a
    parent (a parent home for the holidays comes too)."""
    guardians = child.active_guardians
    if guardians:
        return Family(child.id, child.name, guardians[0].relation, None, guardians[0].id)
    parents = sorted(child.parents, key=lambda p: p.situation != ParentSituation.AT_HOME)
    if parents:
        return Family(child.id, child.name, parents[0].relation, parents[0].id, None)
    return Family(child.id, child.name, None, None, None)


def class_families(session: Session, school_class: SchoolClass) -> list[Family]:
    children = session.scalars(
        select(Child)
        .options(selectinload(Child.parents), selectinload(Child.guardians))
        .where(Child.class_id == school_class.id, Child.status.in_(ON_ROLL))
        .order_by(Child.name_pinyin, Child.name, Child.id)
    )
    return [family_of(child) for child in children]


def attended_in(session: Session, meeting: GuardianMeeting, child_ids: list[int]) -> list[int]:
    return list(
        session.scalars(
            select(MeetingAttendance.child_id).where(
                MeetingAttendance.meeting_id == meeting.id,
                MeetingAttendance.child_id.in_(child_ids),
            )
        )
    )


def school_terms(session: Session) -> list[Term]:
    """Every term, the latest first."""
    return list(
        session.scalars(
            select(Term)
            .options(selectinload(Term.school_year))
            .join(SchoolYear, SchoolYear.id == Term.school_year_id)
            .order_by(Term.starts_on.desc())
        )
    )


def term_of(terms: list[Term], day: date) -> Term | None:
    """The term holding a day; in a holiday, the one that ended last."""
    started = [t for t in terms if t.starts_on <= day]
    running = [t for t in started if t.ends_on >= day]
    return (running or started or [None])[0]


@dataclass(frozen=True)
class MeetingRow:
    meeting: GuardianMeeting
    families: int


def meetings_between(session: Session, first: date, last: date) -> list[MeetingRow]:
    """The meetings held between two days (a term), latest first, with the families who came."""
    came = (
        select(func.count())
        .where(MeetingAttendance.meeting_id == GuardianMeeting.id)
        .correlate(GuardianMeeting)
        .scalar_subquery()
    )
    rows = session.execute(
        select(GuardianMeeting, came)
        .where(GuardianMeeting.held_on.between(first, last))
        .order_by(GuardianMeeting.held_on.desc(), GuardianMeeting.id.desc())
    )
    return [MeetingRow(meeting, families) for meeting, families in rows]


def count_between(session: Session, first: date, last: date) -> int:
    """How many meetings the school held between two days: the term's figure for reports."""
    return (
        session.scalar(
            select(func.count())
            .select_from(GuardianMeeting)
            .where(GuardianMeeting.held_on.between(first, last))
        )
        or 0
    )


@dataclass(frozen=True)
class ClassAttendance:
    school_class: SchoolClass | None
    families: list[Family]  # the ones this person may see by name
    unseen: int  # the others, counted


def attendance_by_class(
    session: Session, meeting: GuardianMeeting, user_id: int, roles: frozenset[Role]
) -> list[ClassAttendance]:
    """Who came, class by class: by name where the person sees the child, else counted."""
    seen_ids = visible_children(user_id, roles, statuses=tuple(ON_ROLL)).with_only_columns(Child.id)
    rows = session.execute(
        select(Child, Child.id.in_(seen_ids))
        .options(
            selectinload(Child.school_class),
            selectinload(Child.parents),
            selectinload(Child.guardians),
        )
        .join(MeetingAttendance, MeetingAttendance.child_id == Child.id)
        .where(MeetingAttendance.meeting_id == meeting.id)
        .order_by(Child.class_id, Child.name_pinyin, Child.id)
    ).all()
    who = {a.child_id: a for a in meeting.attendance}
    groups: dict[int | None, ClassAttendance] = {}
    for child, seen in rows:
        group = groups.setdefault(child.class_id, ClassAttendance(child.school_class, [], 0))
        if not seen:
            groups[child.class_id] = ClassAttendance(
                group.school_class, group.families, group.unseen + 1
            )
            continue
        group.families.append(_came(child, who[child.id]))
    return list(groups.values())


def _came(child: Child, attendance: MeetingAttendance) -> Family:
    person = next((p for p in child.parents if p.id == attendance.parent_id), None) or next(
        (g for g in child.guardians if g.id == attendance.guardian_id), None
    )
    relation = person.relation if person is not None else None
    return Family(child.id, child.name, relation, attendance.parent_id, attendance.guardian_id)


def meeting_photos(session: Session, meeting: GuardianMeeting) -> list[MeetingPhoto]:
    return list(
        session.scalars(
            select(MeetingPhoto)
            .where(MeetingPhoto.meeting_id == meeting.id)
            .order_by(MeetingPhoto.id)
        )
    )
