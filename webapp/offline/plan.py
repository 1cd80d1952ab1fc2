"""The visit plan (家访计划): a teacher marks children "to visit" on a day; the home-visit pack
takes the day's plan, or, with nothing planned, the teacher's paired children due a visit."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload
from wtforms import DateField, HiddenField, ValidationError
from wtforms.validators import InputRequired

from webapp.care.duties import duty_board
from webapp.care.models import DutyKey, Pairing
from webapp.children.access import ON_ROLL
from webapp.children.models import Child
from webapp.core.forms import BaseForm
from webapp.core.i18n import local_today
from webapp.offline.models import PlannedVisit

PLAN_DAYS_AHEAD = 60


class PlanVisitForm(BaseForm):
    """Mark a child "to visit" on a day (today unless another is chosen), or take it back."""

    day = DateField(_l("Visit on"), validators=[InputRequired(message=_l("Choose the day."))])
    back = HiddenField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.day.data is None and not self.is_submitted():
            self.day.data = local_today()

    def validate_day(self, field: DateField) -> None:
        today = local_today()
        if field.data and field.data < today:
            raise ValidationError(str(_l("This day has passed.")))
        if field.data and field.data > today + timedelta(days=PLAN_DAYS_AHEAD):
            raise ValidationError(str(_l("Plan at most 60 days ahead.")))


def plan_visit(session: Session, *, child: Child, user_id: int, day: date) -> None:
    """Once: marking the same child for the same day again changes nothing."""
    if _planned(session, child.id, user_id, day) is not None:
        return
    try:
        with session.begin_nested():
            session.add(PlannedVisit(child_id=child.id, user_id=user_id, day=day))
            session.flush()
    except IntegrityError:  # the same tap twice at once
        if _planned(session, child.id, user_id, day) is None:
            raise


def unplan_visit(session: Session, *, child: Child, user_id: int, day: date) -> None:
    session.execute(
        delete(PlannedVisit).where(
            PlannedVisit.child_id == child.id,
            PlannedVisit.user_id == user_id,
            PlannedVisit.day == day,
        )
    )


def _planned(session: Session, child_id: int, user_id: int, day: date) -> PlannedVisit | None:
    return session.scalar(
        select(PlannedVisit).where(
            PlannedVisit.child_id == child_id,
            PlannedVisit.user_id == user_id,
            PlannedVisit.day == day,
        )
    )


def planned_children(session: Session, user_id: int, day: date) -> list[Child]:
    """The children this person plans to visit on the day, still on the roll."""
    statement = (
        select(Child)
        .join(PlannedVisit, PlannedVisit.child_id == Child.id)
        .options(selectinload(Child.school_class))
        .where(PlannedVisit.user_id == user_id, PlannedVisit.day == day)
        .where(Child.status.in_(ON_ROLL))
        .order_by(PlannedVisit.id)
    )
    return list(session.scalars(statement))


def paired_due_a_visit(session: Session, user_id: int, today: date, limit: int) -> list[Child]:
    """With nothing planned: the person's paired children whose home visit is not done this
    term, most overdue first."""
    paired = set(
        session.scalars(
            select(Pairing.child_id).where(Pairing.user_id == user_id, Pairing.ended_on.is_(None))
        )
    )
    if not paired:
        return []
    due = [
        status.child_id
        for status in duty_board(session, today).statuses
        if status.duty == DutyKey.HOME_VISIT and not status.is_done and status.child_id in paired
    ]
    due = list(dict.fromkeys(due))[:limit]
    children = {
        c.id: c
        for c in session.scalars(
            select(Child)
            .options(selectinload(Child.school_class))
            .where(Child.id.in_(due), Child.status.in_(ON_ROLL))
        )
    }
    return [children[i] for i in due if i in children]
