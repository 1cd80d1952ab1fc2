"""The duty engine on a fixed calendar: a school of its own, its term, pairings and records made
here, and the day asked about always given.

The term runs from Tuesday 1 September 2026 to Friday 22 January 2027, so the first week is
short and the fortnights pair the ISO weeks from Monday 31 August: … 9–22 November, 23 November
– 6 December …
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import pytest
from flask import Flask
from sqlalchemy import event
from sqlalchemy.orm import Session

from tests.conftest import app_session
from webapp.auth.models import User
from webapp.auth.service import create_user
from webapp.care import duties, service
from webapp.care.duties import State
from webapp.care.models import (
    ActivityParticipant,
    ActivityTheme,
    CareActivity,
    CareKind,
    CareRecord,
    DutyCadence,
    DutyKey,
    PairingKind,
    Period,
)
from webapp.children.models import (
    Child,
    ChildStatus,
    ChildStatusChange,
    Gender,
    LeftBehindType,
    ParentRelation,
    ParentSituation,
    SchoolClass,
    Stage,
    StatusKind,
)
from webapp.children.service import change_status, create_class, register_child
from webapp.core.org import Tenant, TenantKind
from webapp.core.tenancy import tenant_context
from webapp.extensions import db
from webapp.privacy.models import ProtectionOfficer
from webapp.tenants.models import SchoolYear, Term

TERM_STARTS, TERM_ENDS = date(2026, 9, 1), date(2027, 1, 22)
NEXT_TERM_STARTS, NEXT_TERM_ENDS = date(2027, 2, 22), date(2027, 7, 9)
PHONES = (f"1770000{n:04d}" for n in itertools.count())


@dataclass
class School:
    """A school made for one test, and the acts the tests need, by their plain names."""

    session: Session

    def person(self, name: str) -> User:
        return create_user(self.session, phone=next(PHONES), name=name, password_hash="x")

    def school_class(self, name: str, teacher: User | None) -> SchoolClass:
        return create_class(
            self.session,
            name=name,
            stage=Stage.PRIMARY,
            grade=3,
            teacher_id=teacher.id if teacher else None,
        )

    def child(
        self, name: str, school_class: SchoolClass, *, left_behind: bool = True, **card
    ) -> Child:
        away = ParentSituation.WORKING_AWAY if left_behind else ParentSituation.AT_HOME
        return register_child(
            self.session,
            actor_id=None,
            name=name,
            gender=Gender.FEMALE,
            birth_date=date(2017, 5, 1),
            school_class=school_class,
            parents={ParentRelation.FATHER: {"situation": away}},
            enrolled_on=date(2024, 9, 1),
            **card,
        )

    def pair(
        self, child: Child, person: User, on: date, kind: PairingKind = PairingKind.PROXY_PARENT
    ):
        return service.pair(
            self.session, child, kind=kind, user_id=person.id, started_on=on, actor_id=None
        )

    def record(
        self, child: Child, author: User, on: date, kind: CareKind = CareKind.TALK, **values
    ) -> CareRecord:
        return service.record_care(
            self.session,
            uid=uuid.uuid4(),
            child=child,
            kind=kind,
            author_id=author.id,
            happened_on=on,
            notes="谈了学习和生活。",
            **values,
        ).record

    def activity(self, on: date, *children: Child) -> CareActivity:
        activity = CareActivity(
            uid=uuid.uuid4(), title="主题班会", theme=ActivityTheme.CLASS_MEETING, happened_on=on
        )
        self.session.add(activity)
        self.session.flush()
        self.session.add_all(
            ActivityParticipant(activity_id=activity.id, child_id=c.id) for c in children
        )
        self.session.flush()
        return activity

    def cadence(self, duty: DutyKey, period: Period, enabled: bool = True) -> None:
        self.session.add(DutyCadence(duty=duty, period=period, enabled=enabled))
        self.session.flush()

    def board(self, today: date, **options) -> duties.Board:
        return duties.duty_board(self.session, today, **options)

    def status(
        self, today: date, duty: DutyKey, child: Child, **options
    ) -> duties.DutyStatus | None:
        found = [
            s
            for s in self.board(today, **options).statuses
            if s.duty == duty and s.child_id == child.id
        ]
        assert len(found) <= 1
        return found[0] if found else None


@pytest.fixture
def school(app: Flask, transaction: None) -> Iterator[School]:
    with app_session(app) as session:
        tenant = Tenant(slug="duty-test", name="测试小学", kind=TenantKind.SCHOOL)
        session.add(tenant)
        session.flush()
        with tenant_context(session, tenant.id):
            year = SchoolYear(
                name="2026—2027学年", starts_on=date(2026, 8, 20), ends_on=date(2027, 7, 31)
            )
            session.add(year)
            session.add_all(
                [
                    Term(
                        school_year=year,
                        number=1,
                        name="第一学期",
                        starts_on=TERM_STARTS,
                        ends_on=TERM_ENDS,
                    ),
                    Term(
                        school_year=year,
                        number=2,
                        name="第二学期",
                        starts_on=NEXT_TERM_STARTS,
                        ends_on=NEXT_TERM_ENDS,
                    ),
                ]
            )
            session.flush()
            school = School(session)
            # No child can be entered before the school names its protection officer.
            session.add(ProtectionOfficer(user_id=school.person("保护负责人").id))
            session.flush()
            yield school


@pytest.fixture
def cast(school: School) -> dict:
    """A class teacher, a proxy parent and one left-behind child of the class, paired on the
    first day of term."""
    teacher = school.person("班主任")
    proxy = school.person("代理家长")
    school_class = school.school_class("三年级一班", teacher)
    child = school.child("留守儿童", school_class)
    school.pair(child, proxy, TERM_STARTS)
    return {"teacher": teacher, "proxy": proxy, "class": school_class, "child": child}


def test_a_weekly_talk_done_on_monday_is_not_due_again_until_next_week(school, cast) -> None:
    monday, sunday, next_monday = date(2026, 11, 16), date(2026, 11, 22), date(2026, 11, 23)
    school.record(cast["child"], cast["proxy"], monday)
    for day in (monday, date(2026, 11, 19), sunday):
        talk = school.status(day, DutyKey.PROXY_PARENT_TALK, cast["child"])
        assert talk.state == State.DONE and talk.responsible_id == cast["proxy"].id
    talk = school.status(next_monday, DutyKey.PROXY_PARENT_TALK, cast["child"])
    assert (talk.state, talk.due_on, talk.missed, talk.last_done) == (
        State.DUE,
        date(2026, 11, 29),
        0,
        monday,
    )


def test_the_class_teachers_talk_does_not_count_for_the_proxy_parent(school, cast) -> None:
    school.record(cast["child"], cast["teacher"], date(2026, 11, 16))
    day = date(2026, 11, 17)
    assert school.status(day, DutyKey.PROXY_PARENT_TALK, cast["child"]).state != State.DONE
    assert school.status(day, DutyKey.CLASS_TEACHER_TALK, cast["child"]).state == State.DONE


def test_a_child_paired_mid_term_is_due_from_the_pairing_day_not_before(school, cast) -> None:
    newcomer = school.person("新代理家长")
    child = school.child("新结对儿童", cast["class"])
    school.pair(child, newcomer, date(2026, 11, 18))  # a Wednesday
    assert school.status(date(2026, 11, 17), DutyKey.PROXY_PARENT_TALK, child) is None
    assert school.board(date(2026, 11, 17), responsible_id=newcomer.id).statuses == []
    first = school.status(date(2026, 11, 18), DutyKey.PROXY_PARENT_TALK, child)
    assert (first.state, first.due_on, first.missed) == (State.DUE, date(2026, 11, 22), 0)
    # The weeks of term before the pairing were never hers to miss.
    second = school.status(date(2026, 11, 23), DutyKey.PROXY_PARENT_TALK, child)
    assert (second.state, second.missed, second.last_done) == (State.OVERDUE, 1, None)


def test_a_child_who_joins_mid_term_is_due_from_that_day(school, cast) -> None:
    child = school.child("转入儿童", cast["class"], status=ChildStatus.TRANSFER_PENDING)
    change_status(
        school.session,
        child,
        actor_id=None,
        to=ChildStatus.ACTIVE,
        effective_on=date(2026, 11, 25),
    )
    assert school.status(date(2026, 11, 24), DutyKey.ACTIVITY, child) is None
    joined = school.status(date(2026, 11, 25), DutyKey.ACTIVITY, child)
    assert (joined.state, joined.missed) == (State.DUE, 0)
    assert school.status(date(2026, 12, 1), DutyKey.ACTIVITY, child).missed == 1


def test_a_child_who_becomes_left_behind_is_due_from_that_day(school, cast) -> None:
    child = school.child("父母刚外出", cast["class"], left_behind=False)
    assert school.status(date(2026, 11, 2), DutyKey.CLASS_TEACHER_TALK, child) is None
    school.session.add(
        ChildStatusChange(
            child_id=child.id,
            kind=StatusKind.CARE,
            from_value=LeftBehindType.NONE,
            to_value=LeftBehindType.ONE_PARENT,
            effective_on=date(2026, 11, 10),
        )
    )
    child.left_behind_type = LeftBehindType.ONE_PARENT
    school.session.flush()
    talk = school.status(date(2026, 11, 23), DutyKey.CLASS_TEACHER_TALK, child)
    assert (talk.state, talk.missed) == (State.OVERDUE, 1)  # only the fortnight of 9–22 Nov
    talk = school.status(date(2026, 11, 12), DutyKey.CLASS_TEACHER_TALK, child)
    assert (talk.state, talk.missed, talk.due_on) == (State.DUE, 0, date(2026, 11, 22))


def test_a_transferred_child_drops_out_of_every_list(school, cast) -> None:
    child, day = cast["child"], date(2026, 11, 23)
    assert {s.child_id for s in school.board(day).statuses} == {child.id}
    change_status(
        school.session,
        child,
        actor_id=None,
        to=ChildStatus.TRANSFERRED,
        effective_on=date(2026, 11, 20),
    )
    for board in (
        school.board(day),
        school.board(day, responsible_id=cast["proxy"].id),
        school.board(day, responsible_id=cast["teacher"].id),
        school.board(day, class_id=cast["class"].id),
    ):
        assert board.statuses == [] and board.unpaired == []


def test_a_child_not_left_behind_has_no_duties(school, cast) -> None:
    child = school.child("父母在家", cast["class"], left_behind=False)
    assert all(s.child_id != child.id for s in school.board(date(2026, 11, 23)).statuses)


def test_the_class_teachers_talk_counts_per_fortnight_from_the_terms_first_monday(
    school, cast
) -> None:
    child = cast["child"]
    school.record(child, cast["teacher"], date(2026, 11, 10))
    assert school.status(date(2026, 11, 22), DutyKey.CLASS_TEACHER_TALK, child).state == (
        State.DONE
    )
    due = school.status(date(2026, 11, 23), DutyKey.CLASS_TEACHER_TALK, child)
    assert (due.state, due.period_start, due.due_on) == (
        State.DUE,
        date(2026, 11, 23),
        date(2026, 12, 6),
    )
    late = school.status(date(2026, 12, 7), DutyKey.CLASS_TEACHER_TALK, child)
    assert (late.state, late.missed, late.last_done) == (State.OVERDUE, 1, date(2026, 11, 10))


def test_parent_contact_counts_per_calendar_month_and_falls_to_the_proxy_parent(
    school, cast
) -> None:
    child = cast["child"]
    school.record(child, cast["teacher"], date(2026, 10, 31), kind=CareKind.PARENT_CONTACT)
    october = school.status(date(2026, 10, 31), DutyKey.PARENT_CONTACT, child)
    assert october.state == State.DONE and october.responsible_id == cast["proxy"].id
    november = school.status(date(2026, 11, 1), DutyKey.PARENT_CONTACT, child)
    assert (november.state, november.due_on) == (State.DUE, date(2026, 11, 30))
    december = school.status(date(2026, 12, 1), DutyKey.PARENT_CONTACT, child)
    assert (december.state, december.missed, december.last_done) == (
        State.OVERDUE,
        1,
        date(2026, 10, 31),
    )


def test_parent_contact_falls_to_the_class_teacher_without_a_proxy_parent(school, cast) -> None:
    child = school.child("无代理家长", cast["class"])
    contact = school.status(date(2026, 11, 2), DutyKey.PARENT_CONTACT, child)
    assert contact.responsible_id == cast["teacher"].id
    board = school.board(date(2026, 11, 2))
    assert [c.child_id for c in board.unpaired] == [child.id]


def test_a_home_visit_counts_for_the_whole_term_and_nothing_is_due_in_the_holiday(
    school, cast
) -> None:
    child = cast["child"]
    other = school.child("未家访", cast["class"])
    school.record(child, cast["teacher"], date(2026, 9, 20), kind=CareKind.HOME_VISIT)
    visit = school.status(TERM_ENDS, DutyKey.HOME_VISIT, child)
    assert (visit.state, visit.due_on) == (State.DONE, TERM_ENDS)
    missing = school.status(date(2026, 12, 20), DutyKey.HOME_VISIT, other)
    assert (missing.state, missing.due_on, missing.missed) == (State.DUE, TERM_ENDS, 0)
    assert school.board(date(2027, 2, 1)).statuses == []  # winter holiday
    next_term = school.status(NEXT_TERM_STARTS, DutyKey.HOME_VISIT, child)
    assert (next_term.state, next_term.due_on, next_term.missed) == (
        State.DUE,
        NEXT_TERM_ENDS,
        0,
    )
    never = school.status(NEXT_TERM_STARTS, DutyKey.HOME_VISIT, other)
    assert (never.state, never.missed) == (State.OVERDUE, 1)


def test_weekly_duties_start_afresh_each_term(school, cast) -> None:
    talk = school.status(NEXT_TERM_STARTS, DutyKey.PROXY_PARENT_TALK, cast["child"])
    assert (talk.state, talk.missed) == (State.DUE, 0)


def test_a_missed_week_makes_the_talk_overdue_with_the_weeks_missed_and_the_last_one(
    school, cast
) -> None:
    school.record(cast["child"], cast["proxy"], date(2026, 11, 2))
    talk = school.status(date(2026, 11, 25), DutyKey.PROXY_PARENT_TALK, cast["child"])
    assert (talk.state, talk.missed, talk.last_done, talk.due_on) == (
        State.OVERDUE,
        2,  # the weeks of 9 and 16 November
        date(2026, 11, 2),
        date(2026, 11, 29),
    )


def test_an_amendment_does_not_count_as_a_second_talk(school, cast) -> None:
    original = school.record(cast["child"], cast["proxy"], date(2026, 11, 9))
    service.amend_record(
        school.session,
        original,
        uid=uuid.uuid4(),
        actor_id=cast["proxy"].id,
        child=cast["child"],
        reason="日期记错了",
        happened_on=date(2026, 11, 23),
        notes="谈了学习。",
    )
    talk = school.status(date(2026, 11, 24), DutyKey.PROXY_PARENT_TALK, cast["child"])
    assert (talk.state, talk.missed, talk.last_done) == (State.OVERDUE, 1, date(2026, 11, 9))


def test_a_schools_cadence_changes_the_period(school, cast) -> None:
    school.record(cast["child"], cast["proxy"], date(2026, 11, 10))
    day = date(2026, 11, 19)
    assert school.status(day, DutyKey.PROXY_PARENT_TALK, cast["child"]).state == State.DUE
    school.cadence(DutyKey.PROXY_PARENT_TALK, Period.FORTNIGHT)
    talk = school.status(day, DutyKey.PROXY_PARENT_TALK, cast["child"])
    assert (talk.state, talk.period, talk.due_on) == (
        State.DONE,
        Period.FORTNIGHT,
        date(2026, 11, 22),
    )


def test_a_disabled_duty_disappears_and_an_enabled_one_appears(school, cast) -> None:
    day = date(2026, 11, 23)
    duties_on = {s.duty for s in school.board(day).statuses}
    assert DutyKey.ACTIVITY in duties_on and DutyKey.FAMILY_CALL not in duties_on
    school.cadence(DutyKey.ACTIVITY, Period.WEEK, enabled=False)
    school.cadence(DutyKey.FAMILY_CALL, Period.WEEK, enabled=True)
    duties_on = {s.duty for s in school.board(day).statuses}
    assert DutyKey.ACTIVITY not in duties_on and DutyKey.FAMILY_CALL in duties_on


def test_a_care_activity_that_week_does_the_activity_duty(school, cast) -> None:
    child = cast["child"]
    school.activity(date(2026, 11, 20), child)
    assert school.status(date(2026, 11, 22), DutyKey.ACTIVITY, child).state == State.DONE
    assert school.status(date(2026, 11, 23), DutyKey.ACTIVITY, child).state == State.DUE


def test_a_volunteer_talks_weekly_with_the_children_paired_to_her(school, cast) -> None:
    volunteer = school.person("爱心妈妈")
    school.pair(cast["child"], volunteer, TERM_STARTS, kind=PairingKind.VOLUNTEER)
    school.record(cast["child"], volunteer, date(2026, 11, 23))
    mine = school.board(date(2026, 11, 24), responsible_id=volunteer.id).statuses
    assert [(s.duty, s.state) for s in mine] == [(DutyKey.PROXY_PARENT_TALK, State.DONE)]
    proxy = school.board(date(2026, 11, 24), responsible_id=cast["proxy"].id).statuses
    # The volunteer's talk is hers: the proxy parent still owes the child a talk.
    assert (DutyKey.PROXY_PARENT_TALK, State.OVERDUE) in [(s.duty, s.state) for s in proxy]


def test_each_person_sees_only_what_they_answer_for_most_overdue_first(school, cast) -> None:
    fresh = school.child("刚谈过", cast["class"])
    school.pair(fresh, cast["proxy"], TERM_STARTS)
    school.record(fresh, cast["proxy"], date(2026, 11, 16))
    proxy_list = school.board(date(2026, 11, 24), responsible_id=cast["proxy"].id).statuses
    talks = [s for s in proxy_list if s.duty == DutyKey.PROXY_PARENT_TALK]
    assert [s.child_id for s in talks] == [cast["child"].id, fresh.id]
    assert talks[0].state == State.OVERDUE and talks[1].state == State.DUE
    assert {s.responsible_id for s in proxy_list} == {cast["proxy"].id}
    assert DutyKey.HOME_VISIT not in {s.duty for s in proxy_list}
    teacher_list = school.board(date(2026, 11, 24), responsible_id=cast["teacher"].id).statuses
    assert DutyKey.PROXY_PARENT_TALK not in {s.duty for s in teacher_list}


def test_the_engine_reads_a_few_statements_however_many_children(school, cast) -> None:
    def statements_for_board() -> int:
        seen = []
        engine = db.engine

        def count(*_args) -> None:
            seen.append(1)

        school.session.flush()
        event.listen(engine, "before_cursor_execute", count)
        try:
            board = school.board(date(2026, 11, 24))
        finally:
            event.remove(engine, "before_cursor_execute", count)
        assert board.statuses
        return len(seen)

    few = statements_for_board()
    for n in range(40):
        child = school.child(f"儿童{n}", cast["class"])
        school.pair(child, cast["proxy"], TERM_STARTS)
        school.record(child, cast["proxy"], date(2026, 11, 2 + n % 20))
    assert statements_for_board() == few <= 3
