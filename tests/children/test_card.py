"""The child's card: what each role sees, and every edit kept with its history."""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select

from tests.conftest import app_session
from tests.helpers import csrf_token, log_in, text_of
from webapp.care.models import Pairing, PairingKind
from webapp.children.models import (
    Child,
    ChildStatus,
    Guardian,
    LeftBehindType,
    ParentRelation,
    ParentSituation,
    SchoolClass,
    StatusKind,
)
from webapp.core.audit import AuditAction, AuditEvent
from webapp.core.cn import id_check_digit
from webapp.core.files import load_photo
from webapp.demo.data import VOLUNTEER_PHONE

CLASS = "三年级一班"


def class_child(app: Flask, class_name: str = CLASS, **where) -> dict:
    """Plain facts about one child of a class (copied out of the session)."""
    with app_session(app, "yangguang") as session:
        statement = select(Child).join(Child.school_class).where(SchoolClass.name == class_name)
        for key, value in where.items():
            statement = statement.where(getattr(Child, key) == value)
        child = session.scalars(statement.order_by(Child.id)).first()
        father = child.parent(ParentRelation.FATHER)
        return {
            "id": child.id,
            "name": child.name,
            "id_number": child.id_number,
            "father_id": father.id,
            "father_phone": father.phone,
            "class_id": child.class_id,
        }


def new_id_number(born: date, male: bool, serial: int = 1) -> str:
    first17 = f"500120{born:%Y%m%d}{serial * 2 + (1 if male else 0):03d}"
    return first17 + id_check_digit(first17)


def post(client: FlaskClient, url: str, data: dict, **kwargs):
    return client.post(url, data={"csrf_token": csrf_token(client, "/me"), **data}, **kwargs)


def audit_rows(app: Flask, child_id: int, action: AuditAction) -> list[AuditEvent]:
    with app_session(app, "yangguang") as session:
        rows = session.scalars(
            select(AuditEvent).where(AuditEvent.child_id == child_id, AuditEvent.action == action)
        ).all()
        return [(row.actor_id, row.fields, row.reason) for row in rows]


def test_a_class_teacher_sees_the_whole_card_of_her_class_masked(
    app: Flask, teacher: FlaskClient
) -> None:
    child = class_child(app, left_behind_type=LeftBehindType.BOTH_PARENTS)
    html = text_of(teacher.get(f"/s/yangguang/children/{child['id']}"))
    for heading in ("基本信息", "居住与健康", "关爱类别", "父母", "监护人", "状态记录"):
        assert heading in html
    assert child["id_number"][:4] + "**********" + child["id_number"][-4:] in html
    assert child["id_number"] not in html
    assert child["father_phone"] not in html
    assert child["father_phone"][:3] + "****" + child["father_phone"][-4:] in html
    assert "双亲外出" in html


def test_a_volunteer_sees_only_what_the_pairing_needs(app: Flask, client: FlaskClient) -> None:
    with app_session(app, "yangguang") as session:
        paired = session.scalar(
            select(Pairing.child_id).where(Pairing.kind == PairingKind.VOLUNTEER).limit(1)
        )
    other = class_child(app)
    log_in(client, VOLUNTEER_PHONE)
    html = text_of(client.get(f"/s/yangguang/children/{paired}"))
    assert "父母" in html and "监护人" in html and "拨打" in html
    assert "身份证号" not in html and "家庭住址" not in html and "****" not in html
    assert client.get(f"/s/yangguang/children/{other['id']}").status_code == 404
    assert (
        len(
            re.findall(
                r'href="/s/yangguang/children/\d+"', text_of(client.get("/s/yangguang/children/"))
            )
        )
        == 2
    )


def test_editing_the_identity_keeps_a_named_change_in_the_audit_log(
    app: Flask, teacher: FlaskClient
) -> None:
    child = class_child(app)
    url = f"/s/yangguang/children/{child['id']}/edit/identity"
    form = text_of(teacher.get(url))
    assert child["id_number"] in form  # the edit form shows the value: opening it is logged
    assert audit_rows(app, child["id"], AuditAction.REVEAL)
    response = post(
        teacher,
        url,
        {
            "name": "张小明",
            "id_number": child["id_number"],
            "gender": "",
            "birth_date": "",
            "ethnicity": "汉族",
            "student_no": "",
            "class_id": child["class_id"],
            "enrolled_on": "",
        },
    )
    assert response.status_code == 303
    updates = audit_rows(app, child["id"], AuditAction.UPDATE)
    assert any("name" in fields for _actor, fields, _reason in updates)
    assert all(child["id_number"] not in str(row) for row in updates)
    found = text_of(teacher.get("/s/yangguang/children/", query_string={"q": "zxm"}))
    assert "张小明" in found


def test_a_wrong_id_number_is_explained_next_to_the_field_and_nothing_is_lost(
    app: Flask, teacher: FlaskClient
) -> None:
    child = class_child(app)
    bad = child["id_number"][:-1] + ("0" if child["id_number"][-1] != "0" else "1")
    response = post(
        teacher,
        f"/s/yangguang/children/{child['id']}/edit/identity",
        {
            "name": "改过的名字",
            "id_number": bad,
            "gender": "",
            "birth_date": "",
            "ethnicity": "苗族",
            "class_id": child["class_id"],
        },
    )
    html = text_of(response)
    assert response.status_code == 422
    assert "校验位不符" in html
    assert 'value="改过的名字"' in html and 'value="苗族"' in html and bad in html


def test_a_new_card_reads_birth_date_and_sex_from_the_id_number(
    app: Flask, teacher: FlaskClient
) -> None:
    id_number = new_id_number(date(2017, 5, 4), male=False)
    class_id = class_child(app)["class_id"]
    response = post(
        teacher,
        "/s/yangguang/children/new",
        {
            "name": "李新月",
            "id_number": id_number,
            "gender": "",
            "birth_date": "",
            "ethnicity": "汉族",
            "class_id": class_id,
        },
    )
    assert response.status_code == 303
    with app_session(app, "yangguang") as session:
        child = session.scalar(select(Child).where(Child.name == "李新月"))
        assert child.birth_date == date(2017, 5, 4) and child.gender.value == "female"
        assert {p.relation for p in child.parents} == set(ParentRelation)
        assert child.id_number == id_number
    again = post(
        teacher,
        "/s/yangguang/children/new",
        {
            "name": "另一个",
            "id_number": id_number,
            "ethnicity": "汉族",
            "class_id": class_id,
        },
    )
    assert again.status_code == 422 and "本校已有使用该身份证号的档案（李新月" in text_of(again)


def test_a_sex_that_contradicts_the_id_number_is_refused(app: Flask, teacher: FlaskClient) -> None:
    response = post(
        teacher,
        "/s/yangguang/children/new",
        {
            "name": "王某",
            "id_number": new_id_number(date(2018, 1, 2), male=True),
            "gender": "female",
            "ethnicity": "汉族",
            "class_id": class_child(app)["class_id"],
        },
    )
    assert response.status_code == 422 and "与身份证号中的性别不一致" in text_of(response)


def test_a_parent_coming_home_ends_left_behind_status_and_keeps_the_history(
    app: Flask, teacher: FlaskClient
) -> None:
    child = class_child(app, left_behind_type=LeftBehindType.BOTH_PARENTS)
    for relation in ("father", "mother"):
        response = post(
            teacher,
            f"/s/yangguang/children/{child['id']}/parents/{relation}",
            {
                "name": "家长",
                "situation": "at_home",
                "phone": "13912345678",
            },
        )
        assert response.status_code == 303
    with app_session(app, "yangguang") as session:
        card = session.get(Child, child["id"])
        assert card.left_behind_type == LeftBehindType.NONE
        care = [c for c in card.status_changes if c.kind == StatusKind.CARE]
        assert [(c.from_value, c.to_value) for c in care][-1::-1] == [
            ("both_parents", "one_parent"),
            ("one_parent", "none"),
        ]
    html = text_of(teacher.get(f"/s/yangguang/children/{child['id']}"))
    assert "非留守" in html and "双亲外出 → 单亲外出" in html


def test_a_parent_working_away_needs_the_city(app: Flask, teacher: FlaskClient) -> None:
    child = class_child(app)
    response = post(
        teacher,
        f"/s/yangguang/children/{child['id']}/parents/father",
        {
            "name": "王大军",
            "situation": "working_away",
            "phone": "023-4123456",
            "work_city": "",
        },
    )
    assert response.status_code == 422 and "请填写务工城市。" in text_of(response)
    assert 'value="王大军"' in text_of(response)


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (3000, 2000), "orange")
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (29.0, 30.0, 0.0)}  # GPSInfo
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_a_guardian_photo_is_shrunk_stripped_encrypted_and_shown_only_to_the_card(
    app: Flask, teacher: FlaskClient
) -> None:
    child = class_child(app)
    response = post(
        teacher,
        f"/s/yangguang/children/{child['id']}/guardians/new",
        {
            "kind": "guardian",
            "name": "王奶奶",
            "relation": "grandmother",
            "phone": "13712345678",
            "age": "66",
            "literacy": "",
            "care_ability": "good",
            "may_pick_up": "y",
            "photo": (io.BytesIO(jpeg_with_gps()), "grandma.jpg"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    with app_session(app, "yangguang") as session:
        guardian = session.scalar(select(Guardian).where(Guardian.name == "王奶奶"))
        guardian_id, stored = guardian.id, load_photo(guardian.tenant_id, guardian.photo_uid)
        stored_file = Path(app.instance_path) / "files" / str(guardian.tenant_id)
        on_disk = (stored_file / f"{guardian.photo_uid}.bin").read_bytes()
    photo = Image.open(io.BytesIO(stored))
    assert max(photo.size) <= 1280 and not photo.getexif()
    assert b"JFIF" not in on_disk and not on_disk.startswith(b"\xff\xd8")
    served = teacher.get(f"/s/yangguang/children/{child['id']}/guardians/{guardian_id}/photo")
    assert served.status_code == 200 and served.headers["Cache-Control"] == "no-store"


def test_ending_a_guardian_keeps_the_record(app: Flask, teacher: FlaskClient) -> None:
    with app_session(app, "yangguang") as session:
        guardian = session.scalars(
            select(Guardian)
            .join(Child, Child.id == Guardian.child_id)
            .join(SchoolClass, SchoolClass.id == Child.class_id)
            .where(SchoolClass.name == CLASS)
        ).first()
        guardian_id, child_id, name = guardian.id, guardian.child_id, guardian.name
    response = post(
        teacher,
        f"/s/yangguang/children/{child_id}/guardians/{guardian_id}/end",
        {"ended_on": "2026-11-20"},
    )
    assert response.status_code == 303
    teacher.get(f"/s/yangguang/children/{child_id}")  # shows (and so clears) the notice
    assert name not in text_of(teacher.get(f"/s/yangguang/children/{child_id}"))
    with app_session(app, "yangguang") as session:
        assert session.get(Guardian, guardian_id).ended_on == date(2026, 11, 20)


def test_a_child_who_graduates_leaves_the_list_but_not_the_archive(
    app: Flask, principal: FlaskClient
) -> None:
    child = class_child(app, "六年级一班")
    response = post(
        principal,
        f"/s/yangguang/children/{child['id']}/status",
        {
            "status": "graduated",
            "effective_on": "2027-07-01",
            "reason": "小学毕业",
        },
    )
    assert response.status_code == 303
    card_link = f'href="/s/yangguang/children/{child["id"]}"'
    on_roll = text_of(principal.get("/s/yangguang/children/", query_string={"q": child["name"]}))
    left = text_of(
        principal.get("/s/yangguang/children/", query_string={"q": child["name"], "left": "1"})
    )
    assert card_link not in on_roll and card_link in left
    card = text_of(principal.get(f"/s/yangguang/children/{child['id']}"))
    assert "已毕业" in card and "小学毕业" in card
    with app_session(app, "yangguang") as session:
        assert session.get(Child, child["id"]).status == ChildStatus.GRADUATED


def test_a_status_change_needs_a_reason(app: Flask, principal: FlaskClient) -> None:
    child = class_child(app)
    response = post(
        principal,
        f"/s/yangguang/children/{child['id']}/status",
        {
            "status": "dropped_out",
            "effective_on": "2026-11-20",
            "reason": "",
        },
    )
    assert response.status_code == 422 and "请填写原因" in text_of(response)


def test_a_class_teacher_may_not_change_status(app: Flask, teacher: FlaskClient) -> None:
    child = class_child(app)
    # refused on a child: the answer of a child that does not exist
    assert teacher.get(f"/s/yangguang/children/{child['id']}/status").status_code == 404


def test_opening_a_card_is_in_the_access_history(app: Flask, teacher: FlaskClient) -> None:
    child = class_child(app)
    teacher.get(f"/s/yangguang/children/{child['id']}")
    assert audit_rows(app, child["id"], AuditAction.VIEW)


def test_the_card_says_what_it_still_lacks(app: Flask, teacher: FlaskClient) -> None:
    child = class_child(app)
    post(teacher, f"/s/yangguang/children/{child['id']}/edit/living", {"address": ""})
    assert "档案还缺少：" in text_of(teacher.get(f"/s/yangguang/children/{child['id']}"))


def test_left_behind_is_classified_both_ways(app: Flask) -> None:
    from webapp.children.service import classify

    away, home, unable = (
        ParentSituation.WORKING_AWAY,
        ParentSituation.AT_HOME,
        ParentSituation.CANNOT_CARE,
    )
    F, M = ParentRelation.FATHER, ParentRelation.MOTHER
    assert classify({F: away, M: away}) == (LeftBehindType.BOTH_PARENTS, True)
    assert classify({F: away, M: home}) == (LeftBehindType.ONE_PARENT, False)
    assert classify({F: away, M: unable}) == (LeftBehindType.ONE_PARENT, True)
    assert classify({F: home, M: home}) == (LeftBehindType.NONE, False)
