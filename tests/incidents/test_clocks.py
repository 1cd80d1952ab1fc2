"""The clocks of an incident, asked at chosen moments: the guardian within 30 minutes, the
parents within an hour, the education authority and the government within two hours, the police
at once; running from when it happened, or from when the school learned of it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from flask import Flask

from tests.conftest import app_session
from tests.incidents.conftest import class_children
from webapp.children.models import Child
from webapp.incidents import service
from webapp.incidents.clocks import ClockState, clock, clocks, due_at, is_overdue, pending
from webapp.incidents.models import Incident, IncidentKind, IncidentStep, StepKind

START = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)  # 10:00 in Beijing


def step(kind: StepKind, **signed) -> IncidentStep:
    return IncidentStep(kind=kind, due_at=due_at(kind, START), **signed)


def at(minutes: float) -> datetime:
    return START + timedelta(minutes=minutes)


def test_at_29_minutes_the_guardian_step_is_due_with_a_minute_left() -> None:
    found = clock(step(StepKind.GUARDIAN), at(29))
    assert found.state == ClockState.RUNNING and found.minutes == 1
    assert not found.is_overdue


def test_at_31_minutes_without_the_guardian_step_it_is_overdue() -> None:
    found = clock(step(StepKind.GUARDIAN), at(31))
    assert found.state == ClockState.OVERDUE and found.minutes == 1


def test_a_second_past_the_limit_is_overdue_and_the_limit_itself_is_not() -> None:
    guardian = step(StepKind.GUARDIAN)
    assert clock(guardian, at(30)).state == ClockState.RUNNING
    assert clock(guardian, at(30) + timedelta(seconds=1)).state == ClockState.OVERDUE


def test_each_party_has_its_own_limit() -> None:
    at_59 = {kind: clock(step(kind), at(59)) for kind in StepKind}
    assert at_59[StepKind.POLICE].state == ClockState.OVERDUE  # at once means at once
    assert at_59[StepKind.GUARDIAN].state == ClockState.OVERDUE
    assert at_59[StepKind.PARENTS].state == ClockState.RUNNING
    assert at_59[StepKind.PARENTS].minutes == 1
    assert at_59[StepKind.AUTHORITY].minutes == 61
    assert clock(step(StepKind.PARENTS), at(61)).state == ClockState.OVERDUE
    assert clock(step(StepKind.AUTHORITY), at(119)).state == ClockState.RUNNING
    assert clock(step(StepKind.GOVERNMENT), at(121)).state == ClockState.OVERDUE
    assert clock(step(StepKind.GOVERNMENT), at(185)).minutes == 65


def test_a_signed_step_stops_its_clock_in_time_or_late() -> None:
    signed_at = at(200)
    in_time = step(StepKind.GUARDIAN, done_at=at(12), signed_at=signed_at)
    late = step(StepKind.GUARDIAN, done_at=at(45), signed_at=signed_at)
    skipped = step(StepKind.PARENTS, not_needed=True, done_at=at(50), signed_at=signed_at)
    assert clock(in_time, at(500)).state == ClockState.DONE
    assert (clock(late, at(500)).state, clock(late, at(500)).minutes) == (ClockState.LATE, 15)
    assert clock(skipped, at(500)).state == ClockState.NOT_NEEDED
    assert not any(c.is_pending for c in map(lambda s: clock(s, at(500)), (in_time, late)))


def test_the_clocks_run_from_when_the_school_learned_of_it(app: Flask, transaction: None) -> None:
    """It happened at night at home; the school heard at 8:00: the guardian is due at 8:30."""
    child = class_children(app)[0]
    happened = datetime(2026, 11, 26, 13, 0, tzinfo=UTC)
    known = datetime(2026, 11, 27, 0, 0, tzinfo=UTC)
    with app_session(app, "yangguang") as session:
        made = service.report_incident(
            session,
            uid=uuid.uuid4(),
            kind=IncidentKind.INJURY,
            children=[session.get(Child, child["id"])],
            reporter_id=None,
            happened_at=happened,
            known_at=known,
            what_happened="晚上在家烫伤，早上奶奶送来时告诉老师。",
        )
        incident = session.get(Incident, made.row.id)
        guardian = next(s for s in incident.steps if s.kind == StepKind.GUARDIAN)
        assert guardian.due_at == known + timedelta(minutes=30)
        assert not is_overdue(incident, known + timedelta(minutes=29))
        assert is_overdue(incident, known + timedelta(minutes=31))
        waiting = pending(incident, known + timedelta(minutes=31))
        assert next(c.step.kind for c in waiting) == StepKind.GUARDIAN  # the overdue one first
        assert waiting[0].is_overdue and not waiting[1].is_overdue
        assert len(clocks(incident, known)) == 4  # guardian, parents, authority, government
