"""The figures of every report, each with the rows behind it.

A figure is a list first and a number second: ``Figures.items(key)`` is what the figure's
trace page lists, and ``Figures.count(key)`` is its length, so a number on a report and the
list it links to can never disagree. A figure is read over a period (a term, a month) and a
scope (the school, a class, a child), always through the tenant filter.

Children figures are read from the roll as it is today. Record figures count what happened in
the period; an amendment is not a second record. Counselling and individual plans are never
counted or listed here, and a mandatory report (强制报告) is not an incident of these figures:
both are restricted to named roles, and reports travel.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cached_property
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from webapp.care.duties import TALKING_PAIRINGS
from webapp.care.models import (
    ActivityParticipant,
    CareActivity,
    CareKind,
    CareRecord,
    Pairing,
)
from webapp.care.record_forms import GrowthType
from webapp.children.access import ON_ROLL
from webapp.children.models import Child, LeftBehindType, ThreeSpecial
from webapp.core.i18n import SCHOOL_TIMEZONE
from webapp.families.models import GuardianMeeting, MeetingAttendance
from webapp.incidents.models import Incident, IncidentChild
from webapp.room.models import SignIn
from webapp.tenants.models import Term


@dataclass(frozen=True)
class Period:
    """The days a report covers: a term or a calendar month."""

    first: date
    last: date
    term_id: int | None = None
    month: date | None = None  # the first day of a month

    @classmethod
    def of_term(cls, term: Term) -> Period:
        return cls(term.starts_on, term.ends_on, term_id=term.id)

    @classmethod
    def of_month(cls, month: date) -> Period:
        first = month.replace(day=1)
        last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
        return cls(first, last, month=first)

    def bounds(self) -> tuple[datetime, datetime]:
        """The period as instants: from its first midnight to the midnight after it, Beijing."""
        start = datetime.combine(self.first, time(), SCHOOL_TIMEZONE)
        end = datetime.combine(self.last + timedelta(days=1), time(), SCHOOL_TIMEZONE)
        return start, end

    @property
    def query(self) -> dict[str, Any]:
        """The query string naming this period, for links to a figure's trace."""
        if self.month is not None:
            return {"month": f"{self.month:%Y-%m}"}
        return {"term_id": self.term_id} if self.term_id is not None else {}


@dataclass(frozen=True)
class Scope:
    """Whose figures: the whole school, one class, or one child."""

    class_id: int | None = None
    child_id: int | None = None

    @property
    def query(self) -> dict[str, Any]:
        found = {"class_id": self.class_id, "child_id": self.child_id}
        return {key: value for key, value in found.items() if value is not None}


class Shows:
    """What a figure's rows are, so its trace page knows how to list them."""

    CHILDREN = "children"
    RECORDS = "records"
    ACTIVITIES = "activities"
    MEETINGS = "meetings"
    INCIDENTS = "incidents"
    SIGN_INS = "sign_ins"


@dataclass(frozen=True)
class Figure:
    key: str
    label: Any
    shows: str
    periodic: bool  # counts what happened in the period (else: the roll as it is today)


def _figures(*figures: Figure) -> dict[str, Figure]:
    return {figure.key: figure for figure in figures}


FIGURES = _figures(
    Figure("on_roll", _l("Children on the roll"), Shows.CHILDREN, False),
    Figure("left_behind", _l("Number of left-behind children"), Shows.CHILDREN, False),
    Figure("both_parents", LeftBehindType.BOTH_PARENTS.lazy_label, Shows.CHILDREN, False),
    Figure("one_parent", LeftBehindType.ONE_PARENT.lazy_label, Shows.CHILDREN, False),
    Figure("civil", _l("Civil-affairs left-behind"), Shows.CHILDREN, False),
    Figure("migrant", _l("Number of migrant children"), Shows.CHILDREN, False),
    Figure("boarder", _l("Number boarding"), Shows.CHILDREN, False),
    Figure("bus", _l("Number riding the school bus"), Shows.CHILDREN, False),
    Figure("needy", ThreeSpecial.NEEDY.lazy_label, Shows.CHILDREN, False),
    Figure("gifted", ThreeSpecial.GIFTED.lazy_label, Shows.CHILDREN, False),
    Figure("special_needs", ThreeSpecial.SPECIAL_NEEDS.lazy_label, Shows.CHILDREN, False),
    Figure("three_special", _l("Three-special children"), Shows.CHILDREN, False),
    Figure("paired", _l("Left-behind children with a proxy parent"), Shows.CHILDREN, False),
    Figure("unpaired", _l("Left-behind children without a proxy parent"), Shows.CHILDREN, False),
    Figure("talks", _l("Talks"), Shows.RECORDS, True),
    Figure("talked_with", _l("Left-behind children talked with"), Shows.CHILDREN, True),
    Figure("home_visits", _l("Home visits"), Shows.RECORDS, True),
    Figure("visited", _l("Left-behind children visited at home"), Shows.CHILDREN, True),
    Figure("parent_contacts", _l("Contacts with parents"), Shows.RECORDS, True),
    Figure("family_calls", _l("Family calls"), Shows.RECORDS, True),
    Figure("letters_home", _l("Letters home"), Shows.RECORDS, True),
    Figure("activities", _l("Care activities"), Shows.ACTIVITIES, True),
    Figure("class_activities", _l("Activities of the class"), Shows.ACTIVITIES, True),
    Figure("took_part", _l("Children who took part in an activity"), Shows.CHILDREN, True),
    Figure("meetings", _l("Guardian meetings and training"), Shows.MEETINGS, True),
    Figure("incidents", _l("Incidents"), Shows.INCIDENTS, True),
    Figure("room_visits", _l("Visits to the children's home"), Shows.SIGN_INS, True),
    Figure("awards", _l("Awards"), Shows.RECORDS, True),
    Figure("deeds", _l("Special deeds"), Shows.RECORDS, True),
    Figure("evaluations", _l("Term evaluations"), Shows.RECORDS, True),
    Figure("wishes", _l("Wishes recorded"), Shows.RECORDS, True),
    Figure("wishes_fulfilled", _l("Wishes fulfilled"), Shows.RECORDS, True),
    Figure("case_analyses", _l("Case analyses"), Shows.RECORDS, True),
)

# The care record kinds counted as they are, one figure each.
RECORD_FIGURES = {
    "talks": CareKind.TALK,
    "home_visits": CareKind.HOME_VISIT,
    "parent_contacts": CareKind.PARENT_CONTACT,
    "family_calls": CareKind.FAMILY_CALL,
    "letters_home": CareKind.LETTER_HOME,
}
# The growth records (成长记录袋) counted by their sealed type.
GROWTH_FIGURES = {
    "awards": GrowthType.AWARD,
    "deeds": GrowthType.DEED,
    "evaluations": GrowthType.EVALUATION,
    "wishes": GrowthType.WISH,
    "case_analyses": GrowthType.CASE_ANALYSIS,
}
THREE_SPECIAL_FIGURES = {flag.value: flag for flag in ThreeSpecial}


def growth_type(record: CareRecord) -> GrowthType | None:
    return GrowthType._value2member_map_.get(record.details.get("type") or "")  # type: ignore[return-value]


class Figures:
    """Every figure of one period and scope, each read once and kept for the page."""

    def __init__(self, session: Session, period: Period, scope: Scope, today: date) -> None:
        self.session = session
        self.period = period
        self.scope = scope
        self.today = today
        self._found: dict[str, list[Any]] = {}

    def count(self, key: str) -> int:
        if key in RECORD_FIGURES and key not in self._found:
            # The same records as items(key) lists, counted by the database: a term's talks
            # are many, and a report shows only their number.
            return self.record_counts.get(RECORD_FIGURES[key], 0)
        return len(self.items(key))

    def items(self, key: str) -> list[Any]:
        if key not in self._found:
            self._found[key] = self._read(key)
        return self._found[key]

    def _read(self, key: str) -> list[Any]:
        if key in RECORD_FIGURES:
            return self._records_of((RECORD_FIGURES[key],))
        if key in GROWTH_FIGURES:
            return [r for r in self.growth if growth_type(r) == GROWTH_FIGURES[key]]
        if key in THREE_SPECIAL_FIGURES:
            return [c for c in self.children if THREE_SPECIAL_FIGURES[key] in c.three_special]
        reader: Callable[[], list[Any]] = getattr(self, f"_{key}")
        return reader()

    # The children on the roll ----------------------------------------------------------------

    @cached_property
    def children(self) -> list[Child]:
        statement = (
            select(Child)
            .where(Child.status.in_(ON_ROLL))
            .options(selectinload(Child.school_class))
            .order_by(Child.class_id, Child.name_pinyin, Child.id)
        )
        return list(self.session.scalars(self._scoped_children(statement)))

    def _scoped_children(self, statement: Select) -> Select:
        if self.scope.child_id is not None:
            return statement.where(Child.id == self.scope.child_id)
        if self.scope.class_id is not None:
            return statement.where(Child.class_id == self.scope.class_id)
        return statement

    def _child_ids(self) -> Select:
        """Every child of the scope, whatever their status: the records of a child who left
        during the term still count for it."""
        return self._scoped_children(select(Child.id))

    def _on_roll(self) -> list[Child]:
        return self.children

    def _left_behind(self) -> list[Child]:
        return [c for c in self.children if c.is_left_behind]

    def _both_parents(self) -> list[Child]:
        return [c for c in self.children if c.left_behind_type == LeftBehindType.BOTH_PARENTS]

    def _one_parent(self) -> list[Child]:
        return [c for c in self.children if c.left_behind_type == LeftBehindType.ONE_PARENT]

    def _civil(self) -> list[Child]:
        return [c for c in self.children if c.is_left_behind_civil(self.today)]

    def _migrant(self) -> list[Child]:
        return [c for c in self.children if c.is_migrant]

    def _boarder(self) -> list[Child]:
        return [c for c in self.children if c.is_boarder]

    def _bus(self) -> list[Child]:
        return [c for c in self.children if c.rides_bus]

    def _three_special(self) -> list[Child]:
        return [c for c in self.children if c.three_special]

    @cached_property
    def paired_ids(self) -> set[int]:
        """Children with an active proxy parent (a staff proxy parent or a volunteer)."""
        statement = select(Pairing.child_id).where(
            Pairing.kind.in_(TALKING_PAIRINGS),
            Pairing.ended_on.is_(None),
            Pairing.child_id.in_(self._child_ids()),
        )
        return set(self.session.scalars(statement))

    def _paired(self) -> list[Child]:
        return [c for c in self._left_behind() if c.id in self.paired_ids]

    def _unpaired(self) -> list[Child]:
        return [c for c in self._left_behind() if c.id not in self.paired_ids]

    # Care records ----------------------------------------------------------------------------

    def _in_period(self, kinds: tuple[CareKind, ...]) -> tuple[Any, ...]:
        """Which records a figure of these kinds counts: what happened in the period to a
        child of the scope, amendments aside."""
        return (
            CareRecord.kind.in_(kinds),
            CareRecord.amends_id.is_(None),
            CareRecord.happened_on.between(self.period.first, self.period.last),
            CareRecord.child_id.in_(self._child_ids()),
        )

    def _records_of(self, kinds: tuple[CareKind, ...]) -> list[CareRecord]:
        return list(
            self.session.scalars(
                select(CareRecord)
                .where(*self._in_period(kinds))
                .options(selectinload(CareRecord.child), selectinload(CareRecord.author))
                .order_by(CareRecord.happened_on, CareRecord.id)
            )
        )

    @cached_property
    def record_counts(self) -> dict[CareKind, int]:
        statement = (
            select(CareRecord.kind, func.count(CareRecord.id))
            .where(*self._in_period(tuple(RECORD_FIGURES.values())))
            .group_by(CareRecord.kind)
        )
        return {kind: count for kind, count in self.session.execute(statement)}

    def _child_ids_with(self, kind: CareKind) -> set[int]:
        return set(
            self.session.scalars(select(CareRecord.child_id).where(*self._in_period((kind,))))
        )

    @cached_property
    def records(self) -> list[CareRecord]:
        return self._records_of(tuple(RECORD_FIGURES.values()))

    @cached_property
    def growth(self) -> list[CareRecord]:
        return self._records_of((CareKind.GROWTH,))

    def _children_of(self, child_ids: set[int]) -> list[Child]:
        return [c for c in self._left_behind() if c.id in child_ids]

    def _talked_with(self) -> list[Child]:
        return self._children_of(self._child_ids_with(CareKind.TALK))

    def _visited(self) -> list[Child]:
        return self._children_of(self._child_ids_with(CareKind.HOME_VISIT))

    def _wishes_fulfilled(self) -> list[CareRecord]:
        """Wishes made come true in the period, whenever they were recorded."""
        return list(
            r
            for r in self.session.scalars(
                select(CareRecord)
                .where(
                    CareRecord.kind == CareKind.GROWTH,
                    CareRecord.amends_id.is_(None),
                    CareRecord.follow_up_done_on.between(self.period.first, self.period.last),
                    CareRecord.child_id.in_(self._child_ids()),
                )
                .options(selectinload(CareRecord.child), selectinload(CareRecord.author))
                .order_by(CareRecord.follow_up_done_on, CareRecord.id)
            )
            if growth_type(r) == GrowthType.WISH
        )

    # Activities, meetings, incidents, the children's home ------------------------------------

    def _activities(self) -> list[CareActivity]:
        """The activities of the period some child of the scope took part in (the school's:
        every activity)."""
        statement = (
            select(CareActivity)
            .where(CareActivity.happened_on.between(self.period.first, self.period.last))
            .options(selectinload(CareActivity.participants))
            .order_by(CareActivity.happened_on, CareActivity.id)
        )
        if self.scope != Scope():
            taking_part = select(ActivityParticipant.activity_id).where(
                ActivityParticipant.child_id.in_(self._child_ids())
            )
            statement = statement.where(CareActivity.id.in_(taking_part))
        return list(self.session.scalars(statement))

    def _class_activities(self) -> list[CareActivity]:
        """The activities a class held itself (班级关爱活动)."""
        if self.scope.class_id is None:
            return []
        return list(
            self.session.scalars(
                select(CareActivity)
                .where(
                    CareActivity.class_id == self.scope.class_id,
                    CareActivity.happened_on.between(self.period.first, self.period.last),
                )
                .options(selectinload(CareActivity.participants))
                .order_by(CareActivity.happened_on, CareActivity.id)
            )
        )

    def _took_part(self) -> list[Child]:
        child_ids = {p.child_id for a in self.items("activities") for p in a.participants}
        return [c for c in self.children if c.id in child_ids]

    def _meetings(self) -> list[GuardianMeeting]:
        statement = (
            select(GuardianMeeting)
            .where(GuardianMeeting.held_on.between(self.period.first, self.period.last))
            .options(selectinload(GuardianMeeting.attendance))
            .order_by(GuardianMeeting.held_on, GuardianMeeting.id)
        )
        if self.scope != Scope():
            came = select(MeetingAttendance.meeting_id).where(
                MeetingAttendance.child_id.in_(self._child_ids())
            )
            statement = statement.where(GuardianMeeting.id.in_(came))
        return list(self.session.scalars(statement))

    def _incidents(self) -> list[Incident]:
        start, end = self.period.bounds()
        statement = (
            select(Incident)
            .where(
                Incident.restricted.is_(False),
                Incident.happened_at >= start,
                Incident.happened_at < end,
            )
            .order_by(Incident.happened_at, Incident.id)
        )
        if self.scope != Scope():
            involved = select(IncidentChild.incident_id).where(
                IncidentChild.child_id.in_(self._child_ids())
            )
            statement = statement.where(Incident.id.in_(involved))
        return list(self.session.scalars(statement))

    def _room_visits(self) -> list[SignIn]:
        statement = (
            select(SignIn)
            .where(SignIn.signed_in_on.between(self.period.first, self.period.last))
            .options(selectinload(SignIn.child), selectinload(SignIn.room))
            .order_by(SignIn.signed_in_at, SignIn.id)
        )
        if self.scope != Scope():
            statement = statement.where(SignIn.child_id.in_(self._child_ids()))
        return list(self.session.scalars(statement))
