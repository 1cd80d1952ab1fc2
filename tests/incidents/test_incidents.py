"""Reporting an incident on the phone: first the children, then what happened; once however
often it is sent; the clocks start at once and each step is signed with who, whom, how and when."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.care.entry import child_with_guardian
from tests.care.people import switch_to
from tests.conftest import app_session
from tests.helpers import csrf_token, text_of
from tests.incidents.conftest import (
    BASE,
    OTHER_CLASS,
    PRINCIPAL,
    WANG_LI,
    class_children,
    form_uid,
    incident_form,
    incident_id_of,
    incidents_in,
    local,
    make_incident,
    report,
    steps_of,
    user_id,
)
from webapp.core.audit import AuditEvent
from webapp.core.db import utcnow
from webapp.incidents.models import Incident

HX_STEP = {"HX-Request": "true"}


def test_a_class_teacher_starts_from_her_class_and_reports_an_injury(
    app: Flask, teacher: FlaskClient
) -> None:
    first, second = class_children(app)[:2]
    picker = text_of(teacher.get(f"{BASE}/new"))
    assert first["name"] in picker and second["name"] in picker  # her class, without a search

    response = report(teacher, [first["id"], second["id"]])
    incident_id = incident_id_of(response)
    page = text_of(teacher.get(response.headers["Location"]))
    assert "意外伤害" in page and "操场单杠旁" in page and "右膝擦伤" in page
    assert first["name"] in page and second["name"] in page
    assert "王丽" in page  # the reporter, named to those who may know
    kinds = [s["kind"] for s in steps_of(app, incident_id)]
    # the guardian and the parents of each child, the authority and the government once
    assert sorted(kinds) == sorted(["guardian"] * 2 + ["parents"] * 2 + ["authority", "government"])
    assert "30分钟内告知监护人" in page and "剩" in page
    with app_session(app, "yangguang") as session:
        logged = session.scalars(
            select(AuditEvent.child_id).where(
                AuditEvent.subject == "incident", AuditEvent.subject_id == incident_id
            )
        ).all()
        stored = session.execute(
            select(Incident.__table__.c.what_happened).where(Incident.id == incident_id)
        ).scalar_one()
    assert sorted(logged) == sorted([first["id"], second["id"]])  # each child's history
    assert "摔倒" not in stored  # the facts are sealed


def test_the_same_form_sent_twice_makes_one_incident(app: Flask, teacher: FlaskClient) -> None:
    child = class_children(app)[0]
    before = len(incidents_in(app))
    form = incident_form(teacher, [child["id"]])
    url = f"{BASE}/new?child_id={child['id']}"
    first = teacher.post(url, data=form)
    again = teacher.post(url, data=form)  # a double tap, a retry on a weak signal
    assert first.status_code == again.status_code == 303
    assert first.headers["Location"] == again.headers["Location"]
    assert len(incidents_in(app)) == before + 1
    assert len(steps_of(app, incident_id_of(first))) == 4


def test_a_form_sent_again_for_other_children_makes_nothing(
    app: Flask, teacher: FlaskClient
) -> None:
    first, second = class_children(app)[:2]
    before = len(incidents_in(app))
    form = incident_form(teacher, [first["id"]])
    teacher.post(f"{BASE}/new?child_id={first['id']}", data=form)
    replay = teacher.post(
        f"{BASE}/new?child_id={second['id']}", data={**form, "children": [str(second["id"])]}
    )
    assert replay.status_code == 400
    assert len(incidents_in(app)) == before + 1


def test_bad_input_is_refused_next_to_the_fields_with_the_values_kept(
    app: Flask, teacher: FlaskClient
) -> None:
    child = class_children(app)[0]
    before = len(incidents_in(app))
    tomorrow = local(utcnow() + timedelta(days=1))
    response = report(
        teacher,
        [child["id"]],
        kind="",
        what_happened="",
        place="学校后门",
        happened_on=tomorrow.date().isoformat(),
    )
    page = text_of(response)
    assert response.status_code == 422
    assert "请选择事件类型。" in page and "请写几句事情经过。" in page
    assert "这个时间还没到。" in page
    assert 'value="学校后门"' in page
    assert len(incidents_in(app)) == before


def test_a_report_names_children_of_any_class_found_by_name(
    app: Flask, teacher: FlaskClient
) -> None:
    """On the playground a teacher may see a child of another class hurt: she finds them by
    name, and keeps the ones she chose while she searches again."""
    own = class_children(app)[0]
    other = class_children(app, OTHER_CLASS)[0]
    found = text_of(
        teacher.get(
            f"{BASE}/new", query_string={"pick": 1, "q": other["name"], "child_id": own["id"]}
        )
    )
    assert f'name="child_id" value="{other["id"]}"' in found
    assert re.search(rf'value="{own["id"]}" checked', found)  # still chosen
    partial = teacher.get(
        f"{BASE}/new",
        query_string={"pick": 1, "q": other["name"]},
        headers={"HX-Request": "true", "HX-Target": "pick-results"},
    )
    assert "<html" not in text_of(partial) and other["name"] in text_of(partial)
    nothing = text_of(teacher.get(f"{BASE}/new", query_string={"next": 1}))
    assert "请至少选择一名儿童。" in nothing
    incident_id = incident_id_of(report(teacher, [own["id"], other["id"]]))
    assert other["name"] in text_of(teacher.get(f"{BASE}/{incident_id}"))


def sign_data(client: FlaskClient, incident_id: int, step_id: int, **values) -> dict:
    page = text_of(client.get(f"{BASE}/{incident_id}"))
    prefix = f"step{step_id}"
    now = local(utcnow())
    data = {
        "csrf_token": csrf_token(client, "/me"),
        f"{prefix}-uid": form_uid(page, prefix),
        f"{prefix}-action": "sign",
        f"{prefix}-whom": "奶奶王秀英",
        f"{prefix}-channel": "phone",
        f"{prefix}-done_on": now.date().isoformat(),
        f"{prefix}-done_time": now.strftime("%H:%M"),
        f"{prefix}-note": "已告知，奶奶马上赶来学校。",
    }
    data.update({f"{prefix}-{k}": v for k, v in values.items()})
    return data


def test_a_step_is_signed_with_who_whom_how_and_when_in_place(
    app: Flask, teacher: FlaskClient
) -> None:
    child = class_children(app)[0]
    incident_id = make_incident(app, [child["id"]], minutes_ago=10)
    guardian = next(s for s in steps_of(app, incident_id) if s["kind"] == "guardian")
    url = f"{BASE}/{incident_id}/steps/{guardian['id']}"
    data = sign_data(teacher, incident_id, guardian["id"])
    answer = teacher.post(
        url, data=data, headers={**HX_STEP, "HX-Target": f"step-{guardian['id']}"}
    )
    html = text_of(answer)
    assert answer.status_code == 200 and "<html" not in html
    assert f'id="step-{guardian["id"]}"' in html and "按时完成" in html
    assert "奶奶王秀英" in html and "王丽" in html and "电话" in html
    again = teacher.post(url, data=data)  # the same signature sent again changes nothing
    assert again.status_code == 303 and again.headers["Location"].endswith(
        f"#step-{guardian['id']}"
    )
    [signed] = [s for s in steps_of(app, incident_id) if s["id"] == guardian["id"]]
    assert signed["signed"] and signed["done_by_id"] == user_id(app, WANG_LI)
    assert signed["whom"] == "奶奶王秀英" and signed["note"] == "已告知，奶奶马上赶来学校。"
    with app_session(app, "yangguang") as session:
        updates = session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(
                AuditEvent.subject_id == incident_id,
                AuditEvent.subject == "incident",
                AuditEvent.action == "update",
            )
        )
    assert updates == 1


def test_a_step_needs_whom_and_cannot_be_before_the_incident(
    app: Flask, teacher: FlaskClient
) -> None:
    child = class_children(app)[0]
    incident_id = make_incident(app, [child["id"]], minutes_ago=10)
    guardian = next(s for s in steps_of(app, incident_id) if s["kind"] == "guardian")
    early = local(utcnow() - timedelta(hours=3))
    data = sign_data(
        teacher,
        incident_id,
        guardian["id"],
        whom="",
        done_time=early.strftime("%H:%M"),
        done_on=early.date().isoformat(),
    )
    response = teacher.post(f"{BASE}/{incident_id}/steps/{guardian['id']}", data=data)
    page = text_of(response)
    assert response.status_code == 422
    assert "请写明告知了谁。" in page and "这早于事件发生的时间。" in page
    assert not steps_of(app, incident_id)[0]["signed"]


def test_a_step_can_be_signed_as_not_needed_with_the_reason(
    app: Flask, teacher: FlaskClient
) -> None:
    child = class_children(app)[0]
    incident_id = make_incident(app, [child["id"]], minutes_ago=10)
    government = next(s for s in steps_of(app, incident_id) if s["kind"] == "government")
    url = f"{BASE}/{incident_id}/steps/{government['id']}"
    without = sign_data(teacher, incident_id, government["id"], action="not_needed", note="")
    assert teacher.post(url, data=without).status_code == 422
    data = sign_data(
        teacher, incident_id, government["id"], action="not_needed", note="轻微擦伤，校长决定不上报"
    )
    assert teacher.post(url, data=data).status_code == 303
    page = text_of(teacher.get(f"{BASE}/{incident_id}"))
    assert "无需告知：轻微擦伤，校长决定不上报" in page


def test_the_principal_closes_an_incident_only_once_every_step_is_signed(
    app: Flask, principal: FlaskClient
) -> None:
    child = class_children(app)[0]
    incident_id = make_incident(app, [child["id"]], minutes_ago=10)
    close = f"{BASE}/{incident_id}/close"
    token = {"csrf_token": csrf_token(principal, "/me")}
    principal.post(close, data={**token, "outcome": "已痊愈"})
    assert not incidents_in(app)[-1]["closed"]
    assert "结案</button>" not in text_of(principal.get(f"{BASE}/{incident_id}"))
    for step in steps_of(app, incident_id):
        principal.post(
            f"{BASE}/{incident_id}/steps/{step['id']}",
            data=sign_data(principal, incident_id, step["id"], whom="相关方"),
        )
    page = text_of(principal.get(f"{BASE}/{incident_id}"))
    assert "结案</button>" in page
    assert principal.post(close, data={**token, "outcome": "已痊愈"}).status_code == 303
    assert incidents_in(app)[-1]["closed"]
    page = text_of(principal.get(f"{BASE}/{incident_id}"))
    assert "已痊愈" in page and "已结案" in page and "签署这一步" not in page


def test_a_class_teacher_cannot_close_and_another_class_teacher_does_not_find_it(
    app: Flask, teacher: FlaskClient
) -> None:
    child = class_children(app)[0]
    incident_id = make_incident(app, [child["id"]], reporter_phone=PRINCIPAL)
    assert teacher.get(f"{BASE}/{incident_id}").status_code == 200  # her pupil's incident
    close = teacher.post(
        f"{BASE}/{incident_id}/close", data={"csrf_token": csrf_token(teacher, "/me")}
    )
    assert close.status_code == 404  # refused on an incident: as if there were none
    from tests.incidents.conftest import teacher_phone_of

    other = switch_to(teacher, teacher_phone_of(app, OTHER_CLASS))
    assert other.get(f"{BASE}/{incident_id}").status_code == 404
    assert f"/incidents/{incident_id}" not in text_of(other.get(f"{BASE}/"))


def test_the_guardian_on_the_card_is_told_in_one_tap(app: Flask, teacher: FlaskClient) -> None:
    child = child_with_guardian(app)
    incident_id = make_incident(app, [child["id"]], minutes_ago=10)
    guardian = next(s for s in steps_of(app, incident_id) if s["kind"] == "guardian")
    page = text_of(teacher.get(f"{BASE}/{incident_id}"))
    chip = re.search(rf'name="step{guardian["id"]}-person" type="radio" value="([^"]+)"', page)
    assert chip and child["guardian_name"] in chip.group(1)
    data = sign_data(teacher, incident_id, guardian["id"], whom="", person=chip.group(1))
    answer = teacher.post(
        f"{BASE}/{incident_id}/steps/{guardian['id']}",
        data=data,
        headers={**HX_STEP, "HX-Target": f"step-{guardian['id']}"},
    )
    assert answer.status_code == 200 and child["guardian_name"] in text_of(answer)
    [signed] = [s for s in steps_of(app, incident_id) if s["id"] == guardian["id"]]
    assert signed["whom"] == chip.group(1)


def test_a_refused_signature_answers_in_place_with_the_message(
    app: Flask, teacher: FlaskClient
) -> None:
    child = class_children(app)[0]
    incident_id = make_incident(app, [child["id"]], minutes_ago=10)
    parents = next(s for s in steps_of(app, incident_id) if s["kind"] == "parents")
    data = sign_data(teacher, incident_id, parents["id"], whom="", channel="")
    answer = teacher.post(
        f"{BASE}/{incident_id}/steps/{parents['id']}",
        data=data,
        headers={**HX_STEP, "HX-Target": f"step-{parents['id']}"},
    )
    html = text_of(answer)
    assert answer.status_code == 422 and "<html" not in html
    assert "请写明告知了谁。" in html and "请选择告知方式。" in html
    assert 'value="已告知，奶奶马上赶来学校。"' in html or "已告知，奶奶马上赶来学校。" in html
