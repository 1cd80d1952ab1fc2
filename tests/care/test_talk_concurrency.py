"""Twenty phones' worth of retries at once: the database keeps one talk.

Not inside a rolled-back transaction like the other tests: the requests run on their own
connections, as on a server, and the test removes what it made.
"""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

from flask import Flask
from sqlalchemy import delete, select

from tests.care.test_talk import child_of, talk, talk_url, talks_of
from tests.conftest import app_session
from tests.helpers import copy_login, log_in, purge_audit
from webapp.care.models import CareAlert, CareRecord
from webapp.core.audit import AuditEvent
from webapp.core.tenancy import ALL_TENANTS


def test_twenty_identical_posts_at_once_make_one_talk(app: Flask) -> None:
    """Twenty phones' worth of retries arrive together; the database keeps one talk."""
    child_id, _name = child_of(app)
    first = app.test_client()
    log_in(first, "13800000002")
    form = talk(first, child_id)
    talks_before = len(talks_of(app, child_id))
    clients = []
    for _ in range(20):
        client = app.test_client()
        copy_login(first, client)
        clients.append(client)
    try:
        with ThreadPoolExecutor(max_workers=20) as pool:
            answers = list(pool.map(lambda c: c.post(talk_url(child_id), data=form), clients))
        assert {a.status_code for a in answers} == {303}
        assert len({a.headers["Location"] for a in answers}) == 1
        assert len(talks_of(app, child_id)) == talks_before + 1
    finally:  # this test commits for real: leave the shared database as it was
        with app_session(app) as session:
            uid = uuid.UUID(form["uid"])
            ids = session.scalars(
                select(CareRecord.id)
                .where(CareRecord.uid == uid)
                .execution_options(**{ALL_TENANTS: True})
            ).all()
            for table, column in ((CareAlert, CareAlert.record_id),):
                session.execute(
                    delete(table).where(column.in_(ids)).execution_options(**{ALL_TENANTS: True})
                )
            purge_audit(
                session,
                delete(AuditEvent)
                .where(AuditEvent.subject == "care_record", AuditEvent.subject_id.in_(ids))
                .execution_options(**{ALL_TENANTS: True}),
            )
            session.execute(
                delete(CareRecord)
                .where(CareRecord.uid == uid)
                .execution_options(**{ALL_TENANTS: True})
            )
