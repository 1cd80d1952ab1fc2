"""Ten phones' worth of retries of one incident report at once: the database keeps one incident
with one set of steps.

Not inside a rolled-back transaction like the other tests: the requests run on their own
connections, as on a server, and the test removes what it made.
"""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

from flask import Flask
from sqlalchemy import delete, select

from tests.conftest import app_session
from tests.helpers import copy_login, log_in
from tests.incidents.conftest import BASE, WANG_LI, class_children, incident_form
from webapp.core.audit import AuditEvent, purging
from webapp.core.tenancy import ALL_TENANTS
from webapp.incidents.models import Incident, IncidentChild, IncidentStep

EVERY_SCHOOL = {ALL_TENANTS: True}


def test_ten_identical_reports_at_once_make_one_incident(app: Flask) -> None:
    child = class_children(app)[0]
    first = app.test_client()
    log_in(first, WANG_LI)
    form = incident_form(first, [child["id"]])
    clients = []
    for _ in range(10):
        client = app.test_client()
        copy_login(first, client)
        clients.append(client)
    url = f"{BASE}/new?child_id={child['id']}"
    uid = uuid.UUID(form["uid"])
    try:
        with ThreadPoolExecutor(max_workers=10) as pool:
            answers = list(pool.map(lambda c: c.post(url, data=form), clients))
        assert {a.status_code for a in answers} == {303}
        assert len({a.headers["Location"] for a in answers}) == 1
        with app_session(app) as session:
            [incident_id] = session.scalars(
                select(Incident.id).where(Incident.uid == uid).execution_options(**EVERY_SCHOOL)
            ).all()
            steps = session.scalars(
                select(IncidentStep.kind)
                .where(IncidentStep.incident_id == incident_id)
                .execution_options(**EVERY_SCHOOL)
            ).all()
        assert sorted(steps) == ["authority", "government", "guardian", "parents"]
    finally:  # this test commits for real: leave the shared database as it was
        with app_session(app) as session:
            ids = session.scalars(
                select(Incident.id).where(Incident.uid == uid).execution_options(**EVERY_SCHOOL)
            ).all()
            for model, column in (
                (AuditEvent, AuditEvent.subject_id),
                (IncidentStep, IncidentStep.incident_id),
                (IncidentChild, IncidentChild.incident_id),
                (Incident, Incident.id),
            ):
                statement = delete(model).where(column.in_(ids))
                if model is AuditEvent:
                    statement = statement.where(AuditEvent.subject == "incident")
                with purging(session):
                    session.execute(statement.execution_options(**EVERY_SCHOOL))
