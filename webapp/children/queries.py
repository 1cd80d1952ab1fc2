"""Which children a person may see, and the lists built on that."""

from __future__ import annotations

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from webapp.children.models import Child, ChildStatus, SchoolClass
from webapp.core.permissions import Role, can

ID_NUMBER_PURPOSE = "child.id_number"


def visible_children(user_id: int, roles: frozenset[Role]) -> Select[tuple[Child]]:
    """The school's leaders see every child; a class teacher sees the classes they teach."""
    statement = select(Child).where(Child.status == ChildStatus.ACTIVE)
    if can("children.view_all", roles):
        return statement
    return statement.join(Child.school_class).where(SchoolClass.teacher_id == user_id)


def search_children(
    session: Session,
    user_id: int,
    roles: frozenset[Role],
    text: str = "",
    class_id: int | None = None,
    limit: int = 200,
) -> list[Child]:
    statement = visible_children(user_id, roles)
    if class_id is not None:
        statement = statement.where(Child.class_id == class_id)
    text = text.strip()
    if text:
        statement = statement.where(or_(Child.name.contains(text), Child.student_no == text))
    return list(session.scalars(statement.order_by(Child.class_id, Child.name).limit(limit)))


def classes_taught_by(session: Session, user_id: int) -> list[SchoolClass]:
    return list(
        session.scalars(
            select(SchoolClass)
            .where(SchoolClass.teacher_id == user_id, SchoolClass.is_active)
            .order_by(SchoolClass.stage, SchoolClass.grade, SchoolClass.section)
        )
    )


def visible_classes(session: Session, user_id: int, roles: frozenset[Role]) -> list[SchoolClass]:
    if not can("children.view_all", roles):
        return classes_taught_by(session, user_id)
    return list(
        session.scalars(
            select(SchoolClass)
            .where(SchoolClass.is_active)
            .order_by(SchoolClass.stage, SchoolClass.grade, SchoolClass.section)
        )
    )


def children_per_class(session: Session, class_ids: list[int]) -> dict[int, int]:
    rows = session.execute(
        select(Child.class_id, func.count())
        .where(Child.class_id.in_(class_ids), Child.status == ChildStatus.ACTIVE)
        .group_by(Child.class_id)
    )
    return {class_id: count for class_id, count in rows if class_id is not None}


def find_visible_child(
    session: Session, child_id: int, user_id: int, roles: frozenset[Role]
) -> Child | None:
    return session.scalar(visible_children(user_id, roles).where(Child.id == child_id))


def count_active_children(session: Session) -> int:
    return (
        session.scalar(
            select(func.count()).select_from(Child).where(Child.status == ChildStatus.ACTIVE)
        )
        or 0
    )
