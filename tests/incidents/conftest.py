"""Fixtures and helpers of the incident tests: the people of 阳光小学 who report, sign and read
incidents, and reporting one the way the pages do."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.care.people import switch_to
from tests.conftest import app_session
from tests.helpers import csrf_token, text_of
from webapp.auth.service import find_user_by_phone
from webapp.children.models import Child, SchoolClass
from webapp.core.audit import AuditEvent
from webapp.core.db import utcnow
from webapp.core.i18n import SCHOOL_TIMEZONE
from webapp.incidents import service
from webapp.incidents.models import Incident, IncidentKind, IncidentStep

BASE = "/s/yangguang/incidents"
PRINCIPAL = "13800000001"  # 李建国
WANG_LI = "13800000002"  # class teacher of 三年级一班
SAFETY_LEAD = "13900000190"  # 何志刚
KEEPER = "13800000003"  # 张秀英, keeper of the children's home
CLASS = "三年级一班"
OTHER_CLASS = "三年级二班"


def class_children(app: Flask, class_name: str = CLASS, slug: str = "yangguang") -> list[dict]:
    with app_session(app, slug) as session:
        rows = session.scalars(
            select(Child)
            .join(SchoolClass, SchoolClass.id == Child.class_id)
            .where(SchoolClass.name == class_name)
            .order_by(Child.id)
        )
        return [{"id": c.id, "name": c.name, "class_id": c.class_id} for c in rows]


def teacher_phone_of(app: Flask, class_name: str) -> str:
    with app_session(app, "yangguang") as session:
        school_class = session.scalar(select(SchoolClass).where(SchoolClass.name == class_name))
        return school_class.teacher.phone


def user_id(app: Flask, phone: str) -> int:
    with app_session(app) as session:
        return find_user_by_phone(session, phone).id


def form_uid(html: str, prefix: str = "") -> str:
    name = f"{prefix}-uid" if prefix else "uid"
    found = re.search(rf'name="{name}" type="hidden" value="([0-9a-f-]{{36}})"', html)
    assert found, f"no {name} in the page"
    return found.group(1)


def local(moment: datetime) -> datetime:
    return moment.astimezone(SCHOOL_TIMEZONE)


def incident_form(client: FlaskClient, child_ids: list[int], **changes) -> dict:
    """The incident form as the page hands it out (its own uid), filled in."""
    page = text_of(client.get(f"{BASE}/new", query_string={"child_id": child_ids}))
    happened = local(utcnow() - timedelta(minutes=5))
    return {
        "csrf_token": csrf_token(client, "/me"),
        "uid": form_uid(page),
        "kind": "injury",
        "children": [str(i) for i in child_ids],
        "happened_on": happened.date().isoformat(),
        "happened_time": happened.strftime("%H:%M"),
        "place": "操场单杠旁",
        "what_happened": "课间追跑时摔倒，右膝擦伤。",
        "injuries": "右膝擦伤",
        "actions_taken": "校医消毒包扎",
        **changes,
    }


def report(client: FlaskClient, child_ids: list[int], **changes):
    form = incident_form(client, child_ids, **changes)
    return client.post(f"{BASE}/new", query_string={"child_id": child_ids}, data=form)


def incident_id_of(response) -> int:
    assert response.status_code == 303, text_of(response)[:2000]
    return int(re.search(r"/incidents/(\d+)$", response.headers["Location"]).group(1))


def make_incident(
    app: Flask,
    child_ids: list[int],
    *,
    reporter_phone: str = WANG_LI,
    kind: IncidentKind = IncidentKind.INJURY,
    minutes_ago: float = 5,
    known_minutes_ago: float | None = None,
) -> int:
    """An incident made by the service, as if reported so long ago."""
    now = utcnow()
    with app_session(app, "yangguang") as session:
        children = list(session.scalars(select(Child).where(Child.id.in_(child_ids))))
        made = service.report_incident(
            session,
            uid=uuid.uuid4(),
            kind=kind,
            children=children,
            reporter_id=find_user_by_phone(session, reporter_phone).id,
            happened_at=now - timedelta(minutes=minutes_ago),
            known_at=now - timedelta(minutes=known_minutes_ago)
            if known_minutes_ago is not None
            else None,
            place="村口小卖部旁",
            what_happened="事情经过：放学路上被摩托车擦到。",
            injuries="左手臂擦伤",
        )
        return made.row.id


def steps_of(app: Flask, incident_id: int) -> list[dict]:
    with app_session(app, "yangguang") as session:
        return [
            {
                "id": s.id,
                "kind": s.kind.value,
                "child_id": s.child_id,
                "due_at": s.due_at,
                "signed": s.is_signed,
                "done_by_id": s.done_by_id,
                "not_needed": s.not_needed,
                "whom": s.whom,
                "officer": s.officer,
                "receipt_no": s.receipt_no,
                "note": s.note,
            }
            for s in session.scalars(
                select(IncidentStep)
                .where(IncidentStep.incident_id == incident_id)
                .order_by(IncidentStep.due_at, IncidentStep.id)
            )
        ]


def incidents_in(app: Flask) -> list[dict]:
    with app_session(app, "yangguang") as session:
        return [
            {"id": i.id, "kind": i.kind.value, "restricted": i.restricted, "closed": not i.is_open}
            for i in session.scalars(select(Incident).order_by(Incident.id))
        ]


def views_of(app: Flask, incident_id: int) -> list[tuple[int | None, int | None]]:
    """(actor, child) of every logged opening of an incident."""
    with app_session(app, "yangguang") as session:
        return list(
            session.execute(
                select(AuditEvent.actor_id, AuditEvent.child_id)
                .where(AuditEvent.subject_id == incident_id, AuditEvent.action == "view")
                .where(AuditEvent.subject.in_(("incident", "mandatory_report")))
                .order_by(AuditEvent.id)
            ).all()
        )


@pytest.fixture
def safety_lead(client: FlaskClient) -> FlaskClient:
    """何志刚, safety lead (and teacher) of 阳光小学."""
    return switch_to(client, SAFETY_LEAD)
