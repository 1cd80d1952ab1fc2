"""The duty engine: which care work is done, due or overdue, for each child and each person,
on any day.

A duty repeats every period (ISO week, fortnight, calendar month, school term) for every
left-behind child on the roll. It is done in a period when a record that counts for it
happened in that period: a talk by the child's proxy parent, a talk by the class teacher, any
parent contact, home visit or letter home, a care activity the child took part in. It is due
until the period ends (the due date), and overdue when the period before it, within the time the
duty applied to the child, was missed too. Amendments never count as a second record.

Duties count in term time. A child is due from the day the duty began to apply: the first
period is the one that holds the later of the term's first day, the pairing day, the day the
child joined the school and the day the child became left behind. Outside a term nothing is
due; a school with no terms set up counts every week, fortnight and month, and no term duty.

Everything is computed from a few statements whatever the number of children (``Board``):
the school's cadences, its terms, and one row per child and pairing carrying the last day each
kind of record happened, from subqueries grouped by child, all through the tenant filter. The
caller always says which day is today.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import Enum
from functools import cache
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    ColumnElement,
    Date,
    Integer,
    Select,
    and_,
    bindparam,
    case,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Session, aliased, joinedload

from webapp.care.models import (
    ActivityParticipant,
    CareActivity,
    CareKind,
    CareRecord,
    DutyCadence,
    DutyKey,
    Pairing,
    PairingKind,
    Period,
)
from webapp.children.access import ON_ROLL
from webapp.children.models import (
    Child,
    ChildStatus,
    ChildStatusChange,
    LeftBehindType,
    SchoolClass,
    StatusKind,
)
from webapp.core.choices import Choice
from webapp.room.models import SignIn
from webapp.tenants.models import Term

# Records older than this are not read: a year holds the previous term and then some.
LOOKBACK = timedelta(days=366)
EPOCH_MONDAY = date(2000, 1, 3)

# Pairings whose helper talks with the child every week: staff proxy parents (代理家长) and
# community volunteers (爱心妈妈), who are proxy parents from outside the school.
TALKING_PAIRINGS = (PairingKind.PROXY_PARENT, PairingKind.VOLUNTEER)


class Responsible(Enum):
    PAIRED = "paired"  # each person paired to the child, for their own talks
    CLASS_TEACHER = "class_teacher"
    PROXY_PARENT_ELSE_CLASS_TEACHER = "proxy_parent_else_class_teacher"


@dataclass(frozen=True)
class DutySpec:
    """What a duty is: its default cadence, what does it, and who answers for it."""

    key: DutyKey
    period: Period
    enabled: bool
    responsible: Responsible
    kind: CareKind | None  # the record that does it; None for the activity duty


DUTIES: dict[DutyKey, DutySpec] = {
    spec.key: spec
    for spec in (
        DutySpec(DutyKey.PROXY_PARENT_TALK, Period.WEEK, True, Responsible.PAIRED, CareKind.TALK),
        DutySpec(
            DutyKey.CLASS_TEACHER_TALK,
            Period.FORTNIGHT,
            True,
            Responsible.CLASS_TEACHER,
            CareKind.TALK,
        ),
        DutySpec(
            DutyKey.PARENT_CONTACT,
            Period.MONTH,
            True,
            Responsible.PROXY_PARENT_ELSE_CLASS_TEACHER,
            CareKind.PARENT_CONTACT,
        ),
        DutySpec(
            DutyKey.HOME_VISIT, Period.TERM, True, Responsible.CLASS_TEACHER, CareKind.HOME_VISIT
        ),
        DutySpec(
            DutyKey.LETTER_HOME, Period.TERM, True, Responsible.CLASS_TEACHER, CareKind.LETTER_HOME
        ),
        DutySpec(DutyKey.ACTIVITY, Period.WEEK, True, Responsible.CLASS_TEACHER, None),
        # Offered weekly in the children's home; off until a school switches it on.
        DutySpec(
            DutyKey.FAMILY_CALL, Period.WEEK, False, Responsible.CLASS_TEACHER, CareKind.FAMILY_CALL
        ),
    )
}

# Kinds done by anyone (with an author): the latest of each is read once per child.
ANY_AUTHOR_KINDS = (
    CareKind.PARENT_CONTACT,
    CareKind.HOME_VISIT,
    CareKind.LETTER_HOME,
    CareKind.FAMILY_CALL,
)

PERIOD_NOW = {
    Period.WEEK: _l("this week"),
    Period.FORTNIGHT: _l("this fortnight"),
    Period.MONTH: _l("this month"),
    Period.TERM: _l("this term"),
}


class State(Choice):
    OVERDUE = "overdue", _l("Overdue")
    DUE = "due", _l("Due")
    DONE = "done", _l("Done")


@dataclass(frozen=True)
class Cadence:
    duty: DutyKey
    period: Period
    enabled: bool


def cadences(session: Session) -> dict[DutyKey, Cadence]:
    """Every duty's cadence in this school: the defaults, overridden by its DutyCadence rows."""
    rows = {row.duty: row for row in session.scalars(select(DutyCadence))}
    found = {}
    for key, spec in DUTIES.items():
        row = rows.get(key)
        found[key] = (
            Cadence(key, row.period, row.enabled)
            if row is not None
            else Cadence(key, spec.period, spec.enabled)
        )
    return found


# The calendar -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SchoolCalendar:
    """The terms that matter on a day: those started by then and ended within the lookback,
    oldest first."""

    today: date
    terms: list[Term]

    @property
    def current(self) -> Term | None:
        """The term running today; None in a holiday."""
        latest = self.latest
        return latest if latest is not None and latest.ends_on >= self.today else None

    @property
    def latest(self) -> Term | None:
        """The term running today or, in a holiday, the one that ended last (current_term)."""
        return self.terms[-1] if self.terms else None

    @property
    def counts_time(self) -> bool:
        """Whether duties count today: in term time, or always in a school with no terms."""
        return self.current is not None or not self.terms

    def fortnight_anchor(self) -> date:
        """Fortnights are pairs of ISO weeks from the Monday of the term's first week."""
        latest = self.latest
        return monday_of(latest.starts_on) if latest is not None else EPOCH_MONDAY


def load_calendar(session: Session, today: date) -> SchoolCalendar:
    terms = session.scalars(
        select(Term)
        .options(joinedload(Term.school_year))
        .where(Term.starts_on <= today, Term.ends_on >= today - LOOKBACK)
        .order_by(Term.starts_on, Term.id)
    ).all()
    return SchoolCalendar(today, list(terms))


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class Periods:
    """Numbered periods of one kind: ``index`` of the period a day falls in, its bounds, and for
    a start day the first period that holds any of it."""

    index: Callable[[date], int]
    bounds: Callable[[int], tuple[date, date]]
    first_from: Callable[[date], int]


def periods_for(period: Period, school: SchoolCalendar) -> Periods:
    if period == Period.WEEK:
        return _regular(EPOCH_MONDAY, 7)
    if period == Period.FORTNIGHT:
        return _regular(school.fortnight_anchor(), 14)
    if period == Period.MONTH:

        def month_index(day: date) -> int:
            return day.year * 12 + day.month - 1

        def month_bounds(index: int) -> tuple[date, date]:
            year, month = divmod(index, 12)
            return date(year, month + 1, 1), date(
                year, month + 1, calendar.monthrange(year, month + 1)[1]
            )

        return Periods(month_index, month_bounds, month_index)
    terms = school.terms

    def term_index(day: date) -> int:
        """The last term started by then: a late record counts for the term just ended."""
        return sum(1 for term in terms if term.starts_on <= day) - 1

    def first_term(day: date) -> int:
        return next((i for i, term in enumerate(terms) if term.ends_on >= day), len(terms))

    def term_bounds(index: int) -> tuple[date, date]:
        return terms[index].starts_on, terms[index].ends_on

    return Periods(term_index, term_bounds, first_term)


def _regular(anchor: date, days: int) -> Periods:
    def index(day: date) -> int:
        return (day - anchor).days // days

    def bounds(number: int) -> tuple[date, date]:
        start = anchor + timedelta(days=number * days)
        return start, start + timedelta(days=days - 1)

    return Periods(index, bounds, index)


# What the engine answers --------------------------------------------------------------------


@dataclass(frozen=True)
class DutyStatus:
    """One duty of one child, for the person who answers for it (None: nobody yet)."""

    duty: DutyKey
    period: Period
    child_id: int
    child_name: str
    class_id: int | None
    class_name: str | None
    responsible_id: int | None
    state: State
    period_start: date
    due_on: date  # the current period's last day
    missed: int  # whole periods missed before the current one, within applicability
    last_done: date | None

    @property
    def is_done(self) -> bool:
        return self.state == State.DONE


def urgency(status: DutyStatus, overdue: State = State.OVERDUE) -> tuple:
    """Most overdue first, then the nearest due date (a sort key; thousands on the board)."""
    return (status.state is not overdue, -status.missed, status.due_on, status.child_name)


@dataclass
class Coverage:
    done: int = 0
    total: int = 0

    @property
    def percent(self) -> int | None:
        return round(100 * self.done / self.total) if self.total else None


@dataclass(frozen=True)
class UnpairedChild:
    child_id: int
    child_name: str
    class_id: int | None
    class_name: str | None


@dataclass
class Board:
    """The duties of a set of children on one day."""

    today: date
    school: SchoolCalendar
    cadences: dict[DutyKey, Cadence]
    statuses: list[DutyStatus] = field(default_factory=list)
    unpaired: list[UnpairedChild] = field(default_factory=list)  # no proxy parent

    @property
    def enabled(self) -> list[Cadence]:
        return [c for c in self.cadences.values() if c.enabled]

    def of_person(self, user_id: int) -> list[DutyStatus]:
        return [s for s in self.statuses if s.responsible_id == user_id]

    def coverage(self) -> dict[tuple[int | None, DutyKey], Coverage]:
        """(class id, duty) → how many of the duty's children are done in its current period."""
        return _tally(self.statuses, lambda s: (s.class_id, s.duty))

    def school_coverage(self) -> dict[DutyKey, Coverage]:
        return _tally(self.statuses, lambda s: s.duty)


def _tally(statuses: list[DutyStatus], key: Callable[[DutyStatus], Any]) -> dict[Any, Coverage]:
    cells: dict[Any, Coverage] = {}
    for status in statuses:
        cell = cells.setdefault(key(status), Coverage())
        cell.total += 1
        cell.done += status.is_done
    return cells


# Where the activity duty finds each child's latest activity: a source is a statement of
# (child id, the last day on or before `today` the child took part), grouped by child and kept
# to the children in scope. Sign-ins to the children's home (留守儿童之家) add theirs.
# A day or a child's id as the statements take them: a bound parameter of the cached statement.
SqlValue = ColumnElement[Any]
ActivitySource = Callable[[SqlValue, SqlValue, Select | None], Select]


def _care_activity_last(since: SqlValue, today: SqlValue, scope: Select | None) -> Select:
    statement = (
        select(ActivityParticipant.child_id, func.max(CareActivity.happened_on).label("last"))
        .join(CareActivity, CareActivity.id == ActivityParticipant.activity_id)
        .where(CareActivity.happened_on.between(since, today))
        .group_by(ActivityParticipant.child_id)
    )
    return statement if scope is None else statement.where(ActivityParticipant.child_id.in_(scope))


def _room_sign_in_last(since: SqlValue, today: SqlValue, scope: Select | None) -> Select:
    """A visit to a room of the children's home, on the local day the child signed in."""
    statement = (
        select(SignIn.child_id, func.max(SignIn.signed_in_on).label("last"))
        .where(SignIn.signed_in_on.between(since, today))
        .group_by(SignIn.child_id)
    )
    return statement if scope is None else statement.where(SignIn.child_id.in_(scope))


ACTIVITY_SOURCES: list[ActivitySource] = [_care_activity_last, _room_sign_in_last]


def _active_on(pairing: type[Pairing], today: SqlValue) -> ColumnElement[bool]:
    return and_(
        pairing.started_on <= today, or_(pairing.ended_on.is_(None), pairing.ended_on > today)
    )


def _children_of(
    user_id: SqlValue, today: SqlValue, child: type[Child] = Child
) -> ColumnElement[bool]:
    """Children a person answers for something: paired to them, or in a class they teach.

    Aliases, since the outer statement joins pairings and classes itself."""
    mine, taught = aliased(Pairing), aliased(SchoolClass)
    paired_ids = select(mine.child_id).where(mine.user_id == user_id, _active_on(mine, today))
    taught_ids = select(taught.id).where(taught.teacher_id == user_id)
    return or_(child.id.in_(paired_ids), child.class_id.in_(taught_ids))


def _scope(
    today: SqlValue, responsible_id: SqlValue | None, class_id: SqlValue | None
) -> Select | None:
    """The ids of the children a call reads, for the grouped subqueries; None: all of them."""
    if responsible_id is None and class_id is None:
        return None
    child = aliased(Child)
    statement = select(child.id)
    if responsible_id is not None:
        statement = statement.where(_children_of(responsible_id, today, child))
    if class_id is not None:
        statement = statement.where(child.class_id == class_id)
    return statement


def duty_board(
    session: Session,
    today: date,
    *,
    responsible_id: int | None = None,
    class_id: int | None = None,
    school: SchoolCalendar | None = None,
) -> Board:
    """Every duty of the school's left-behind children on the roll, on the given day.

    With ``responsible_id`` only the children that person answers for are read (the today
    page); with ``class_id`` only one class (a drill-down). Three statements at most.
    """
    since = today - LOOKBACK
    statement = _rows_statement(by_person=responsible_id is not None, by_class=class_id is not None)
    parameters = {
        "today": today,
        "since": since,
        "responsible_id": responsible_id,
        "class_id": class_id,
    }
    rows = session.execute(statement, parameters).all()
    if not rows:
        return Board(today, school or SchoolCalendar(today, []), {})
    board = Board(today, school or load_calendar(session, today), cadences(session))
    _evaluate(board, rows, since)
    if responsible_id is not None:
        board.statuses = board.of_person(responsible_id)
    board.statuses.sort(key=urgency)
    return board


@cache
def became_due() -> Select:
    """Per child, the last day it joined the school (again) or became left behind: before it,
    nothing was due for the child (the caller groups by child)."""
    return select(
        ChildStatusChange.child_id, func.max(ChildStatusChange.effective_on).label("on")
    ).where(
        or_(
            and_(
                ChildStatusChange.kind == StatusKind.ENROLMENT,
                ChildStatusChange.to_value == ChildStatus.ACTIVE,
            ),
            and_(
                ChildStatusChange.kind == StatusKind.CARE,
                ChildStatusChange.from_value == LeftBehindType.NONE,
            ),
        )
    )


@cache
def _rows_statement(*, by_person: bool, by_class: bool) -> Select:
    """One row per child and active pairing, with the last day each kind of record happened.

    The latest records come from subqueries grouped by child (and author, for talks), each
    kept to the children in scope: set-based, whatever the number of children. Built once per
    shape with bound parameters (today, since, responsible_id, class_id): building a statement
    this size costs more than running it."""
    today, since = bindparam("today", type_=Date), bindparam("since", type_=Date)
    responsible_id = bindparam("responsible_id", type_=Integer) if by_person else None
    class_id = bindparam("class_id", type_=Integer) if by_class else None
    scope = _scope(today, responsible_id, class_id)

    def in_scope(statement: Select, child_id: ColumnElement) -> Select:
        return statement if scope is None else statement.where(child_id.in_(scope))

    recent = and_(CareRecord.amends_id.is_(None), CareRecord.happened_on.between(since, today))
    last = func.max(CareRecord.happened_on).label("last")
    talks = in_scope(
        select(CareRecord.child_id, CareRecord.author_id, last)
        .where(CareRecord.kind == CareKind.TALK, recent)
        .group_by(CareRecord.child_id, CareRecord.author_id),
        CareRecord.child_id,
    ).cte("talks")
    by_helper, by_teacher = talks.alias("by_helper"), talks.alias("by_teacher")
    others = in_scope(
        select(
            CareRecord.child_id,
            *(
                func.max(case((CareRecord.kind == kind, CareRecord.happened_on))).label(kind.value)
                for kind in ANY_AUTHOR_KINDS
            ),
        )
        .where(CareRecord.kind.in_(ANY_AUTHOR_KINDS), CareRecord.author_id.is_not(None), recent)
        .group_by(CareRecord.child_id),
        CareRecord.child_id,
    ).subquery("others")
    # The last day the child joined the school (again) or became left behind; a later day than
    # the one asked about means the child was not yet due then.
    changes = in_scope(
        became_due().group_by(ChildStatusChange.child_id),
        ChildStatusChange.child_id,
    ).subquery("changes")
    activities = [source(since, today, scope).subquery() for source in ACTIVITY_SOURCES]
    talking = and_(
        Pairing.child_id == Child.id,
        Pairing.kind.in_(TALKING_PAIRINGS),
        Pairing.user_id.is_not(None),
        _active_on(Pairing, today),
    )
    statement = (
        select(
            Child.id,
            Child.name,
            Child.class_id,
            SchoolClass.name,
            SchoolClass.teacher_id,
            Child.enrolled_on,
            changes.c.on,
            Pairing.id,
            Pairing.kind,
            Pairing.user_id,
            Pairing.started_on,
            by_helper.c.last,
            by_teacher.c.last,
            *(others.c[kind.value] for kind in ANY_AUTHOR_KINDS),
            *(activity.c.last for activity in activities),
        )
        .outerjoin(SchoolClass, SchoolClass.id == Child.class_id)
        .outerjoin(Pairing, talking)
        .outerjoin(changes, changes.c.child_id == Child.id)
        .outerjoin(
            by_helper,
            and_(by_helper.c.child_id == Child.id, by_helper.c.author_id == Pairing.user_id),
        )
        .outerjoin(
            by_teacher,
            and_(
                by_teacher.c.child_id == Child.id,
                by_teacher.c.author_id == SchoolClass.teacher_id,
            ),
        )
        .outerjoin(others, others.c.child_id == Child.id)
        .where(Child.status.in_(ON_ROLL), Child.left_behind_type != LeftBehindType.NONE)
        .order_by(Child.id, Pairing.started_on, Pairing.id)
    )
    for activity in activities:
        statement = statement.outerjoin(activity, activity.c.child_id == Child.id)
    if responsible_id is not None:
        statement = statement.where(_children_of(responsible_id, today))
    if class_id is not None:
        statement = statement.where(Child.class_id == class_id)
    return statement


@dataclass
class _Child:
    """A child's row of the statement, with its pairings gathered."""

    id: int
    name: str
    class_id: int | None
    class_name: str | None
    teacher_id: int | None
    floor: date
    last: dict[CareKind | DutyKey, date | None]
    pairings: list[tuple[PairingKind, int, date, date | None]] = field(default_factory=list)
    class_teacher_talk: date | None = None


def gather_children(rows: Iterable, since: date) -> list[_Child]:
    """The statement's rows, one per child and pairing, as children with their pairings (also
    read by the coverage over the term, week by week)."""
    children: dict[int, _Child] = {}
    extra = len(ANY_AUTHOR_KINDS)
    for row in rows:
        (child_id, name, class_id, class_name, teacher_id, enrolled_on, changed_on) = row[:7]
        (pairing_id, kind, user_id, started_on, paired_talk, teacher_talk) = row[7:13]
        child = children.get(child_id)
        if child is None:
            activity = [day for day in row[13 + extra :] if day is not None]
            child = _Child(
                id=child_id,
                name=name,
                class_id=class_id,
                class_name=class_name,
                teacher_id=teacher_id,
                floor=max(d for d in (since, enrolled_on, changed_on) if d is not None),
                last={
                    **dict(zip(ANY_AUTHOR_KINDS, row[13 : 13 + extra], strict=True)),
                    DutyKey.ACTIVITY: max(activity, default=None),
                },
                class_teacher_talk=teacher_talk,
            )
            children[child_id] = child
        if pairing_id is not None:
            child.pairings.append((kind, user_id, started_on, paired_talk))
    return list(children.values())


def _evaluate(board: Board, rows: list, since: date) -> None:
    school = board.school
    children = gather_children(rows, since)
    board.unpaired = _unpaired(children)
    if not school.counts_time:
        return  # a holiday: nothing is due
    term_start = school.current.starts_on if school.current is not None else since
    for cadence in board.enabled:
        if cadence.period == Period.TERM and school.current is None:
            continue  # no term running, or none set up: term duties are not due
        periods = periods_for(cadence.period, school)
        # A fresh start each term for the shorter duties; the term duties look back a term.
        floor = since if cadence.period == Period.TERM else term_start
        spec = DUTIES[cadence.duty]
        for child in children:
            for responsible_id, started_on, last in obligations(spec, child):
                status = _status(
                    cadence,
                    periods,
                    child,
                    responsible_id,
                    max(floor, child.floor, started_on),
                    last,
                    board.today,
                )
                if status is not None:
                    board.statuses.append(status)


def obligations(spec: DutySpec, child: _Child) -> list[tuple[int | None, date, date | None]]:
    """(who answers, from when, the last day it was done) for one child and one duty (the
    engine's rule, applied again by the coverage over the term for past weeks)."""
    if spec.responsible == Responsible.PAIRED:
        return [(user_id, started_on, talk) for _k, user_id, started_on, talk in child.pairings]
    if spec.key == DutyKey.CLASS_TEACHER_TALK:
        return [(child.teacher_id, child.floor, child.class_teacher_talk)]
    last = child.last[spec.kind if spec.kind is not None else spec.key]
    if spec.responsible == Responsible.PROXY_PARENT_ELSE_CLASS_TEACHER:
        proxies = [u for kind, u, _s, _t in child.pairings if kind == PairingKind.PROXY_PARENT]
        return [(proxies[0] if proxies else child.teacher_id, child.floor, last)]
    return [(child.teacher_id, child.floor, last)]


def _status(
    cadence: Cadence,
    periods: Periods,
    child: _Child,
    responsible_id: int | None,
    applies_from: date,
    last: date | None,
    today: date,
) -> DutyStatus | None:
    if applies_from > today:
        return None
    current = periods.index(today)
    if current < 0:
        return None
    start, end = periods.bounds(current)
    first = periods.first_from(applies_from)
    if last is not None and last >= start:
        state, missed = State.DONE, 0
    else:
        resume = periods.index(last) + 1 if last is not None else first
        missed = max(0, current - max(first, resume))
        state = State.OVERDUE if missed else State.DUE
    return DutyStatus(
        duty=cadence.duty,
        period=cadence.period,
        child_id=child.id,
        child_name=child.name,
        class_id=child.class_id,
        class_name=child.class_name,
        responsible_id=responsible_id,
        state=state,
        period_start=start,
        due_on=end,
        missed=missed,
        last_done=last,
    )


def _unpaired(children: list[_Child]) -> list[UnpairedChild]:
    return [
        UnpairedChild(c.id, c.name, c.class_id, c.class_name)
        for c in children
        if not any(kind == PairingKind.PROXY_PARENT for kind, *_rest in c.pairings)
    ]
