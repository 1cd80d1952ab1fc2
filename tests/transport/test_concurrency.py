"""Two teachers at the door and a weak network: twenty taps on one child at once, some the same
tap retried, some a colleague's tap on another person. The database keeps one release.

Not inside a rolled-back transaction like the other tests: the requests run on their own
connections, as on a server, and the test removes what it made.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from flask import Flask
from sqlalchemy import delete, select

from tests.conftest import app_session
from tests.helpers import copy_login, csrf_token, log_in, purge_audit
from tests.transport.people import KG, PICKUPS, kids_of, new_uid
from webapp.core.audit import AuditEvent
from webapp.core.tenancy import ALL_TENANTS
from webapp.transport.models import Release


def test_twenty_taps_at_once_on_one_child_keep_one_release(
    app: Flask, on_demo_day: date, monkeypatch: pytest.MonkeyPatch
) -> None:
    kid = next(k for k in kids_of(app) if len(k.guardian_ids) >= 2)
    first = app.test_client()
    log_in(first, "13800000004")
    token = csrf_token(first, "/me")
    retried = new_uid()
    forms = [
        {"uid": retried, "person": f"guardian.{kid.guardian_ids[0]}"}
        if n % 2
        else {"uid": new_uid(), "person": f"guardian.{kid.guardian_ids[n % 4 // 2]}"}
        for n in range(20)
    ]
    clients = []
    for _ in forms:
        client = app.test_client()
        copy_login(first, client)
        clients.append(client)
    url = f"{PICKUPS}/children/{kid.id}/release"
    try:
        with ThreadPoolExecutor(max_workers=20) as pool:
            answers = list(
                pool.map(
                    lambda pair: pair[0].post(url, data={"csrf_token": token, **pair[1]}),
                    zip(clients, forms, strict=True),
                )
            )
        assert {a.status_code for a in answers} <= {303, 422}
        assert sum(a.status_code == 303 for a in answers) >= 1
        with app_session(app, KG) as session:
            standing = session.scalars(
                select(Release).where(
                    Release.child_id == kid.id,
                    Release.day == on_demo_day,
                    Release.undone_at.is_(None),
                )
            ).all()
            assert len(standing) == 1
            assert standing[0].guardian_id in kid.guardian_ids[:2]
    finally:  # this test commits for real: leave the shared database as it was
        with app_session(app) as session:
            every_school = {ALL_TENANTS: True}
            ids = session.scalars(
                select(Release.id)
                .where(Release.child_id == kid.id, Release.day == on_demo_day)
                .execution_options(**every_school)
            ).all()
            purge_audit(
                session,
                delete(AuditEvent)
                .where(AuditEvent.subject == "pickup_release", AuditEvent.subject_id.in_(ids))
                .execution_options(**every_school),
            )
            session.execute(
                delete(Release).where(Release.id.in_(ids)).execution_options(**every_school)
            )
