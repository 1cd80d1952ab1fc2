"""The today page as the people of 阳光小学 see it on the demo's day (Friday 27 November 2026):
the care work each answers for, the alerts addressed to them, their follow-ups that are due."""

from __future__ import annotations

import re
import uuid
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select

from tests.care.demo_day import freeze_today
from tests.conftest import app_session
from tests.helpers import csrf_token, log_in, text_of
from webapp.auth.service import find_user_by_phone
from webapp.care import service
from webapp.care.models import CareAlert, CareKind, Pairing, PairingKind
from webapp.children.models import Child, SchoolClass
from webapp.demo.care import COUNSELLOR_PHONE, DEMO_TODAY
from webapp.demo.data import VOLUNTEER_PHONE
from webapp.extensions import db

TODAY = "/s/yangguang/"
WANG_LI = "13800000002"


@pytest.fixture
def on_demo_day(monkeypatch: pytest.MonkeyPatch) -> date:
    """Every page and form that asks for today gets the demo's day."""
    return freeze_today(monkeypatch)


def duty_links(html: str, state: str = r"\w+") -> list[tuple[str, str, int, str]]:
    """(state, where it leads, child id, duty label) of every duty on the page: the entry form
    filled with the child, or the child's timeline for a duty without an entry form."""
    found = []
    for m in re.finditer(
        rf'<a class="duty-item (?P<state>{state})" href="(?P<href>[^"]+)">'
        r'\s*<span class="duty-label">(?P<label>[^<]+)</span>',
        html,
    ):
        child = re.search(r"child_id=(\d+)|/children/(\d+)/timeline", m["href"])
        path = m["href"].split("?")[0]
        found.append((m["state"], path, int(child[1] or child[2]), m["label"]))
    return found


def user_id(app: Flask, phone: str) -> int:
    with app_session(app) as session:
        return find_user_by_phone(session, phone).id


def post_talk(client: FlaskClient, child_id: int, **fields) -> str:
    form_url = f"/s/yangguang/care/records/new/talk?child_id={child_id}"
    page = text_of(client.get(form_url))
    uid = re.search(r'name="uid"[^>]*value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="uid"', page
    )
    response = client.post(
        form_url,
        data={
            "csrf_token": csrf_token(client, TODAY),
            "uid": uid.group(1),
            "happened_on": DEMO_TODAY.isoformat(),
            "topics": ["study"],
            "mood": "4",
            "notes": "聊了这周的学习，作业都按时完成了。",
            "channel": "face_to_face",
            **fields,
        },
    )
    assert response.status_code == 303, text_of(response)
    return response.headers["Location"]


def test_the_class_teacher_sees_an_overdue_talk_and_it_goes_once_she_records_one(
    teacher: FlaskClient, on_demo_day: date
) -> None:
    page = text_of(teacher.get(TODAY))
    overdue = [d for d in duty_links(page, "overdue") if d[3] == "班主任谈心"]
    assert overdue, "the demo leaves 王丽 a child she has not talked with for a fortnight"
    _state, path, child_id, _label = overdue[0]
    assert path == "/s/yangguang/care/records/new/talk"
    entry = text_of(teacher.get(f"{path}?child_id={child_id}"))
    assert f"child_id={child_id}" in entry and 'name="notes"' in entry

    post_talk(teacher, child_id)

    after = text_of(teacher.get(TODAY))
    left = {(c, label) for _s, _p, c, label in duty_links(after)}
    assert (child_id, "班主任谈心") not in left
    assert "班主任谈心" in after  # other children still wait


def test_the_demo_gives_her_due_and_overdue_work_on_later_days_too(
    app: Flask, teacher: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    for day in (DEMO_TODAY, date(2026, 12, 2), date(2026, 12, 16)):
        freeze_today(monkeypatch, day)
        states = {state for state, *_rest in duty_links(text_of(teacher.get(TODAY)))}
        assert {"due", "overdue"} <= states, day


def test_overdue_work_comes_first(teacher: FlaskClient, on_demo_day: date) -> None:
    children = re.findall(r'<li class="duty-child( is-overdue)?">', text_of(teacher.get(TODAY)))
    assert children[0] == " is-overdue" and children[-1] == ""
    assert children == sorted(children, reverse=True)  # the overdue children, then the rest


def test_a_volunteer_sees_only_the_children_paired_to_her(
    app: Flask, client: FlaskClient, on_demo_day: date
) -> None:
    volunteer = user_id(app, VOLUNTEER_PHONE)
    with app_session(app, "yangguang") as session:
        paired = set(
            session.scalars(
                select(Pairing.child_id).where(
                    Pairing.user_id == volunteer, Pairing.ended_on.is_(None)
                )
            )
        )
    assert len(paired) == 2
    log_in(client, VOLUNTEER_PHONE)
    page = text_of(client.get(TODAY))
    assert {child for _s, _p, child, _l in duty_links(page)} <= paired
    assert re.search(r"代理家长谈心 \d/2 本周", page)  # her two children, nobody else's
    assert "班主任谈心" not in page and "与家长联系" not in page


def test_month_and_term_duties_wait_as_a_count_until_their_due_date_nears(
    teacher: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    mid_term = date(2026, 12, 2)  # the term ends on 22 January, December on the 31st
    freeze_today(monkeypatch, mid_term)
    page = text_of(teacher.get(TODAY))
    labels = {label for *_rest, label in duty_links(page)}
    assert "家访" not in labels and re.search(r"家访 \d+/7 本学期", page)
    late = date(2027, 1, 4)
    freeze_today(monkeypatch, late)
    assert "家访" in {label for *_rest, label in duty_links(text_of(teacher.get(TODAY)))}


def concern_in_wang_lis_class(app: Flask) -> tuple[int, int, str]:
    """A colleague's talk raising a concern about a child of 三年级一班: (record, child, name)."""
    with app_session(app, "yangguang") as session:
        school_class = session.scalar(select(SchoolClass).where(SchoolClass.name == "三年级一班"))
        pairing = session.scalar(
            select(Pairing)
            .join(Child, Child.id == Pairing.child_id)
            .where(
                Child.class_id == school_class.id,
                Pairing.kind == PairingKind.PROXY_PARENT,
                Pairing.user_id != school_class.teacher_id,
            )
            .order_by(Pairing.id)
            .limit(1)
        )
        child = session.get(Child, pairing.child_id)
        record = service.record_care(
            session,
            uid=uuid.uuid4(),
            child=child,
            kind=CareKind.TALK,
            author_id=pairing.user_id,
            happened_on=DEMO_TODAY,
            notes="说晚上一个人在家，很害怕。",
            concern=True,
        ).record
        return record.id, child.id, child.name


def alert_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<li id="alert-(\d+)"', html)]


def test_a_concern_reaches_the_class_teacher_and_the_counsellor_and_each_notes_it_alone(
    app: Flask, client: FlaskClient, on_demo_day: date
) -> None:
    record_id, _child_id, name = concern_in_wang_lis_class(app)
    with app_session(app, "yangguang") as session:
        alerts = {
            a.recipient_id: a.id
            for a in session.scalars(select(CareAlert).where(CareAlert.record_id == record_id))
        }
    wang_li, counsellor = user_id(app, WANG_LI), user_id(app, COUNSELLOR_PHONE)
    assert set(alerts) == {wang_li, counsellor}

    log_in(client, COUNSELLOR_PHONE)
    page = text_of(client.get(TODAY))
    assert alerts[counsellor] in alert_ids(page) and name in page
    # The counsellor reads the talk the alert points at, though the child is not hers.
    assert client.get(f"/s/yangguang/care/records/{record_id}").status_code == 200
    client.post("/logout", data={"csrf_token": csrf_token(client, "/me")})

    log_in(client, WANG_LI)
    page = text_of(client.get(TODAY))
    assert alerts[wang_li] in alert_ids(page)
    assert f"/s/yangguang/care/records/{record_id}" in page
    response = client.post(
        f"/s/yangguang/care/alerts/{alerts[wang_li]}/acknowledge",
        data={"csrf_token": csrf_token(client, TODAY)},
    )
    assert response.status_code == 303
    assert "已知悉" in text_of(client.get(response.headers["Location"]))
    assert alerts[wang_li] not in alert_ids(text_of(client.get(TODAY)))
    client.post("/logout", data={"csrf_token": csrf_token(client, "/me")})

    log_in(client, COUNSELLOR_PHONE)
    assert alerts[counsellor] in alert_ids(text_of(client.get(TODAY)))


def test_noting_an_alert_with_htmx_answers_nothing_to_swap_in(
    app: Flask, teacher: FlaskClient, on_demo_day: date
) -> None:
    record_id, _child_id, _name = concern_in_wang_lis_class(app)
    with app_session(app, "yangguang") as session:
        alert_id = session.scalar(
            select(CareAlert.id).where(
                CareAlert.record_id == record_id, CareAlert.recipient_id == user_id(app, WANG_LI)
            )
        )
    response = teacher.post(
        f"/s/yangguang/care/alerts/{alert_id}/acknowledge",
        headers={
            "HX-Request": "true",
            "HX-Target": f"alert-{alert_id}",
            "X-CSRFToken": csrf_token(teacher, TODAY),
        },
    )
    assert response.status_code == 200 and text_of(response) == ""
    assert alert_id not in alert_ids(text_of(teacher.get(TODAY)))


def test_nobody_notes_an_alert_addressed_to_someone_else(
    app: Flask, principal: FlaskClient, on_demo_day: date
) -> None:
    record_id, _child_id, _name = concern_in_wang_lis_class(app)
    with app_session(app, "yangguang") as session:
        alert = session.scalar(select(CareAlert).where(CareAlert.record_id == record_id))
        alert_id = alert.id
    response = principal.post(
        f"/s/yangguang/care/alerts/{alert_id}/acknowledge",
        data={"csrf_token": csrf_token(principal, TODAY)},
    )
    assert response.status_code == 404
    with app_session(app, "yangguang") as session:
        assert session.get(CareAlert, alert_id).acknowledged_at is None


def test_her_own_follow_up_shows_when_due_and_goes_when_done(
    app: Flask, teacher: FlaskClient, on_demo_day: date
) -> None:
    with app_session(app, "yangguang") as session:
        wang_li = user_id(app, WANG_LI)
        child = session.scalar(
            select(Child)
            .join(SchoolClass, SchoolClass.id == Child.class_id)
            .where(SchoolClass.teacher_id == wang_li)
            .order_by(Child.id)
            .limit(1)
        )
        record = service.record_care(
            session,
            uid=uuid.uuid4(),
            child=child,
            kind=CareKind.TALK,
            author_id=wang_li,
            happened_on=date(2026, 11, 20),
            notes="说最近睡得不好。",
            follow_up="给外婆打电话问问晚上的情况",
            follow_up_due=date(2026, 11, 26),
        ).record
        record_id = record.id
    page = text_of(teacher.get(TODAY))
    assert "给外婆打电话问问晚上的情况" in page and f'id="follow-up-{record_id}"' in page
    teacher.post(
        f"/s/yangguang/care/records/{record_id}/follow-up",
        data={"csrf_token": csrf_token(teacher, TODAY)},
    )
    assert "给外婆打电话问问晚上的情况" not in text_of(teacher.get(TODAY))


def test_a_follow_up_not_yet_due_does_not_show(
    app: Flask, teacher: FlaskClient, on_demo_day: date
) -> None:
    post_talk(teacher, first_child_of_wang_li(app), follow_up="下周再谈一次", follow_up_in="7")
    assert "下周再谈一次" not in text_of(teacher.get(TODAY))


def first_child_of_wang_li(app: Flask) -> int:
    with app_session(app, "yangguang") as session:
        return session.scalar(
            select(Child.id)
            .join(SchoolClass, SchoolClass.id == Child.class_id)
            .where(SchoolClass.name == "三年级一班")
            .order_by(Child.id)
            .limit(1)
        )


def test_the_today_page_stays_at_a_dozen_statements(
    app: Flask, teacher: FlaskClient, on_demo_day: date
) -> None:
    """The page reads everything in a few set-based statements, however many children."""
    teacher.get(TODAY)
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        assert teacher.get(TODAY).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    # 13, one for the children's home (the class's overdue loans, assets.today.panel), 2 for
    # the safety panel (the alerts and follow-ups, the class's roll calls today) and one for the
    # open incidents on top, and one for the data protection panel (who the school's officer is).
    assert len(seen) <= 18, "\n".join(seen)
