"""The incidents panel on the today page: an overdue step sits at the very top of the
principal's (and the safety lead's) page; a class teacher sees her pupils' incidents there; a
closed one is gone. The panel counts on the time it is given."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient

from tests.care.people import switch_to
from tests.conftest import app_session
from tests.helpers import text_of
from tests.incidents.conftest import (
    OTHER_CLASS,
    PRINCIPAL,
    SAFETY_LEAD,
    class_children,
    make_incident,
    steps_of,
    teacher_phone_of,
    user_id,
)
from webapp.core.permissions import Role
from webapp.incidents import service
from webapp.incidents.models import Incident
from webapp.incidents.today import panel

TODAY = "/s/yangguang/"


def panel_html(page: str) -> str:
    found = re.search(r'<section id="incidents-today".*?</section>', page, re.S)
    return found.group(0) if found else ""


def test_an_overdue_step_sits_at_the_top_of_the_principals_today_page(
    app: Flask, client: FlaskClient
) -> None:
    child = class_children(app)[0]
    incident_id = make_incident(app, [child["id"]], minutes_ago=30.5)  # half a minute over
    for phone in (PRINCIPAL, SAFETY_LEAD):
        page = text_of(switch_to(client, phone).get(TODAY))
        main = page.split('<main id="main">', 1)[1]
        assert (
            re.search(r"<section[^>]*>", main).group(0).startswith('<section id="incidents-today"')
        )
        panel = panel_html(page)
        assert f"/incidents/{incident_id}" in panel and child["name"] in panel
        assert re.search(
            r"30分钟内告知监护人[^<]*<span class=\"clock overdue\"[^>]*>已逾期 1 分钟", panel
        )
        assert "1小时内告知父母" in panel and "还剩 30 分钟" in panel


def test_at_29_minutes_the_guardian_step_still_has_a_minute(
    app: Flask, principal: FlaskClient
) -> None:
    child = class_children(app)[0]
    make_incident(app, [child["id"]], minutes_ago=29)
    panel = panel_html(text_of(principal.get(TODAY)))
    assert "还剩 1 分钟" in panel and 'class="clock overdue"' not in panel
    assert "has-overdue" not in panel


def test_the_panel_counts_on_the_time_it_is_given(app: Flask, transaction: None) -> None:
    child = class_children(app)[0]
    incident_id = make_incident(app, [child["id"]], minutes_ago=0)
    principal_id = user_id(app, PRINCIPAL)
    with app_session(app, "yangguang") as session:
        start = session.get(Incident, incident_id).clocks_start
        roles = frozenset({Role.PRINCIPAL})
        at_29 = panel(session, principal_id, roles, start + timedelta(minutes=29))
        at_31 = panel(session, principal_id, roles, start + timedelta(minutes=31))
        at_121 = panel(session, principal_id, roles, start + timedelta(minutes=121))
        assert at_29.overdue == 0 and at_31.overdue == 1 and at_121.overdue == 4
        [item] = at_31.incidents
        assert item.overdue and item.clocks[0].step.kind.value == "guardian"


def test_a_class_teacher_sees_her_pupils_incident_and_another_does_not(
    app: Flask, teacher: FlaskClient
) -> None:
    child = class_children(app)[0]
    incident_id = make_incident(app, [child["id"]], reporter_phone=PRINCIPAL, minutes_ago=40)
    assert f"/incidents/{incident_id}" in panel_html(text_of(teacher.get(TODAY)))
    other = switch_to(teacher, teacher_phone_of(app, OTHER_CLASS))
    assert panel_html(text_of(other.get(TODAY))) == ""


def test_once_every_step_is_signed_and_it_is_closed_the_panel_is_gone(
    app: Flask, principal: FlaskClient
) -> None:
    child = class_children(app)[0]
    incident_id = make_incident(app, [child["id"]], minutes_ago=200)
    principal_id = user_id(app, PRINCIPAL)
    with app_session(app, "yangguang") as session:
        incident = session.get(Incident, incident_id)
        for step in incident.steps:
            service.sign_step(
                session,
                incident,
                step,
                actor_id=principal_id,
                sign_uid=step.uid,
                done_at=step.due_at,
                whom="相关方",
            )
    assert panel_html(text_of(principal.get(TODAY))) == ""  # signed: nothing left to tell
    with app_session(app, "yangguang") as session:
        service.close_incident(
            session, session.get(Incident, incident_id), actor_id=principal_id, outcome=None
        )
    assert panel_html(text_of(principal.get(TODAY))) == ""
    assert all(s["signed"] for s in steps_of(app, incident_id))


def test_a_volunteer_has_no_incidents_on_her_page(app: Flask, client: FlaskClient) -> None:
    from webapp.demo.data import VOLUNTEER_PHONE

    child = class_children(app)[0]
    make_incident(app, [child["id"]], minutes_ago=40)
    page = text_of(switch_to(client, VOLUNTEER_PHONE).get(TODAY))
    assert "incidents-today" not in page and "上报突发事件" not in page
