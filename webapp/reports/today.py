"""The monthly report's reminder on the coordinator's today page: from the 20th of the month
until the month's report is submitted, due by the 25th (每月25日前报送). Nobody else's today page
pays a statement for it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.core.permissions import Role
from webapp.reports.models import MonthlyReport, ReportStatus

REMIND_FROM_DAY = 20
DUE_DAY = 25


@dataclass(frozen=True)
class MonthlyReminder:
    month: date
    due_on: date
    overdue: bool
    started: bool  # a draft exists


def panel(
    session: Session, _user_id: int, roles: frozenset[Role], today: date
) -> MonthlyReminder | None:
    if Role.COORDINATOR not in roles or today.day < REMIND_FROM_DAY:
        return None
    month = today.replace(day=1)
    status = session.scalar(select(MonthlyReport.status).where(MonthlyReport.month == month))
    if status == ReportStatus.SUBMITTED:
        return None
    return MonthlyReminder(
        month=month,
        due_on=today.replace(day=DUE_DAY),
        overdue=today.day > DUE_DAY,
        started=status is not None,
    )
