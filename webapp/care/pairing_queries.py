"""Reading pairings (结对): who still needs a proxy parent, coverage per class, who looks after
whom and how many children each person already has, and a child's pairing history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, case, exists, func, select
from sqlalchemy.orm import Session, selectinload

from webapp.auth.models import User
from webapp.care.models import Pairing, PairingKind
from webapp.children.access import ON_ROLL
from webapp.children.models import Child, ChildStatus, LeftBehindType, SchoolClass
from webapp.core.org import Membership
from webapp.core.permissions import Role

# Who may be a proxy parent (代理家长): the school's staff who work with children.
STAFF_ROLES = frozenset(
    {
        Role.TEACHER,
        Role.CLASS_TEACHER,
        Role.KINDERGARTEN_TEACHER,
        Role.PRINCIPAL,
        Role.COORDINATOR,
        Role.COUNSELLOR,
    }
)
PEOPLE_FOR = {
    PairingKind.PROXY_PARENT: STAFF_ROLES,
    PairingKind.VOLUNTEER: frozenset({Role.VOLUNTEER}),
}
UNPAIRED_SHOWN = 200


def _has_active(kind: PairingKind) -> ColumnElement[bool]:
    return exists().where(
        Pairing.child_id == Child.id, Pairing.kind == kind, Pairing.ended_on.is_(None)
    )


def _left_behind_on_roll() -> list[ColumnElement[bool]]:
    return [Child.status.in_(ON_ROLL), Child.left_behind_type != LeftBehindType.NONE]


def unpaired_children(
    session: Session,
    *,
    class_id: int | None = None,
    kind: PairingKind = PairingKind.PROXY_PARENT,
    limit: int = UNPAIRED_SHOWN,
) -> list[Child]:
    """Left-behind children on the roll with no active pairing of this kind (no proxy parent)."""
    statement = (
        select(Child)
        .outerjoin(Child.school_class)
        .options(selectinload(Child.school_class))
        .where(*_left_behind_on_roll(), ~_has_active(kind))
        .order_by(SchoolClass.grade, SchoolClass.section, Child.name, Child.id)
        .limit(limit)
    )
    if class_id is not None:
        statement = statement.where(Child.class_id == class_id)
    return list(session.scalars(statement))


def left_behind_in_class(session: Session, class_id: int) -> list[Child]:
    """Every left-behind child of a class on the roll, paired or not."""
    return list(
        session.scalars(
            select(Child)
            .options(selectinload(Child.school_class))
            .where(*_left_behind_on_roll(), Child.class_id == class_id)
            .order_by(Child.name, Child.id)
        )
    )


@dataclass(frozen=True)
class Coverage:
    """How many left-behind children of a class (or the school) have a proxy parent."""

    school_class: SchoolClass | None
    left_behind: int
    paired: int

    @property
    def unpaired(self) -> int:
        return self.left_behind - self.paired

    @property
    def percent(self) -> int:
        return 100 if not self.left_behind else (100 * self.paired) // self.left_behind


def coverage(session: Session) -> tuple[Coverage, list[Coverage]]:
    """The school's proxy-parent coverage and each class's, classes in order."""
    paired = func.sum(case((_has_active(PairingKind.PROXY_PARENT), 1), else_=0))
    rows = session.execute(
        select(Child.class_id, func.count(), paired)
        .where(*_left_behind_on_roll())
        .group_by(Child.class_id)
    ).all()
    classes = {
        c.id: c
        for c in session.scalars(
            select(SchoolClass).where(SchoolClass.id.in_([r[0] for r in rows if r[0]]))
        )
    }
    per_class = [
        Coverage(classes.get(class_id), count, int(done or 0)) for class_id, count, done in rows
    ]
    per_class.sort(
        key=lambda c: (c.school_class is None, *_class_order(c.school_class)),
    )
    total = Coverage(None, sum(c.left_behind for c in per_class), sum(c.paired for c in per_class))
    return total, per_class


def _class_order(school_class: SchoolClass | None) -> tuple[int, int]:
    return (school_class.grade, school_class.section) if school_class else (0, 0)


def children_with_kind(session: Session, kind: PairingKind) -> int:
    """How many children on the roll have an active pairing of a kind (volunteers, buddies)."""
    return (
        session.scalar(
            select(func.count())
            .select_from(Child)
            .where(Child.status.in_(ON_ROLL), _has_active(kind))
        )
        or 0
    )


def active_pairings_of(session: Session, child_ids: list[int]) -> dict[int, list[Pairing]]:
    """Child id → their active pairings, proxy parent first."""
    if not child_ids:
        return {}
    found: dict[int, list[Pairing]] = {}
    for pairing in session.scalars(
        select(Pairing)
        .options(selectinload(Pairing.user), selectinload(Pairing.helper_child))
        .where(Pairing.child_id.in_(child_ids), Pairing.ended_on.is_(None))
        .order_by(Pairing.kind, Pairing.started_on, Pairing.id)
    ):
        found.setdefault(pairing.child_id, []).append(pairing)
    for pairings in found.values():
        pairings.sort(key=lambda p: p.kind != PairingKind.PROXY_PARENT)
    return found


@dataclass(frozen=True)
class Person:
    """Someone who can be paired, with how many children they already look after."""

    user: User
    load: int


def people_for(session: Session, tenant_id: int, kind: PairingKind) -> list[Person]:
    """The school's members who can take a pairing of this kind, the least busy first, so the
    load is spread."""
    users = session.scalars(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.tenant_id == tenant_id,
            Membership.role.in_(PEOPLE_FOR[kind]),
            User.is_active,
        )
        .distinct()
    ).all()
    load = dict(
        session.execute(
            select(Pairing.user_id, func.count())
            .join(Child, Child.id == Pairing.child_id)
            .where(
                Pairing.kind == kind,
                Pairing.ended_on.is_(None),
                Pairing.user_id.in_([u.id for u in users]),
                Child.status.in_(ON_ROLL),
            )
            .group_by(Pairing.user_id)
        ).all()
    )
    people = [Person(user, load.get(user.id, 0)) for user in users]
    return sorted(people, key=lambda p: (p.load, p.user.name, p.user.id))


def children_to_offer(
    session: Session, *, class_id: int | None, kind: PairingKind, chosen: list[int]
) -> list[Child]:
    """The chips of the assign form: the class's left-behind children still without a pairing
    of this kind, and whichever children were chosen already (from a card, say)."""
    offered = unpaired_children(session, class_id=class_id, kind=kind) if class_id else []
    missing = [i for i in chosen if i not in {c.id for c in offered}]
    if missing:
        offered += list(
            session.scalars(
                select(Child)
                .options(selectinload(Child.school_class))
                .where(Child.id.in_(missing), Child.status.in_(ON_ROLL))
                .order_by(Child.name)
            )
        )
    return offered


def helper_candidates(session: Session, child: Child, found: list[Child]) -> list[Child]:
    """Who may be a child's study buddy (学习帮手): classmates first, then children found by
    name; never the child, never a child who left."""
    classmates = (
        list(
            session.scalars(
                select(Child)
                .where(Child.class_id == child.class_id, Child.status.in_(ON_ROLL))
                .order_by(Child.name, Child.id)
            )
        )
        if child.class_id
        else []
    )
    seen: set[int] = {child.id}
    candidates = []
    for candidate in found + classmates:
        if candidate.id not in seen and candidate.status in ON_ROLL:
            seen.add(candidate.id)
            candidates.append(candidate)
    return candidates


def history_of(session: Session, child: Child) -> list[Pairing]:
    """Every pairing of a child, the active ones first, then the ended ones, latest first."""
    return list(
        session.scalars(
            select(Pairing)
            .options(selectinload(Pairing.user), selectinload(Pairing.helper_child))
            .where(Pairing.child_id == child.id)
            .order_by(
                Pairing.ended_on.is_not(None),
                Pairing.ended_on.desc(),
                Pairing.started_on.desc(),
                Pairing.id.desc(),
            )
        )
    )


def helped_by(session: Session, child: Child) -> list[Pairing]:
    """The pairings where this child is the study buddy of another child."""
    return list(
        session.scalars(
            select(Pairing)
            .options(selectinload(Pairing.child))
            .where(Pairing.helper_child_id == child.id)
            .order_by(Pairing.ended_on.is_not(None), Pairing.started_on.desc(), Pairing.id.desc())
        )
    )


def pairings_of_person(session: Session, user_id: int) -> tuple[list[Pairing], list[Pairing]]:
    """A person's own pairings: the children they look after now (on the roll), and earlier."""
    rows = session.scalars(
        select(Pairing)
        .join(Child, Child.id == Pairing.child_id)
        .outerjoin(SchoolClass, SchoolClass.id == Child.class_id)
        .options(selectinload(Pairing.child).selectinload(Child.school_class))
        .where(Pairing.user_id == user_id)
        .order_by(
            Pairing.kind, SchoolClass.grade, SchoolClass.section, Child.name, Pairing.id.desc()
        )
    ).all()
    current = [p for p in rows if p.is_active and p.child.status in ON_ROLL]
    earlier = [p for p in rows if p not in current]
    earlier.sort(key=lambda p: p.ended_on or date.max, reverse=True)
    return current, earlier


# A pairing ended because the child (or the helper) left the roll keeps the status as its
# reason (children.service), shown here in the reader's language.
LEFT_ROLL_REASONS = {
    ChildStatus.TRANSFERRED.value: _l("Left the school: transferred out"),
    ChildStatus.GRADUATED.value: _l("Left the school: graduated"),
    ChildStatus.DROPPED_OUT.value: _l("Left the school: dropped out"),
}


def end_reason_label(pairing: Pairing) -> str:
    reason = pairing.end_reason or ""
    return str(LEFT_ROLL_REASONS.get(reason, reason))
