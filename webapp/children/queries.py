"""Finding children: the lists, the filters, the search, and what a card still lacks."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from webapp.auth.models import User
from webapp.children.access import visible_children
from webapp.children.models import (
    Child,
    ChildStatus,
    LeftBehindType,
    ParentSituation,
    SchoolClass,
    ThreeSpecial,
)
from webapp.core.audit import AuditAction, AuditEvent
from webapp.core.permissions import Role, can

PAGE_SIZE = 20
_LATIN = re.compile(r"^[a-z]+$")

CARE_FILTERS = {
    "left_behind": _l("Left behind (any)"),
    "both_parents": LeftBehindType.BOTH_PARENTS.lazy_label,
    "one_parent": LeftBehindType.ONE_PARENT.lazy_label,
    "civil": _l("Left behind (civil-affairs definition)"),
    "migrant": _l("Living with migrant parents (随迁)"),
    "none": LeftBehindType.NONE.lazy_label,
}
LEFT_SCHOOL = (ChildStatus.TRANSFERRED, ChildStatus.GRADUATED, ChildStatus.DROPPED_OUT)


@dataclass(frozen=True)
class ChildFilters:
    text: str = ""
    class_id: int | None = None
    care: str = ""
    three_special: str = ""
    boarder: bool = False
    bus: bool = False
    incomplete: bool = False
    left_school: bool = False
    page: int = 1

    @property
    def narrowed(self) -> bool:
        """Whether anything beyond class and page narrows the list."""
        return bool(
            self.text
            or self.care
            or self.three_special
            or self.boarder
            or self.bus
            or self.incomplete
        )

    def to_query(self, **changes: object) -> dict[str, object]:
        """The query string for this list, with some values changed (for links)."""
        current = replace(self, **changes)  # type: ignore[arg-type]
        query = {
            "q": current.text,
            "class_id": current.class_id,
            "care": current.care,
            "three_special": current.three_special,
            "boarder": "1" if current.boarder else "",
            "bus": "1" if current.bus else "",
            "incomplete": "1" if current.incomplete else "",
            "left": "1" if current.left_school else "",
            "page": current.page if current.page > 1 else None,
        }
        return {k: v for k, v in query.items() if v not in ("", None)}


@dataclass
class Page:
    items: list[Child]
    total: int
    number: int
    size: int = PAGE_SIZE
    pages: int = field(init=False)

    def __post_init__(self) -> None:
        self.pages = max(1, math.ceil(self.total / self.size))

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def civil_age_limit(today: date) -> date:
    """Children born after this day are under sixteen today."""
    try:
        return today.replace(year=today.year - 16)
    except ValueError:  # 29 February
        return today.replace(year=today.year - 16, day=28)


def _filtered(
    user_id: int, roles: frozenset[Role], filters: ChildFilters, today: date
) -> Select[tuple[Child]]:
    statuses = LEFT_SCHOOL if filters.left_school and can("children.view_all", roles) else None
    statement = (
        visible_children(user_id, roles, statuses=statuses)
        if statuses
        else visible_children(user_id, roles)
    )
    if filters.class_id is not None:
        statement = statement.where(Child.class_id == filters.class_id)
    care = filters.care
    if care == "left_behind":
        statement = statement.where(Child.left_behind_type != LeftBehindType.NONE)
    elif care in ("both_parents", "one_parent", "none"):
        statement = statement.where(Child.left_behind_type == LeftBehindType(care))
    elif care == "civil":
        statement = statement.where(
            Child.civil_parent_condition, Child.birth_date > civil_age_limit(today)
        )
    elif care == "migrant":
        statement = statement.where(Child.is_migrant)
    if filters.boarder:
        statement = statement.where(Child.is_boarder)
    if filters.bus:
        statement = statement.where(Child.rides_bus)
    text = filters.text.strip().lower()
    if text:
        if _LATIN.match(text):
            statement = statement.where(
                or_(
                    Child.name_initials.contains(text, autoescape=True),
                    Child.name_pinyin.contains(text, autoescape=True),
                )
            )
        else:
            statement = statement.where(Child.name.contains(text, autoescape=True))
    return statement


def _ordered(statement: Select[tuple[Child]]) -> Select[tuple[Child]]:
    return (
        statement.outerjoin(Child.school_class)
        .options(selectinload(Child.school_class))
        .order_by(SchoolClass.grade, SchoolClass.section, Child.name, Child.id)
    )


def search_children(
    session: Session, user_id: int, roles: frozenset[Role], filters: ChildFilters, today: date
) -> Page:
    statement = _filtered(user_id, roles, filters, today)
    if filters.three_special or filters.incomplete:
        # Sealed flags and card completeness are known only after decrypting: filter here.
        children = session.scalars(with_card_details(_ordered(statement))).all()
        if filters.three_special:
            wanted = ThreeSpecial(filters.three_special)
            children = [c for c in children if wanted in c.three_special]
        if filters.incomplete:
            children = [c for c in children if archive_gaps(c)]
        start = (filters.page - 1) * PAGE_SIZE
        return Page(list(children[start : start + PAGE_SIZE]), len(children), filters.page)
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    items = session.scalars(
        _ordered(statement).limit(PAGE_SIZE).offset((filters.page - 1) * PAGE_SIZE)
    ).all()
    return Page(list(items), total, filters.page)


def classes_taught_by(session: Session, user_id: int) -> list[SchoolClass]:
    return list(
        session.scalars(
            select(SchoolClass)
            .where(SchoolClass.teacher_id == user_id, SchoolClass.is_active)
            .order_by(SchoolClass.grade, SchoolClass.section)
        )
    )


def school_classes(session: Session) -> list[SchoolClass]:
    return list(
        session.scalars(
            select(SchoolClass)
            .where(SchoolClass.is_active)
            .order_by(SchoolClass.grade, SchoolClass.section)
        )
    )


def visible_classes(session: Session, user_id: int, roles: frozenset[Role]) -> list[SchoolClass]:
    if can("children.view_all", roles) or can("children.roster", roles):
        return school_classes(session)
    return classes_taught_by(session, user_id)


def class_cards(session: Session, class_ids: list[int]) -> tuple[dict[int, int], dict[int, int]]:
    """Per class, the children on the roll and how many of their cards still lack something
    (for the today page of the person's own classes).

    One statement, parents and guardians joined: the today page counts its statements."""
    if not class_ids:
        return {}, {}
    children = (
        session.scalars(
            select(Child)
            .options(joinedload(Child.parents), joinedload(Child.guardians))
            .where(Child.class_id.in_(class_ids), Child.status == ChildStatus.ACTIVE)
        )
        .unique()
        .all()
    )
    on_roll: dict[int, int] = {}
    incomplete: dict[int, int] = {}
    for child in children:
        on_roll[child.class_id] = on_roll.get(child.class_id, 0) + 1
        if archive_gaps(child):
            incomplete[child.class_id] = incomplete.get(child.class_id, 0) + 1
    return on_roll, incomplete


def children_per_class(session: Session, class_ids: list[int]) -> dict[int, int]:
    rows = session.execute(
        select(Child.class_id, func.count())
        .where(Child.class_id.in_(class_ids), Child.status == ChildStatus.ACTIVE)
        .group_by(Child.class_id)
    )
    return {class_id: count for class_id, count in rows if class_id is not None}


def find_child(session: Session, child_id: int) -> Child | None:
    return session.get(Child, child_id)


def find_by_id_number(session: Session, id_number: str) -> Child | None:
    return find_by_id_numbers(session, [id_number]).get(id_number)


def find_by_id_numbers(
    session: Session, id_numbers: list[str], chunk: int = 400
) -> dict[str, Child]:
    """ID number → this school's card holding it, found through the keyed hashes."""
    number_of_hash = {
        digest: id_number
        for id_number in id_numbers
        for digest in Child.id_number.lookup_hashes(id_number)
    }
    hashes = list(number_of_hash)
    found: dict[str, Child] = {}
    for start in range(0, len(hashes), chunk):
        statement = (
            select(Child)
            .options(selectinload(Child.school_class))
            .where(Child.id_number_hash.in_(hashes[start : start + chunk]))
        )
        for child in session.scalars(statement):
            found[number_of_hash[child.id_number_hash]] = child
    return found


def archive_gaps(child: Child) -> list[str]:
    """What the card still lacks before it counts as complete (建档率)."""
    gaps = []
    if not child.id_number:
        gaps.append(str(_l("ID number")))
    if child.class_id is None:
        gaps.append(str(_l("class")))
    if not child.address:
        gaps.append(str(_l("home address")))
    parents = {p.relation: p for p in child.parents}
    if len(parents) < 2 or any(p.situation == ParentSituation.UNKNOWN for p in parents.values()):
        gaps.append(str(_l("where the parents are")))
    for parent in parents.values():
        if parent.situation == ParentSituation.WORKING_AWAY and not (
            parent.phone and parent.work_city
        ):
            gaps.append(
                str(_l("%(relation)s's phone and place of work", relation=parent.relation.label))
            )
    reachable_at_home = [g for g in child.active_guardians if g.phone] or [
        p for p in parents.values() if p.situation == ParentSituation.AT_HOME and p.phone
    ]
    if not reachable_at_home:
        gaps.append(str(_l("a guardian with a phone")))
    return gaps


def with_card_details(statement: Select[tuple[Child]]) -> Select[tuple[Child]]:
    return statement.options(selectinload(Child.parents), selectinload(Child.guardians))


# What a card's save is recorded as: the acts that write the card (not views or disclosures).
CARD_WRITES = (AuditAction.UPDATE, AuditAction.STATUS, AuditAction.IMPORT, AuditAction.TRANSFER_IN)


def last_card_change(
    session: Session, child_id: int, subject: str = "child", subject_id: int | None = None
) -> tuple[str | None, datetime] | None:
    """Who last saved the card (or one of its parents or guardians), and when: their name, or
    None for the system."""
    subject_ids = [] if subject_id is None else [AuditEvent.subject_id == subject_id]
    row = session.execute(
        select(User.name, AuditEvent.at)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(
            AuditEvent.child_id == child_id,
            AuditEvent.subject == subject,
            *subject_ids,
            AuditEvent.action.in_(CARD_WRITES),
        )
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    ).first()
    return (row[0], row[1]) if row else None
