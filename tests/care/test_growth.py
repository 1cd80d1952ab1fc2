"""The growth record (成长记录袋): awards, special deeds, term evaluations, birthdays, and wishes
(圆梦) that are marked fulfilled with their date."""

from __future__ import annotations

import re
import uuid

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.care.people import class_children, post
from tests.conftest import app_session
from tests.helpers import text_of
from webapp.care.models import CareKind, CareRecord
from webapp.core.i18n import local_today, long_date

BASE = "/s/yangguang/care"


def growth_form(**changes) -> dict:
    return {
        "uid": str(uuid.uuid4()),
        "growth_type": "award",
        "title": "留守少儿之星",
        "wish": "",
        "notes": "",
        "happened_on": local_today().isoformat(),
        **changes,
    }


def record(client: FlaskClient, child_id: int, **changes) -> int:
    response = post(
        client, f"{BASE}/records/new/growth?child_id={child_id}", growth_form(**changes)
    )
    assert response.status_code == 303, text_of(response)
    return int(re.search(r"/records/(\d+)", response.headers["Location"]).group(1))


def test_an_award_is_on_the_timeline_with_its_title(app: Flask, teacher: FlaskClient) -> None:
    child = class_children(app)[0]
    record_id = record(teacher, child["id"], notes="本学期主动帮助低年级同学")
    timeline = text_of(teacher.get(f"{BASE}/children/{child['id']}/timeline"))
    assert "成长记录" in timeline and "获奖 · 留守少儿之星" in timeline
    page = text_of(teacher.get(f"{BASE}/records/{record_id}"))
    assert "留守少儿之星" in page and "主动帮助低年级同学" in page
    assert "圆梦" not in page  # an award waits for nothing


def test_an_award_without_its_title_comes_back_with_a_chinese_message(
    app: Flask, teacher: FlaskClient
) -> None:
    child = class_children(app)[0]
    response = post(
        teacher,
        f"{BASE}/records/new/growth?child_id={child['id']}",
        growth_form(title="", notes="期末表彰"),
    )
    assert response.status_code == 422
    assert "请填写奖项或事迹的名称" in text_of(response) and "期末表彰" in text_of(response)


def test_a_wish_marked_fulfilled_shows_as_fulfilled_with_its_date(
    app: Flask, teacher: FlaskClient
) -> None:
    child = class_children(app)[0]
    record_id = record(teacher, child["id"], growth_type="wish", title="", wish="想要一个足球")
    page = text_of(teacher.get(f"{BASE}/records/{record_id}"))
    assert "心愿" in page and "想要一个足球" in page and "标记为已圆梦" in page
    assert "已圆梦" not in page.replace("标记为已圆梦", "")

    done = post(teacher, f"{BASE}/records/{record_id}/follow-up", {})
    assert done.status_code == 303
    page = text_of(teacher.get(f"{BASE}/records/{record_id}"))
    with app.test_request_context():
        today = long_date(local_today())
    assert f"已圆梦 {today}" in page and "标记为已圆梦" not in page
    timeline = text_of(teacher.get(f"{BASE}/children/{child['id']}/timeline"))
    assert "想要一个足球" in timeline and "已圆梦" in timeline
    with app_session(app, "yangguang") as session:
        assert session.get(CareRecord, record_id).follow_up_done_on == local_today()


def test_fulfilling_a_wish_with_htmx_swaps_the_wish_in_place(
    app: Flask, teacher: FlaskClient
) -> None:
    child = class_children(app)[0]
    record_id = record(teacher, child["id"], growth_type="wish", title="", wish="见到妈妈")
    response = post(
        teacher,
        f"{BASE}/records/{record_id}/follow-up",
        {},
        headers={"HX-Request": "true", "HX-Target": f"follow-up-{record_id}"},
    )
    html = text_of(response)
    assert response.status_code == 200 and html.lstrip().startswith("<li")
    assert "已圆梦" in html and "<html" not in html


def test_a_wish_without_words_and_an_evaluation_without_text_are_refused(
    app: Flask, teacher: FlaskClient
) -> None:
    child = class_children(app)[0]
    url = f"{BASE}/records/new/growth?child_id={child['id']}"
    wish = post(teacher, url, growth_form(growth_type="wish", title=""))
    assert wish.status_code == 422 and "请写下孩子的心愿" in text_of(wish)
    evaluation = post(teacher, url, growth_form(growth_type="evaluation", title=""))
    assert evaluation.status_code == 422 and "请填写评语" in text_of(evaluation)
    birthday = post(teacher, url, growth_form(growth_type="birthday", title=""))
    assert birthday.status_code == 303
    with app_session(app, "yangguang") as session:
        made = session.scalars(
            select(CareRecord).where(
                CareRecord.child_id == child["id"], CareRecord.kind == CareKind.GROWTH
            )
        ).all()
        assert len(made) == 1 and made[0].follow_up_sealed is None
