"""A home visit (家访): every value kept on the record, photos stripped and shown only to those
who may read the record, a replay made once, a refused photo losing nothing typed."""

from __future__ import annotations

import io
import uuid
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import func, select

from tests.care.entry import (
    HTMX_ENTRY,
    TEACHER_PHONE,
    child_with_guardian,
    new_url,
    records_of,
    submit,
    user_id,
)
from tests.children.test_card import class_child, jpeg_with_gps, post
from tests.conftest import app_session
from tests.helpers import csrf_token, log_in, text_of
from webapp.care.models import CareKind, CarePhoto
from webapp.core.audit import AuditAction, AuditEvent
from webapp.core.files import load_photo
from webapp.core.i18n import local_today
from webapp.demo.data import VOLUNTEER_PHONE

# These tests start from a school with no care record yet.
pytestmark = pytest.mark.usefixtures("without_demo_care")


def visit(app: Flask, child: dict, **changes) -> dict:
    data = {
        "visitors": [str(user_id(app, TEACHER_PHONE))],
        "met": [f"guardian.{child['guardian_id']}"],
        "met_other": "邻居李婶",
        "living": "两间平房，孩子和奶奶同睡，有书桌。",
        "hazards": ["electricity", "drowning"],
        "hazard_note": "屋后有鱼塘",
        "guardian_care": "fair",
        "guidance": "提醒夏天不要去塘边玩。",
        "notes": "奶奶很配合，孩子有点想妈妈。",
        "follow_up": "下周给妈妈打电话",
        "follow_up_in": "7",
        "happened_on": local_today().isoformat(),
    }
    return data | changes


def visits_of(app: Flask, child_id: int) -> list[dict]:
    return records_of(app, child_id, CareKind.HOME_VISIT)


def photo_count(app: Flask) -> int:
    with app_session(app, "yangguang") as session:
        return session.scalar(select(func.count()).select_from(CarePhoto))


def test_the_form_presets_the_visitor_and_offers_the_childs_guardians_and_hazards(
    app: Flask, teacher: FlaskClient
) -> None:
    child = child_with_guardian(app)
    page = text_of(teacher.get(new_url("home_visit", child["id"])))
    me = user_id(app, TEACHER_PHONE)
    assert f'checked id="visitors-0" name="visitors" type="checkbox" value="{me}"' in page
    assert "王丽" in page and child["guardian_name"] in page
    for hazard in ("用电", "用火", "饮水", "房屋", "交通", "溺水"):
        assert hazard in page
    assert 'enctype="multipart/form-data"' in page


def test_a_visit_is_saved_with_everything_typed_and_shown_on_the_record(
    app: Flask, teacher: FlaskClient
) -> None:
    child = child_with_guardian(app)
    response = submit(teacher, "home_visit", child["id"], visit(app, child))
    assert response.status_code == 303
    record = text_of(teacher.get(response.headers["Location"]))
    for shown in (
        "家访",
        "王丽",
        f" · {child['guardian_name']}、邻居李婶",
        "两间平房，孩子和奶奶同睡，有书桌。",
        "用电、溺水；屋后有鱼塘",
        "照护较吃力",
        "提醒夏天不要去塘边玩。",
        "奶奶很配合，孩子有点想妈妈。",
        "下周给妈妈打电话",
    ):
        assert shown in record, shown
    (saved,) = visits_of(app, child["id"])
    assert saved["follow_up_due"] == saved["happened_on"] + timedelta(days=7)
    assert saved["details"]["hazards"] == ["electricity", "drowning"]
    assert "屋后有鱼塘" not in saved["details_sealed"]  # the details are sealed


def test_the_same_form_sent_twice_makes_one_visit_with_its_photos_once(
    app: Flask, teacher: FlaskClient
) -> None:
    child = child_with_guardian(app)
    before = photo_count(app)
    data = visit(app, child, uid=str(uuid.uuid4()))
    answers = [
        submit(
            teacher,
            "home_visit",
            child["id"],
            data | {"photos": [(io.BytesIO(jpeg_with_gps()), "yard.jpg")]},
            content_type="multipart/form-data",
        )
        for _ in range(2)
    ]
    assert [a.status_code for a in answers] == [303, 303]
    assert answers[0].headers["Location"] == answers[1].headers["Location"]
    assert len(visits_of(app, child["id"])) == 1
    assert photo_count(app) == before + 1


def test_a_refused_photo_keeps_every_typed_value_and_saves_nothing(
    app: Flask, teacher: FlaskClient
) -> None:
    child = child_with_guardian(app)
    response = submit(
        teacher,
        "home_visit",
        child["id"],
        visit(app, child) | {"photos": [(io.BytesIO(b"not a photo at all"), "notes.jpg")]},
        content_type="multipart/form-data",
    )
    page = text_of(response)
    assert response.status_code == 422
    assert "“notes.jpg”不是可用的照片，请重新选择照片。" in page
    for kept in (
        "两间平房，孩子和奶奶同睡，有书桌。",
        "邻居李婶",
        "下周给妈妈打电话",
        "屋后有鱼塘",
    ):
        assert kept in page
    assert 'checked id="hazards-5" name="hazards" type="checkbox" value="drowning"' in page
    assert 'checked id="guardian_care-1" name="guardian_care" type="radio" value="fair"' in page
    assert visits_of(app, child["id"]) == []


def test_a_visit_without_a_word_or_a_visitor_is_refused_next_to_the_fields(
    app: Flask, teacher: FlaskClient
) -> None:
    child = child_with_guardian(app)
    response = submit(
        teacher,
        "home_visit",
        child["id"],
        visit(app, child, notes="  ", visitors=[]),
        headers=HTMX_ENTRY,
    )
    page = text_of(response)
    assert response.status_code == 422 and "<html" not in page
    assert "请简单写几句家访情况。" in page and "请选择家访人员。" in page
    assert "两间平房，孩子和奶奶同睡，有书桌。" in page


def test_with_htmx_the_answer_leads_to_the_record_in_place(
    app: Flask, teacher: FlaskClient
) -> None:
    child = child_with_guardian(app)
    response = submit(teacher, "home_visit", child["id"], visit(app, child), headers=HTMX_ENTRY)
    page = text_of(response)
    assert response.status_code == 200 and "<html" not in page
    (saved,) = visits_of(app, child["id"])
    assert f'href="/s/yangguang/care/records/{saved["id"]}"' in page
    assert f"已保存：{child['name']}的家访" in page


def test_a_child_out_of_reach_is_not_found(app: Flask, teacher: FlaskClient) -> None:
    other = class_child(app, "三年级二班")
    assert teacher.get(new_url("home_visit", other["id"])).status_code == 404
    response = submit(teacher, "home_visit", other["id"], {"notes": "x"})
    assert response.status_code == 404
    assert visits_of(app, other["id"]) == []


def test_a_visit_photo_is_stripped_sealed_and_shown_only_to_readers_of_the_record(
    app: Flask, client: FlaskClient
) -> None:
    log_in(client, TEACHER_PHONE)
    child = child_with_guardian(app)
    response = submit(
        client,
        "home_visit",
        child["id"],
        visit(app, child) | {"photos": [(io.BytesIO(jpeg_with_gps()), "house.jpg")]},
        content_type="multipart/form-data",
    )
    (saved,) = visits_of(app, child["id"])
    with app_session(app, "yangguang") as session:
        photo = session.scalar(select(CarePhoto).where(CarePhoto.record_id == saved["id"]))
        stored = Image.open(io.BytesIO(load_photo(photo.tenant_id, photo.photo_uid)))
        photo_id = photo.id
        photo_audited = session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.child_id == child["id"], AuditEvent.action == AuditAction.UPDATE)
        )
    assert max(stored.size) <= 1280 and not stored.getexif()
    assert photo_audited == 1
    url = f"/s/yangguang/care/records/{saved['id']}/photos/{photo_id}"
    assert url in text_of(client.get(response.headers["Location"]))
    served = client.get(url)
    assert served.status_code == 200 and served.headers["Cache-Control"] == "no-store"
    assert not Image.open(io.BytesIO(served.data)).getexif()

    client.post("/logout", data={"csrf_token": csrf_token(client, "/me")})
    log_in(client, VOLUNTEER_PHONE)  # reaches other children only
    assert client.get(url).status_code == 404
    client.post("/logout", data={"csrf_token": csrf_token(client, "/me")})
    log_in(client, "13800000001")  # the principal reads every record
    assert client.get(url).status_code == 200


def test_the_author_edits_a_visit_with_every_value_filled_in_again(
    app: Flask, teacher: FlaskClient
) -> None:
    child = child_with_guardian(app)
    location = submit(teacher, "home_visit", child["id"], visit(app, child)).headers["Location"]
    form = text_of(teacher.get(f"{location}/edit"))
    assert 'checked id="hazards-0" name="hazards" type="checkbox" value="electricity"' in form
    assert (
        f'checked id="met-2" name="met" type="checkbox" value="guardian.{child["guardian_id"]}"'
        in form
    )
    assert "两间平房，孩子和奶奶同睡，有书桌。" in form and 'name="photos"' not in form
    response = post(
        teacher,
        f"{location}/edit",
        visit(app, child, hazards=["fire"], guidance="灶台旁别放柴火。"),
    )
    assert response.status_code == 303
    page = text_of(teacher.get(location))
    assert "用火；屋后有鱼塘" in page and "灶台旁别放柴火。" in page and "用电" not in page
