"""Fixtures of the care tests."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import delete

from tests.conftest import app_session
from tests.helpers import purge_audit
from webapp.care.models import CareAlert, CarePhoto, CareRecord
from webapp.core.audit import AuditEvent
from webapp.core.tenancy import ALL_TENANTS


@pytest.fixture
def without_demo_care(app: Flask, transaction: None) -> None:
    """The demo schools as on the day they started recording care: no record, alert or photo
    yet (inside the test's transaction, so the demo history is back afterwards)."""
    every_school = {ALL_TENANTS: True}
    with app_session(app) as session:
        session.execute(delete(CareAlert).execution_options(**every_school))
        session.execute(delete(CarePhoto).execution_options(**every_school))
        session.execute(
            delete(CareRecord)
            .where(CareRecord.amends_id.is_not(None))
            .execution_options(**every_school)
        )
        session.execute(delete(CareRecord).execution_options(**every_school))
        # Their log goes too: a new record may take a freed id (SQLite reuses them).
        purge_audit(
            session,
            delete(AuditEvent)
            .where(AuditEvent.subject == "care_record")
            .execution_options(**every_school),
        )
