"""What waits for a person on the today page: the duties they answer for, the alerts addressed
to them and the follow-ups of their own records that are due.

Weekly and fortnightly duties are listed whenever they are not done. Monthly and term duties
would fill the list all term long, so they are listed only near their due date (or a monthly one
already overdue); otherwise a one-line count stands for them ("家访 12/30 本学期").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import and_, select, union_all
from sqlalchemy.orm import Session, joinedload

from webapp.care.duties import Board, Coverage, DutyStatus, State
from webapp.care.models import AlertKind, CareAlert, CareRecord, DutyKey, Period
from webapp.children.models import Child

# How long before its due date a monthly or term duty joins the list.
LISTED_BEFORE_DUE = {Period.MONTH: timedelta(days=10), Period.TERM: timedelta(weeks=4)}
CHILDREN_SHOWN = 25
WAITING_SHOWN = 30


def is_listed(status: DutyStatus, today: date) -> bool:
    if status.state == State.DONE:
        return False
    window = LISTED_BEFORE_DUE.get(status.period)
    if window is None:
        return True
    if status.period == Period.MONTH and status.state == State.OVERDUE:
        return True
    return status.due_on - today < window


@dataclass
class ChildDuties:
    """One child on a person's list, with what is due for them, the most urgent first."""

    child_id: int
    child_name: str
    class_name: str | None
    items: list[DutyStatus] = field(default_factory=list)

    @property
    def overdue(self) -> bool:
        return any(item.state == State.OVERDUE for item in self.items)


@dataclass(frozen=True)
class DutySummary:
    duty: DutyKey
    period: Period
    coverage: Coverage
    overdue: int


@dataclass
class Agenda:
    children: list[ChildDuties]
    summaries: list[DutySummary]
    more: int  # children left out of a shortened list

    @property
    def total(self) -> int:
        return len(self.children) + self.more


def agenda(board: Board, *, limit: int | None = CHILDREN_SHOWN) -> Agenda:
    """A person's duties grouped by child, most overdue first, and a count per duty."""
    children: dict[int, ChildDuties] = {}
    summaries: dict[DutyKey, tuple[Coverage, list[int]]] = {}
    for status in board.statuses:  # already most urgent first
        coverage, overdue = summaries.setdefault(status.duty, (Coverage(), [0]))
        coverage.total += 1
        coverage.done += status.is_done
        overdue[0] += status.state == State.OVERDUE
        if is_listed(status, board.today):
            entry = children.setdefault(
                status.child_id, ChildDuties(status.child_id, status.child_name, status.class_name)
            )
            entry.items.append(status)
    listed = list(children.values())
    shown = listed if limit is None else listed[:limit]
    order = list(DutyKey)
    return Agenda(
        children=shown,
        summaries=[
            DutySummary(duty, board.cadences[duty].period, coverage, overdue[0])
            for duty, (coverage, overdue) in sorted(
                summaries.items(), key=lambda item: order.index(item[0])
            )
        ],
        more=len(listed) - len(shown),
    )


# Alerts and follow-ups -----------------------------------------------------------------------


@dataclass(frozen=True)
class AlertItem:
    alert_id: int
    kind: AlertKind
    record: CareRecord
    child_name: str


@dataclass(frozen=True)
class FollowUpItem:
    record: CareRecord
    child_name: str


@dataclass
class Waiting:
    alerts: list[AlertItem] = field(default_factory=list)
    follow_ups: list[FollowUpItem] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.alerts or self.follow_ups)


def _open_alerts_for(user_id: int):
    return and_(CareAlert.recipient_id == user_id, CareAlert.acknowledged_at.is_(None))


def _follow_up_due(user_id: int, today: date):
    return and_(
        CareRecord.author_id == user_id,
        CareRecord.amends_id.is_(None),
        CareRecord.follow_up_sealed.is_not(None),
        CareRecord.follow_up_done_on.is_(None),
        CareRecord.follow_up_due <= today,
    )


def waiting_for(
    session: Session, user_id: int, today: date, *, alerts: bool, follow_ups: bool
) -> Waiting:
    """Open alerts addressed to the person and the due follow-ups of their own records, in
    one statement: the records behind either, each with its open alert to this person if any."""
    sources = []
    if alerts:
        sources.append(select(CareAlert.record_id).where(_open_alerts_for(user_id)))
    if follow_ups:
        sources.append(select(CareRecord.id).where(_follow_up_due(user_id, today)))
    if not sources:
        return Waiting()
    record_ids = union_all(*sources) if len(sources) > 1 else sources[0]
    rows = session.execute(
        select(CareRecord, Child.name, CareAlert.id, CareAlert.kind)
        .options(joinedload(CareRecord.author))
        .join(Child, Child.id == CareRecord.child_id)
        .outerjoin(
            CareAlert,
            and_(CareAlert.record_id == CareRecord.id, _open_alerts_for(user_id)),
        )
        .where(CareRecord.id.in_(record_ids))
        .order_by(CareRecord.happened_on.desc(), CareRecord.id.desc())
        .limit(WAITING_SHOWN)
    ).all()
    waiting = Waiting()
    for record, child_name, alert_id, alert_kind in rows:
        if alert_id is not None:
            waiting.alerts.append(AlertItem(alert_id, alert_kind, record, child_name))
        elif follow_ups and record.author_id == user_id:
            waiting.follow_ups.append(FollowUpItem(record, child_name))
    waiting.follow_ups.sort(key=lambda item: (item.record.follow_up_due, item.record.id))
    return waiting


def alerted_about(session: Session, record_id: int, user_id: int) -> bool:
    """Whether a record raised an alert to this person: they may then read it."""
    return (
        session.scalar(
            select(CareAlert.id)
            .where(CareAlert.record_id == record_id, CareAlert.recipient_id == user_id)
            .limit(1)
        )
        is not None
    )
