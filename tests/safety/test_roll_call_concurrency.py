"""Retries and two phones at once: the database keeps one roll call, one sending per page, and
every exception either phone tapped.

Not inside a rolled-back transaction like the other tests: the requests run on their own
connections, as on a server, and the test removes what it made.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date

from flask import Flask
from sqlalchemy import delete, func, select

from tests.conftest import app_session
from tests.helpers import copy_login, log_in
from tests.safety.sheet import (
    SCHOOL,
    TEACHER,
    children_of,
    class_id,
    marks_of,
    roll_call_url,
    sheet_form,
)
from webapp.core.audit import AuditEvent, purging
from webapp.core.tenancy import ALL_TENANTS
from webapp.safety.models import (
    Attendance,
    RollCall,
    RollCallMark,
    SafetyAlert,
    SheetSubmission,
)


def test_retries_and_a_second_phone_at_once_make_one_roll_call(
    app: Flask, on_demo_day: date
) -> None:
    own = class_id(app)
    first, second, *_ = children_of(app)
    phone = app.test_client()
    log_in(phone, TEACHER)
    action, retried = sheet_form(phone, roll_call_url(own))
    _action, other = sheet_form(phone, roll_call_url(own))  # the same page on a second phone
    retried[f"s{first['id']}"] = "late"
    other[f"s{second['id']}"] = "sick"
    clients = []
    for _ in range(12):
        client = app.test_client()
        copy_login(phone, client)
        clients.append(client)
    pages = [retried] * 10 + [other] * 2
    try:
        with ThreadPoolExecutor(max_workers=12) as pool:
            answers = list(
                pool.map(
                    lambda pair: pair[0].post(action, data=pair[1]),
                    zip(clients, pages, strict=True),
                )
            )
        assert {a.status_code for a in answers} == {303}
        marks = marks_of(app, own, on_demo_day)
        assert marks[first["id"]] == Attendance.LATE and marks[second["id"]] == Attendance.SICK
        assert len(marks) == len(children_of(app))
        with app_session(app, SCHOOL) as session:
            roll_calls = session.scalar(
                select(func.count())
                .select_from(RollCall)
                .where(RollCall.class_id == own, RollCall.day == on_demo_day)
            )
            sent = session.scalar(
                select(func.count())
                .select_from(SheetSubmission)
                .join(RollCall, RollCall.id == SheetSubmission.roll_call_id)
                .where(RollCall.class_id == own, RollCall.day == on_demo_day)
            )
        assert (roll_calls, sent) == (1, 2)
    finally:  # this test commits for real: leave the shared database as it was
        everywhere = {ALL_TENANTS: True}
        with app_session(app) as session:
            roll_call_ids = session.scalars(
                select(RollCall.id)
                .where(RollCall.class_id == own, RollCall.day == on_demo_day)
                .execution_options(**everywhere)
            ).all()
            mark_ids = session.scalars(
                select(RollCallMark.id)
                .where(RollCallMark.roll_call_id.in_(roll_call_ids))
                .execution_options(**everywhere)
            ).all()
            for statement in (
                delete(SafetyAlert).where(SafetyAlert.roll_call_mark_id.in_(mark_ids)),
                delete(AuditEvent).where(
                    (AuditEvent.subject == "roll_call") & AuditEvent.subject_id.in_(roll_call_ids)
                    | (AuditEvent.subject == "roll_call_mark") & AuditEvent.subject_id.in_(mark_ids)
                ),
                delete(SheetSubmission).where(SheetSubmission.roll_call_id.in_(roll_call_ids)),
                delete(RollCallMark).where(RollCallMark.id.in_(mark_ids)),
                delete(RollCall).where(RollCall.id.in_(roll_call_ids)),
            ):
                with purging(session):
                    session.execute(statement.execution_options(**everywhere))
