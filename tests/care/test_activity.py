"""Care activities (关爱活动): the whole class in one tap, made once, listed for the school,
shown on each participant's timeline, photos only to those who may open the activity."""

from __future__ import annotations

import io
import re
import uuid

from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select

from tests.care.entry import KEEPER_PHONE
from tests.care.test_group_talk import class_children
from tests.children.test_card import CLASS, jpeg_with_gps, post
from tests.conftest import app_session
from tests.helpers import csrf_token, log_in, text_of
from webapp.care.models import ActivityParticipant, ActivityTheme, CareActivity, CarePhoto
from webapp.children.models import SchoolClass
from webapp.core.files import load_photo
from webapp.core.i18n import local_today
from webapp.core.tenancy import ALL_TENANTS
from webapp.demo.data import VOLUNTEER_PHONE

NEW = "/s/yangguang/care/activities/new"


def class_id(app: Flask, name: str = CLASS) -> int:
    with app_session(app, "yangguang") as session:
        return session.scalar(select(SchoolClass.id).where(SchoolClass.name == name))


def activity(**changes) -> dict:
    data = {
        "uid": str(uuid.uuid4()),
        "title": "中秋节和爷爷奶奶做月饼",
        "theme": "festival",
        "happened_on": local_today().isoformat(),
        "place": "留守儿童之家",
        "summary": "孩子们自己包月饼，给远方的爸爸妈妈录了视频祝福。",
    }
    return data | changes


def saved(app: Flask, uid: str) -> dict | None:
    with app_session(app, "yangguang") as session:
        found = session.scalar(select(CareActivity).where(CareActivity.uid == uuid.UUID(uid)))
        if found is None:
            return None
        children = session.scalars(
            select(ActivityParticipant.child_id).where(ActivityParticipant.activity_id == found.id)
        )
        photos = session.scalars(select(CarePhoto).where(CarePhoto.activity_id == found.id))
        return {
            "id": found.id,
            "theme": found.theme,
            "class_id": found.class_id,
            "children": sorted(children),
            "photos": [(p.id, load_photo(p.tenant_id, p.photo_uid)) for p in photos],
        }


def test_the_class_teacher_starts_with_her_class_and_its_children_as_chips(
    app: Flask, teacher: FlaskClient
) -> None:
    page = text_of(teacher.get(NEW))
    assert "全班参加" in page and 'data-check-all="participants"' in page
    assert f'action="{NEW}?class_id={class_id(app)}"' in page
    for child_id, name in class_children(app):
        assert f'value="{child_id}"' in page and name in page


def test_the_keeper_first_chooses_the_class(app: Flask, client: FlaskClient) -> None:
    log_in(client, KEEPER_PHONE)
    page = text_of(client.get(NEW))
    assert (
        "哪个班级参加了活动？" in page
        and "三年级二班" in page
        and '<form method="post"' not in page
    )
    chosen = text_of(client.get(NEW, query_string={"class_id": class_id(app, "三年级二班")}))
    for child_id, _name in class_children(app, "三年级二班"):
        assert f'value="{child_id}"' in chosen


def test_the_whole_class_in_one_tap_made_once_listed_and_on_each_timeline(
    app: Flask, teacher: FlaskClient
) -> None:
    data = activity(whole_class="y")
    url = f"{NEW}?class_id={class_id(app)}"
    first = post(teacher, url, data)
    again = post(teacher, url, data)
    assert first.status_code == again.status_code == 303
    assert first.headers["Location"] == again.headers["Location"]
    made = saved(app, data["uid"])
    children = class_children(app)
    assert made["children"] == sorted(child_id for child_id, _name in children)
    assert made["theme"] == ActivityTheme.FESTIVAL and made["class_id"] == class_id(app)
    with app_session(app, "yangguang") as session:
        same_title = session.scalars(
            select(CareActivity.id).where(CareActivity.title == data["title"])
        ).all()
    assert same_title == [made["id"]]

    page = text_of(teacher.get(first.headers["Location"]))
    for shown in ("中秋节和爷爷奶奶做月饼", "节日活动", "留守儿童之家", "王丽", "录了视频祝福"):
        assert shown in page, shown
    assert all(name in page for _id, name in children)

    listed = text_of(teacher.get("/s/yangguang/care/activities/"))
    assert "中秋节和爷爷奶奶做月饼" in listed and f"{len(children)} 名儿童" in listed
    timeline = text_of(teacher.get(f"/s/yangguang/care/children/{children[0][0]}/timeline"))
    assert "活动" in timeline and "中秋节和爷爷奶奶做月饼" in timeline


def test_some_children_chosen_one_by_one(app: Flask, teacher: FlaskClient) -> None:
    two = [child_id for child_id, _name in class_children(app)[:2]]
    data = activity(participants=[str(c) for c in two], theme="class_meeting")
    response = post(
        teacher,
        f"{NEW}?class_id={class_id(app)}",
        data,
        headers={"HX-Request": "true", "HX-Target": "activity-entry"},
    )
    page = text_of(response)
    assert response.status_code == 200 and "<html" not in page
    made = saved(app, data["uid"])
    assert made["children"] == sorted(two)
    assert f'href="/s/yangguang/care/activities/{made["id"]}"' in page


def test_bad_input_is_refused_next_to_the_fields_with_the_values_kept(
    app: Flask, teacher: FlaskClient
) -> None:
    data = activity(title="", theme="")
    response = post(teacher, f"{NEW}?class_id={class_id(app)}", data)
    page = text_of(response)
    assert response.status_code == 422
    for message in ("请填写活动名称。", "请选择活动类型。", "请选择参加的儿童，或选“全班参加”。"):
        assert message in page
    assert (
        "孩子们自己包月饼，给远方的爸爸妈妈录了视频祝福。" in page
        and 'value="留守儿童之家"' in page
    )
    assert saved(app, data["uid"]) is None


def test_children_and_classes_out_of_reach_are_refused(app: Flask, teacher: FlaskClient) -> None:
    other_class = class_id(app, "三年级二班")
    assert teacher.get(NEW, query_string={"class_id": other_class}).status_code == 404
    stranger = class_children(app, "三年级二班")[0][0]
    data = activity(participants=[str(stranger)])
    assert post(teacher, f"{NEW}?class_id={class_id(app)}", data).status_code == 422
    assert saved(app, data["uid"]) is None


def test_activity_photos_are_stripped_and_shown_only_to_those_who_may_open_it(
    app: Flask, teacher: FlaskClient
) -> None:
    data = activity(
        whole_class="y",
        photos=[(io.BytesIO(jpeg_with_gps()), "a.jpg"), (io.BytesIO(jpeg_with_gps()), "b.jpg")],
    )
    response = post(
        teacher, f"{NEW}?class_id={class_id(app)}", data, content_type="multipart/form-data"
    )
    assert response.status_code == 303
    made = saved(app, data["uid"])
    assert len(made["photos"]) == 2
    for _id, stored in made["photos"]:
        image = Image.open(io.BytesIO(stored))
        assert max(image.size) <= 1280 and not image.getexif()
    photo_id = made["photos"][0][0]
    url = f"/s/yangguang/care/activities/{made['id']}/photos/{photo_id}"
    assert url in text_of(teacher.get(response.headers["Location"]))
    served = teacher.get(url)
    assert served.status_code == 200 and served.headers["Cache-Control"] == "no-store"
    # a photo of a record is not one of this activity's
    assert teacher.get(f"/s/yangguang/care/activities/{made['id']}/photos/0").status_code == 404

    teacher.post("/logout", data={"csrf_token": csrf_token(teacher, "/me")})
    log_in(teacher, KEEPER_PHONE)
    assert teacher.get(url).status_code == 200
    teacher.post("/logout", data={"csrf_token": csrf_token(teacher, "/me")})
    log_in(teacher, VOLUNTEER_PHONE)
    # refused on a record: the answer of a record that does not exist
    assert teacher.get(url).status_code == 404
    assert teacher.get(f"/s/yangguang/care/activities/{made['id']}").status_code == 404


def test_a_teacher_of_another_class_sees_how_many_took_part_but_not_who(
    app: Flask, teacher: FlaskClient
) -> None:
    data = activity(whole_class="y")
    location = post(teacher, f"{NEW}?class_id={class_id(app)}", data).headers["Location"]
    teacher.post("/logout", data={"csrf_token": csrf_token(teacher, "/me")})
    log_in(teacher, "13900000102")  # class teacher of 一年级一班
    page = text_of(teacher.get(location))
    assert "中秋节和爷爷奶奶做月饼" in page
    shown = [name for _id, name in class_children(app) if name in page]
    assert len(shown) < len(class_children(app))
    assert re.search(r"另有 \d+ 名儿童", page)


def test_another_schools_activity_is_not_found(app: Flask, client: FlaskClient) -> None:
    with app_session(app) as session:
        hongxing = session.scalar(
            select(SchoolClass.id)
            .where(SchoolClass.name == "五年级一班")
            .order_by(SchoolClass.id.desc())
            .execution_options(**{ALL_TENANTS: True})
        )
    log_in(client, "13800000005")  # 陈志强 at 红星小学 makes one
    made = post(
        client, f"/s/hongxing/care/activities/new?class_id={hongxing}", activity(whole_class="y")
    )
    assert made.status_code == 303
    activity_id = re.search(r"/activities/(\d+)", made.headers["Location"]).group(1)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/me")})
    log_in(client, "13800000001")  # 阳光小学's principal tries its id
    assert client.get(f"/s/yangguang/care/activities/{activity_id}").status_code == 404
    assert client.get(f"/s/hongxing/care/activities/{activity_id}").status_code == 404
