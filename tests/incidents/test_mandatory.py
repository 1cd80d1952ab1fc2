"""A mandatory report (强制报告): to the police at once, seen by the principal, the safety lead
and the reporter only. For anyone else it does not exist: 404 on every route, absent from every
list and from the today page; the reporter's name is hidden wherever it could reach others;
every opening is logged, once per child it names."""

from __future__ import annotations

import re
import uuid

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.care.people import switch_to
from tests.conftest import app_session
from tests.helpers import csrf_token, text_of
from tests.incidents.conftest import (
    BASE,
    KEEPER,
    PRINCIPAL,
    SAFETY_LEAD,
    class_children,
    incident_id_of,
    local,
    make_incident,
    report,
    steps_of,
    views_of,
)
from webapp.core.audit import AuditAction, AuditEvent
from webapp.core.db import utcnow
from webapp.core.permissions import Role
from webapp.incidents.access import audit_actor_label, reporter_label
from webapp.incidents.models import Incident, IncidentKind

SECRET = "孩子说爸爸喝酒后用皮带打他"


def mandatory(app: Flask, child_ids: list[int], reporter: str = SAFETY_LEAD, **kwargs) -> int:
    return make_incident(
        app, child_ids, reporter_phone=reporter, kind=IncidentKind.DOMESTIC_VIOLENCE, **kwargs
    )


def every_route(incident_id: int, step_id: int) -> list[tuple[str, str]]:
    return [
        ("GET", f"{BASE}/{incident_id}"),
        ("GET", f"{BASE}/{incident_id}/edit"),
        ("POST", f"{BASE}/{incident_id}/edit"),
        ("POST", f"{BASE}/{incident_id}/steps/{step_id}"),
        ("POST", f"{BASE}/{incident_id}/close"),
    ]


def test_a_class_teacher_who_did_not_report_it_never_finds_it(
    app: Flask, teacher: FlaskClient
) -> None:
    """王丽 teaches the child and reads every regular incident of hers; this one is not there."""
    child = class_children(app)[0]
    incident_id = mandatory(app, [child["id"]])
    regular_id = make_incident(app, [child["id"]], reporter_phone=PRINCIPAL)
    step_id = steps_of(app, incident_id)[0]["id"]
    token = csrf_token(teacher, "/me")
    for method, url in every_route(incident_id, step_id):
        answer = teacher.open(url, method=method, data={"csrf_token": token, "place": "x"})
        assert answer.status_code in (404, 403), f"{method} {url}: {answer.status_code}"
        assert answer.status_code == 404 or url.endswith("/close")  # closing is not hers anyway
    listed = text_of(teacher.get(f"{BASE}/"))
    assert f"/incidents/{regular_id}" in listed and f"/incidents/{incident_id}" not in listed
    assert "强制报告</span>" not in listed and "家庭暴力" not in listed
    today = text_of(teacher.get("/s/yangguang/"))
    assert f"/incidents/{incident_id}" not in today and "家庭暴力" not in today
    assert views_of(app, incident_id) == []  # and nothing was disclosed to her
    assert steps_of(app, incident_id)[0]["signed"] is False


def test_the_principal_the_safety_lead_and_the_reporter_see_it_and_every_view_is_logged(
    app: Flask, client: FlaskClient
) -> None:
    first, second = class_children(app)[:2]
    incident_id = mandatory(app, [first["id"], second["id"]], reporter=KEEPER)
    for phone in (PRINCIPAL, SAFETY_LEAD, KEEPER):
        reader = switch_to(client, phone)
        page = text_of(reader.get(f"{BASE}/{incident_id}"))
        assert "疑似遭受家庭暴力" in page and "事情经过" in page
        assert "张秀英" in page  # the reporter, named to the three of them
        assert "强制报告：只有校长、安全负责人和报告人能看到" in page
        assert f"/incidents/{incident_id}" in text_of(reader.get(f"{BASE}/"))
    reader.get(f"{BASE}/{incident_id}/edit")  # the reporter's edit page shows it too
    views = views_of(app, incident_id)
    assert len(views) == 4 * 2  # four openings, each logged for both children
    assert {child for _actor, child in views} == {first["id"], second["id"]}
    with app_session(app, "yangguang") as session:
        subjects = set(
            session.scalars(
                select(AuditEvent.subject).where(
                    AuditEvent.subject_id == incident_id,
                    AuditEvent.subject.in_(("incident", "mandatory_report")),
                )
            )
        )
    assert subjects == {"mandatory_report"}  # told apart from a regular incident's


def row_of(html: str, incident_id: int) -> str:
    """The list item that links to an incident."""
    found = re.search(
        rf'<li[^>]*>\s*<a class="row" href="[^"]*/incidents/{incident_id}".*?</li>', html, re.S
    )
    assert found, f"incident {incident_id} is not listed"
    return found.group(0)


def test_lists_and_the_today_page_name_no_child_of_a_mandatory_report(
    app: Flask, principal: FlaskClient
) -> None:
    """Only opening it names the children, and opening it is what gets logged."""
    child = class_children(app)[0]
    incident_id = mandatory(app, [child["id"]])
    for page in (text_of(principal.get(f"{BASE}/")), text_of(principal.get("/s/yangguang/"))):
        row = row_of(page, incident_id)
        assert "疑似遭受家庭暴力" in row and "强制报告" in row
        assert child["name"] not in row
    assert views_of(app, incident_id) == []


def test_a_report_with_the_police_details_signs_the_police_step_at_once(
    app: Flask, teacher: FlaskClient
) -> None:
    """王丽 reports what her pupil told her: she is the reporter and sees her own report."""
    child = class_children(app)[0]
    reported = local(utcnow())
    response = report(
        teacher,
        [child["id"]],
        kind="domestic_violence",
        what_happened=SECRET,
        police_station="青杠派出所",
        police_officer="刘警官",
        police_receipt="JQ20261127001",
        police_time=reported.strftime("%H:%M"),
    )
    incident_id = incident_id_of(response)
    police = steps_of(app, incident_id)[0]
    assert police["kind"] == "police" and police["signed"]
    assert (police["whom"], police["officer"], police["receipt_no"]) == (
        "青杠派出所",
        "刘警官",
        "JQ20261127001",
    )
    page = text_of(teacher.get(f"{BASE}/{incident_id}"))
    assert SECRET in page and "JQ20261127001" in page and "刘警官" in page
    with app_session(app, "yangguang") as session:
        row = session.get(Incident, incident_id)
        assert row.restricted and SECRET not in (row.what_sealed or "")


def test_a_police_station_without_the_officer_and_the_time_is_refused(
    app: Flask, teacher: FlaskClient
) -> None:
    child = class_children(app)[0]
    response = report(
        teacher, [child["id"]], kind="missing", police_station="青杠派出所", police_officer=""
    )
    page = text_of(response)
    assert response.status_code == 422
    assert "请填写报案时间。" in page and "请填写接警民警。" in page
    assert 'value="青杠派出所"' in page


def test_without_the_police_details_the_police_step_is_overdue_at_the_top_for_the_principal(
    app: Flask, client: FlaskClient
) -> None:
    child = class_children(app)[0]
    incident_id = mandatory(app, [child["id"]], minutes_ago=3)
    for phone in (PRINCIPAL, SAFETY_LEAD):
        today = text_of(switch_to(client, phone).get("/s/yangguang/"))
        main = today.split("<main", 1)[1]
        first_section = re.search(r"<section[^>]*>", main).group(0)
        assert 'id="incidents-today"' in first_section  # above everything else
        panel = row_of(main, incident_id)
        assert "立即向公安机关报案" in panel and "已逾期" in panel


def test_the_reporter_is_hidden_from_anyone_outside_the_circle(
    app: Flask, transaction: None
) -> None:
    """Wherever a mandatory report reaches someone else (an access history, an export), its
    reporter reads "报告人（已隐藏）"; the principal and the safety lead read the name."""
    child = class_children(app)[0]
    incident_id = mandatory(app, [child["id"]], reporter=KEEPER)
    regular_id = make_incident(app, [child["id"]])
    outsider = frozenset({Role.ARCHIVIST})
    with app.test_request_context(), app_session(app, "yangguang") as session:
        incident = session.get(Incident, incident_id)
        created = session.scalars(
            select(AuditEvent).where(
                AuditEvent.subject == "mandatory_report",
                AuditEvent.subject_id == incident_id,
                AuditEvent.action == AuditAction.CREATE,
            )
        ).first()
        assert reporter_label(incident, 0, outsider) == "报告人（已隐藏）"
        assert reporter_label(incident, 0, frozenset({Role.SAFETY_LEAD})) == "张秀英"
        assert reporter_label(incident, incident.reporter_id, frozenset({Role.ROOM_KEEPER})) == (
            "张秀英"
        )
        assert audit_actor_label(created, outsider) == "报告人（已隐藏）"
        assert audit_actor_label(created, frozenset({Role.PRINCIPAL})) is None
        regular = session.get(Incident, regular_id)
        assert reporter_label(regular, 0, outsider) == "王丽"


def test_the_childs_access_history_names_the_reporter_to_the_principal(
    app: Flask, principal: FlaskClient
) -> None:
    child = class_children(app)[0]
    mandatory(app, [child["id"]], reporter=KEEPER)
    history = text_of(principal.get(f"/s/yangguang/children/{child['id']}/history"))
    assert "张秀英" in history and "已隐藏" not in history


def test_a_uid_of_a_mandatory_report_sent_for_another_child_reveals_nothing(
    app: Flask, teacher: FlaskClient
) -> None:
    first, second = class_children(app)[:2]
    uid = str(uuid.uuid4())
    report(teacher, [first["id"]], uid=uid, kind="missing", what_happened=SECRET)
    again = report(teacher, [second["id"]], uid=uid, kind="missing")
    assert again.status_code == 400 and SECRET not in text_of(again)
