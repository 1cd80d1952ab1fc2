"""The daily safety education (每日安全教育): a class teacher's quick entry, once however often
it is sent; the class's term at a glance; the classes of the school for the principal."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.care.demo_day import freeze_today
from tests.care.people import switch_to
from tests.conftest import app_session
from tests.helpers import csrf_token, text_of
from tests.incidents.conftest import OTHER_CLASS, SAFETY_LEAD, class_children, form_uid
from webapp.core.i18n import local_today
from webapp.incidents.models import SafetyLesson

BASE = "/s/yangguang/safety-lessons"
HX = {"HX-Request": "true", "HX-Target": "class-lessons"}


def class_url(app: Flask, class_name: str = "三年级一班") -> str:
    return f"{BASE}/classes/{class_children(app, class_name)[0]['class_id']}"


def lesson(client: FlaskClient, url: str, **changes) -> dict:
    page = text_of(client.get(url))
    return {
        "csrf_token": csrf_token(client, "/me"),
        "uid": form_uid(page),
        "topics": ["drowning", "traffic"],
        "minutes_pick": "10",
        "held_on": local_today().isoformat(),
        **changes,
    }


def lessons_of(app: Flask, class_id: int) -> list[tuple]:
    with app_session(app, "yangguang") as session:
        rows = session.scalars(select(SafetyLesson).where(SafetyLesson.class_id == class_id))
        return [(r.held_on, r.topics_csv, r.minutes, r.teacher_id) for r in rows]


def test_a_class_teacher_logs_todays_safety_education_in_three_taps(
    app: Flask, teacher: FlaskClient
) -> None:
    assert teacher.get(f"{BASE}/").headers["Location"].endswith(class_url(app))  # her class
    url = class_url(app)
    class_id = int(url.rsplit("/", 1)[1])
    before = len(lessons_of(app, class_id))
    data = lesson(teacher, url)
    first = teacher.post(url, data=data)
    again = teacher.post(url, data=data)  # a double tap
    assert first.status_code == again.status_code == 303
    assert len(lessons_of(app, class_id)) == before + 1
    page = text_of(teacher.get(url))
    assert "防溺水、交通安全" in page or "交通安全、防溺水" in page
    assert "10 分钟" in page and "王丽" in page


def test_with_htmx_the_entry_is_saved_in_place_with_a_fresh_form(
    app: Flask, teacher: FlaskClient
) -> None:
    url = class_url(app)
    data = lesson(teacher, url, topics=["fire"], minutes_pick="", minutes_typed="45")
    answer = teacher.post(url, data=data, headers=HX)
    html = text_of(answer)
    assert answer.status_code == 200 and "<html" not in html
    assert html.startswith('<div id="class-lessons">') or 'id="class-lessons"' in html[:200]
    assert "已保存" in html and "45 分钟" in html and "防火" in html
    assert form_uid(html) != data["uid"]  # the next entry is a new one


def test_an_entry_without_a_topic_or_a_length_is_refused_next_to_the_fields(
    app: Flask, teacher: FlaskClient
) -> None:
    url = class_url(app)
    class_id = int(url.rsplit("/", 1)[1])
    before = len(lessons_of(app, class_id))
    data = lesson(teacher, url, topics=[], minutes_pick="", note="晨会")
    response = teacher.post(url, data=data, headers=HX)
    html = text_of(response)
    assert response.status_code == 422
    assert "请至少选择一个主题。" in html and "请选择时长。" in html and 'value="晨会"' in html
    tomorrow = (local_today() + timedelta(days=1)).isoformat()
    late = teacher.post(url, data=lesson(teacher, url, held_on=tomorrow))
    assert late.status_code == 422 and "这个日期还没到。" in text_of(late)
    assert len(lessons_of(app, class_id)) == before


def test_another_class_is_not_hers_but_the_safety_lead_keeps_every_class(
    app: Flask, teacher: FlaskClient
) -> None:
    other = class_url(app, OTHER_CLASS)
    assert teacher.get(other).status_code == 404
    assert teacher.post(other, data=lesson(teacher, class_url(app))).status_code == 404
    lead = switch_to(teacher, SAFETY_LEAD)
    board = text_of(lead.get(f"{BASE}/"))
    assert "三年级一班" in board and "三年级二班" in board
    assert re.search(r"三年级一班.*?\d+ 天", board, re.S)  # the demo's days this term
    assert lead.post(other, data=lesson(lead, other)).status_code == 303


def test_the_term_view_shows_only_that_terms_days(
    app: Flask, teacher: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    freeze_today(monkeypatch)  # in the demo's first term
    url = class_url(app)
    class_id = int(url.rsplit("/", 1)[1])
    with app_session(app, "yangguang") as session:
        session.add(
            SafetyLesson(
                uid=uuid.uuid4(),
                class_id=class_id,
                held_on=date(2026, 3, 10),
                topics_csv="online",
                minutes=20,
                note="上一学年的网络安全课",
            )
        )
    page = text_of(teacher.get(url))
    assert "上一学年的网络安全课" not in page
    assert "全校消防疏散演练" in page and "6 天" in page  # the demo's days of this term
