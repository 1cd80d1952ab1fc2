"""The coverage board over a term: the duty engine's board as it stood at the end of each week.

For each week of the current term (up to today) the engine (``care.duties``) is evaluated as of
the week's last day in term time, or today for the week running now: the same rules, the same
states, so the last week is exactly today's coverage board. Running the engine once per week
would cost its statements once per week; instead the same inputs are read once for the whole
term, in a fixed number of statements whatever the number of weeks:

- the terms and the cadences, as the engine reads them;
- the left-behind children on the roll today, each with the day they became due;
- the talking pairings of those children that were active on some day of the term;
- the days care records happened, grouped by child, author and kind: every day within the
  term's weeks, and before them only the latest (all the engine would find as the last one);
- for each activity source of the engine, the last day on or before each week's end, grouped by
  week in the database (a small table of the weeks joined in).

Then each week's rows are put together the way the engine's own statement returns them and
handed to the engine's evaluation. Children are those on the roll today, with their class of
today and today's cadences: the page says so.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Date, Select, bindparam, case, func, or_, select, union_all
from sqlalchemy.orm import Session, joinedload

from webapp.care import duties
from webapp.care.duties import (
    ACTIVITY_SOURCES,
    ANY_AUTHOR_KINDS,
    DUTIES,
    LOOKBACK,
    TALKING_PAIRINGS,
    Cadence,
    Coverage,
    SchoolCalendar,
    monday_of,
)
from webapp.care.models import CareKind, CareRecord, DutyKey, Pairing, Period
from webapp.children.access import ON_ROLL
from webapp.children.models import (
    Child,
    ChildStatusChange,
    LeftBehindType,
    SchoolClass,
)
from webapp.core import kept
from webapp.tenants.models import Term

WEEKS_WITHOUT_TERMS = 10  # a school with no terms set up sees this many weeks


@dataclass(frozen=True)
class Week:
    monday: date
    as_of: date  # the day the board is read: the week's last day in the term, or today


@dataclass
class CoverageHistory:
    """Coverage per week: for the school, each duty, each class and each person."""

    today: date
    term: Term | None
    weeks: list[Week]
    enabled: list[DutyKey] = field(default_factory=list)
    school: list[Coverage] = field(default_factory=list)
    duties: dict[DutyKey, list[Coverage]] = field(default_factory=dict)
    classes: dict[int | None, list[Coverage]] = field(default_factory=dict)
    people: dict[int | None, list[Coverage]] = field(default_factory=dict)
    class_names: dict[int | None, str | None] = field(default_factory=dict)


def term_weeks(term: Term | None, today: date) -> list[Week]:
    """The weeks of the term up to today, each read on its last day in the term (or today)."""
    if term is None:
        this_monday = monday_of(today)
        mondays = [this_monday - timedelta(weeks=n) for n in range(WEEKS_WITHOUT_TERMS - 1, -1, -1)]
        return [Week(m, min(m + timedelta(days=6), today)) for m in mondays]
    last = min(today, term.ends_on)
    weeks, monday = [], monday_of(term.starts_on)
    while monday <= last:
        weeks.append(Week(monday, min(monday + timedelta(days=6), last)))
        monday += timedelta(weeks=1)
    return weeks


def coverage_history(session: Session, today: date) -> CoverageHistory:
    terms = list(
        session.scalars(
            select(Term)
            .options(joinedload(Term.school_year))
            .where(Term.starts_on <= today, Term.ends_on >= today - 2 * LOOKBACK)
            .order_by(Term.starts_on, Term.id)
        )
    )
    term = duties.SchoolCalendar(today, _terms_on(terms, today)).latest
    weeks = term_weeks(term, today)
    history = CoverageHistory(today, term, weeks)
    inputs = _Inputs.read(session, weeks)
    if not inputs.children:
        return history
    cadences = duties.cadences(session)
    history.enabled = [c.duty for c in cadences.values() if c.enabled]
    history.class_names = {c.class_id: c.class_name for c in inputs.children}
    history.school = _row(weeks)
    history.duties = {key: _row(weeks) for key in history.enabled}
    for key in sorted(history.class_names, key=lambda k: (k is None, k or 0)):
        history.classes[key] = _row(weeks)
    for number, week in enumerate(weeks):
        school = SchoolCalendar(week.as_of, _terms_on(terms, week.as_of))
        since = week.as_of - LOOKBACK
        children = duties.gather_children(inputs.rows_on(week.as_of), since)
        for duty, class_id, person, done in _states(school, cadences, children, since):
            cells = history.people.get(person)
            if cells is None:
                cells = history.people[person] = _row(weeks)
            for row in (history.school, history.duties[duty], history.classes[class_id], cells):
                row[number].total += 1
                row[number].done += done
    return history


# The board by (database, school, day, audit chain head): every record it counts is audited.
_kept_histories: kept.Kept[tuple[int | None, CoverageHistory]] = kept.Kept()


def kept_coverage_history(session: Session, today: date, max_age: float) -> CoverageHistory:
    """The board, counted once and reused for ``max_age`` seconds until the school's next
    audited change; its term read again in this session, so the page never touches a row of
    another request's session."""

    def count() -> tuple[int | None, CoverageHistory]:
        found = coverage_history(session, today)
        return (found.term.id if found.term is not None else None, found)

    term_id, found = _kept_histories.get(kept.school_key(session, today), max_age, count)
    return replace(found, term=session.get(Term, term_id) if term_id is not None else None)


def _row(weeks: list[Week]) -> list[Coverage]:
    return [Coverage() for _week in weeks]


def _states(
    school: SchoolCalendar, cadences: dict[DutyKey, Cadence], children: list, since: date
) -> Iterator[tuple[DutyKey, int | None, int | None, bool]]:
    """(duty, class, who answers, done) of every status the engine's board holds on the day.

    The engine's own loop (``duties._evaluate`` and ``_status``) with only what coverage needs:
    which statuses exist and whether each is done, without building each status and its missed
    periods: a term of weeks has thousands. The tests hold it to the engine week by week."""
    today = school.today
    if not school.counts_time:
        return
    term_start = school.current.starts_on if school.current is not None else since
    for cadence in cadences.values():
        if not cadence.enabled or (cadence.period == Period.TERM and school.current is None):
            continue
        periods = duties.periods_for(cadence.period, school)
        current = periods.index(today)
        if current < 0:
            continue
        start = periods.bounds(current)[0]
        floor = since if cadence.period == Period.TERM else term_start
        spec = DUTIES[cadence.duty]
        for child in children:
            for responsible_id, started_on, last in duties.obligations(spec, child):
                if max(floor, child.floor, started_on) > today:
                    continue
                done = last is not None and last >= start
                yield cadence.duty, child.class_id, responsible_id, done


def _terms_on(terms: list[Term], day: date) -> list[Term]:
    """The terms the engine's calendar holds on a day (duties.load_calendar)."""
    return [t for t in terms if t.starts_on <= day and t.ends_on >= day - LOOKBACK]


@dataclass
class _Child:
    id: int
    name: str
    class_id: int | None
    class_name: str | None
    teacher_id: int | None
    enrolled_on: date | None
    changed_on: date | None


class _Days:
    """The days something happened, within the weeks, and the latest one before them."""

    def __init__(self) -> None:
        self.before: date | None = None
        self.within: list[date] = []

    def last_on(self, day: date) -> date | None:
        """The last day on or before ``day`` within the engine's lookback from it."""
        index = bisect_right(self.within, day)
        found = self.within[index - 1] if index else self.before
        return found if found is not None and found >= day - LOOKBACK else None


@dataclass
class _Inputs:
    children: list[_Child]
    pairings: dict[int, list[tuple[int, Any, int, date, date | None]]]
    talks: dict[tuple[int, int], _Days]
    others: dict[tuple[int, CareKind], _Days]
    activity: dict[tuple[int, date], date]

    @classmethod
    def read(cls, session: Session, weeks: list[Week]) -> _Inputs:
        first, last = weeks[0].as_of, weeks[-1].as_of
        children = [_Child(*row) for row in session.execute(_children_statement())]
        if not children:
            return cls([], {}, {}, {}, {})
        pairings: dict[int, list] = defaultdict(list)
        for row in session.execute(_pairings_statement(), {"first": first, "last": last}):
            pairings[row[0]].append(tuple(row[1:]))
        talks: dict[tuple[int, int], _Days] = defaultdict(_Days)
        others: dict[tuple[int, CareKind], _Days] = defaultdict(_Days)
        days_asked = {"since": first - LOOKBACK, "window": weeks[0].monday, "last": last}
        statement = _records_statement()
        for child_id, author_id, kind, day, before in session.execute(statement, days_asked):
            days = talks[child_id, author_id] if kind == CareKind.TALK else others[child_id, kind]
            if before:
                days.before = max(days.before or day, day)
            else:
                days.within.append(day)
        for days in (*talks.values(), *others.values()):
            days.within = sorted(set(days.within))
        activity = {
            (child_id, as_of): day
            for child_id, as_of, day in session.execute(
                _activity_statement(len(weeks)), _weeks_asked(weeks)
            )
            if day is not None
        }
        return cls(children, pairings, talks, others, activity)

    def rows_on(self, day: date) -> list[tuple]:
        """The rows the engine's statement would return on that day (duties._rows_statement)."""
        rows = []
        for child in self.children:
            teacher_talk = self._talk(child.id, child.teacher_id, day)
            others = [self._other(child.id, kind, day) for kind in ANY_AUTHOR_KINDS]
            activity = self.activity.get((child.id, day))
            head = (
                child.id,
                child.name,
                child.class_id,
                child.class_name,
                child.teacher_id,
                child.enrolled_on,
                child.changed_on,
            )
            active = [
                p
                for p in self.pairings.get(child.id, [])
                if p[3] <= day and (p[4] is None or p[4] > day)
            ]
            for pairing_id, kind, user_id, started_on, _ended in active:
                talk = self._talk(child.id, user_id, day)
                pairing = (pairing_id, kind, user_id, started_on, talk)
                rows.append((*head, *pairing, teacher_talk, *others, activity))
            if not active:
                rows.append((*head, None, None, None, None, None, teacher_talk, *others, activity))
        return rows

    def _talk(self, child_id: int, author_id: int | None, day: date) -> date | None:
        days = self.talks.get((child_id, author_id)) if author_id is not None else None
        return days.last_on(day) if days is not None else None

    def _other(self, child_id: int, kind: CareKind, day: date) -> date | None:
        days = self.others.get((child_id, kind))
        return days.last_on(day) if days is not None else None


# The statements are built once per shape with bound parameters, as the engine's are: building a
# statement costs more than running it.
LEFT_BEHIND_ON_ROLL = (Child.status.in_(ON_ROLL), Child.left_behind_type != LeftBehindType.NONE)


@cache
def _children_statement() -> Select:
    """The left-behind children on the roll, with the last day they joined or became due."""
    changes = duties.became_due().group_by(ChildStatusChange.child_id).subquery("changes")
    return (
        select(
            Child.id,
            Child.name,
            Child.class_id,
            SchoolClass.name,
            SchoolClass.teacher_id,
            Child.enrolled_on,
            changes.c.on,
        )
        .outerjoin(SchoolClass, SchoolClass.id == Child.class_id)
        .outerjoin(changes, changes.c.child_id == Child.id)
        .where(*LEFT_BEHIND_ON_ROLL)
        .order_by(Child.id)
    )


@cache
def _pairings_statement() -> Select:
    """The talking pairings of those children active on some day from ``first`` to ``last``."""
    first, last = bindparam("first", type_=Date), bindparam("last", type_=Date)
    return (
        select(
            Pairing.child_id,
            Pairing.id,
            Pairing.kind,
            Pairing.user_id,
            Pairing.started_on,
            Pairing.ended_on,
        )
        .where(
            Pairing.kind.in_(TALKING_PAIRINGS),
            Pairing.user_id.is_not(None),
            Pairing.started_on <= last,
            or_(Pairing.ended_on.is_(None), Pairing.ended_on > first),
            Pairing.child_id.in_(select(Child.id).where(*LEFT_BEHIND_ON_ROLL)),
        )
        .order_by(Pairing.child_id, Pairing.started_on, Pairing.id)
    )


@cache
def _records_statement() -> Select:
    """The days care records happened, by child, author and kind, from ``since`` to ``last``:
    each day from ``window`` on, and before it only the latest (one row per group)."""
    since, window = bindparam("since", type_=Date), bindparam("window", type_=Date)
    last = bindparam("last", type_=Date)
    bucket = case((CareRecord.happened_on < window, None), else_=CareRecord.happened_on)
    return (
        select(
            CareRecord.child_id,
            CareRecord.author_id,
            CareRecord.kind,
            func.max(CareRecord.happened_on),
            bucket.is_(None),
        )
        .where(
            CareRecord.kind.in_((CareKind.TALK, *ANY_AUTHOR_KINDS)),
            CareRecord.amends_id.is_(None),
            CareRecord.author_id.is_not(None),
            CareRecord.happened_on.between(since, last),
            CareRecord.child_id.in_(select(Child.id).where(*LEFT_BEHIND_ON_ROLL)),
        )
        .group_by(CareRecord.child_id, CareRecord.author_id, CareRecord.kind, bucket)
    )


def _weeks_asked(weeks: list[Week]) -> dict[str, date]:
    asked = {}
    for number, week in enumerate(weeks):
        asked[f"as_of_{number}"] = week.as_of
        asked[f"since_{number}"] = week.as_of - LOOKBACK
    return asked


@cache
def _activity_statement(count: int) -> Select:
    """(child, week's day, the last activity on or before it) from each of the engine's
    activity sources, grouped by week in the database: the weeks are a small table joined in."""
    rows = [
        select(
            bindparam(f"as_of_{number}", type_=Date).label("as_of"),
            bindparam(f"since_{number}", type_=Date).label("since"),
        )
        for number in range(count)
    ]
    days = (union_all(*rows) if len(rows) > 1 else rows[0]).subquery("weeks")
    parts = []
    for source in ACTIVITY_SOURCES:
        found = (
            source(days.c.since, days.c.as_of, None)
            .add_columns(days.c.as_of)
            .group_by(days.c.as_of)
            .subquery()
        )
        parts.append(select(found.c.child_id, found.c.as_of, found.c["last"]))
    combined = (union_all(*parts) if len(parts) > 1 else parts[0]).subquery("activity")
    return select(combined.c.child_id, combined.c.as_of, func.max(combined.c["last"])).group_by(
        combined.c.child_id, combined.c.as_of
    )
