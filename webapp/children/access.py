"""Who sees which child, and how much of the card.

- The school's leaders (principal, coordinator, archivist) see every card in full.
- A class teacher sees the cards of the classes they teach in full.
- A proxy parent or volunteer sees only the children paired to them, and only what a
  pairing needs: no ID number, no address, no health, no phone number (they call through the
  app, which logs the call).
- Roles that work with every child but need no card (counsellor, safety lead, room keeper,
  dorm supervisor) see names and classes.
- Beyond that baseline, a grant the protection officer approved (another class, for at most
  seven days) opens that class's cards in full while it lasts; each use is noted for the log.
Sensitive fields stay masked even in a full card until revealed with a reason.
"""

from __future__ import annotations

from enum import IntEnum

from flask import g, has_request_context
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from webapp.care.models import Pairing
from webapp.children.models import Child, ChildStatus, SchoolClass
from webapp.core.db import utcnow
from webapp.core.permissions import CLASS_ROLES, Role, can
from webapp.privacy.queries import class_grant, granted_class_ids

ON_ROLL = (ChildStatus.ACTIVE, ChildStatus.TRANSFER_PENDING)
# Roles a pairing opens a child to (a counsellor may be a proxy parent too).
PAIRED_ROLES = frozenset(
    {Role.TEACHER, Role.VOLUNTEER, Role.CLASS_TEACHER, Role.KINDERGARTEN_TEACHER, Role.COUNSELLOR}
)


class Access(IntEnum):
    NONE = 0
    ROSTER = 1  # name, class, gender, age
    PAIRING = 2  # what a proxy parent or volunteer needs
    FULL = 3  # the whole card, sensitive fields masked until revealed


def _taught_class_ids(user_id: int) -> Select:
    return select(SchoolClass.id).where(SchoolClass.teacher_id == user_id)


def _paired_child_ids(user_id: int) -> Select:
    return select(Pairing.child_id).where(Pairing.user_id == user_id, Pairing.ended_on.is_(None))


def visible_children(
    user_id: int, roles: frozenset[Role], *, statuses: tuple[ChildStatus, ...] = ON_ROLL
) -> Select[tuple[Child]]:
    """The children a person may find in lists."""
    statement = select(Child).where(Child.status.in_(statuses))
    if can("children.view_all", roles) or can("children.roster", roles):
        return statement
    reachable = [Child.class_id.in_(granted_class_ids(user_id, utcnow()))]
    if roles & CLASS_ROLES:
        reachable.append(Child.class_id.in_(_taught_class_ids(user_id)))
    if roles & PAIRED_ROLES:
        reachable.append(Child.id.in_(_paired_child_ids(user_id)))
    return statement.where(or_(*reachable))


def access_to(session: Session, child: Child, user_id: int, roles: frozenset[Role]) -> Access:
    if can("children.view_all", roles):
        return Access.FULL
    # Through the relationship: the page shows the class too, so this load serves both.
    school_class = child.school_class if roles & CLASS_ROLES else None
    if school_class is not None and school_class.teacher_id == user_id:
        return Access.FULL
    grant = class_grant(session, user_id, child.class_id, utcnow())
    if grant is not None:
        note_grant_use(grant.id, child.id)
        return Access.FULL
    if roles & PAIRED_ROLES and session.scalar(
        _paired_child_ids(user_id).where(Pairing.child_id == child.id).limit(1)
    ):
        return Access.PAIRING
    if can("children.roster", roles):
        return Access.ROSTER
    return Access.NONE


def note_grant_use(grant_id: int, child_id: int | None) -> None:
    """Remember, for the request's end, that a grant let this look through (privacy logs it)."""
    if has_request_context():
        g.setdefault("grant_uses", set()).add((grant_id, child_id))


def may_edit(access: Access, roles: frozenset[Role]) -> bool:
    return access == Access.FULL and can("children.edit", roles)


def may_reveal(access: Access, roles: frozenset[Role]) -> bool:
    return access == Access.FULL and can("children.reveal", roles)


def may_call(access: Access, roles: frozenset[Role]) -> bool:
    return access >= Access.PAIRING and can("children.call", roles)
