"""The today page's line about the children's home's things: overdue loans for the keeper,
signatures waiting for a department head or the principal, a class's overdue loans for its
teacher. Nothing when the person has nothing of it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from webapp.assets.models import AssetItem, Loan, WriteOff, WriteOffStatus
from webapp.children.models import Child, SchoolClass
from webapp.core.permissions import Role, can


@dataclass(frozen=True)
class Panel:
    overdue: int  # loans overdue (the keeper's), or of one's class (a class teacher's)
    class_overdue: bool
    to_accept: int  # items waiting for this department head's acceptance
    to_countersign: int  # write-offs waiting for a department head
    to_approve: int  # write-offs waiting for the principal
    ledger: bool  # may open the ledger

    def __bool__(self) -> bool:
        return bool(
            self.overdue or self.to_accept or self.to_countersign or self.to_approve or self.ledger
        )


def panel(session: Session, user_id: int, roles: frozenset[Role], today: date) -> Panel | None:
    keeper = can("assets.manage", roles)
    overdue = select(func.count(Loan.id)).where(Loan.returned_at.is_(None), Loan.due_on < today)
    class_overdue = False
    if not keeper and can("assets.reminders", roles):
        taught = select(SchoolClass.id).where(SchoolClass.teacher_id == user_id)
        pupils = select(Child.id).where(Child.class_id.in_(taught))
        overdue, class_overdue = overdue.where(Loan.child_id.in_(pupils)), True
    elif not keeper:
        return None
    head = can("assets.countersign", roles)
    to_accept = (
        session.scalar(
            select(func.count(AssetItem.id)).where(
                AssetItem.written_off_at.is_(None), AssetItem.head_signed_at.is_(None)
            )
        )
        if head
        else 0
    )
    to_approve = _write_offs(session, WriteOffStatus.SIGNED) if can("assets.approve", roles) else 0
    found = Panel(
        overdue=session.scalar(overdue) or 0,
        class_overdue=class_overdue,
        to_accept=to_accept or 0,
        to_countersign=_write_offs(session, WriteOffStatus.REQUESTED) if head else 0,
        to_approve=to_approve,
        ledger=can("assets.view", roles),
    )
    return found or None


def _write_offs(session: Session, status: WriteOffStatus) -> int:
    return session.scalar(select(func.count(WriteOff.id)).where(WriteOff.status == status)) or 0
