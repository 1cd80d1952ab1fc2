"""A group talk: one entry for several children writes one talk each, once."""

from __future__ import annotations

import re
import uuid

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.care.entry import TEACHER_PHONE, records_of, user_id
from tests.children.test_card import CLASS, class_child, post
from tests.conftest import app_session
from tests.helpers import csrf_token, log_in, text_of
from webapp.care.models import CareKind, CareRecord, Mood, Topic
from webapp.children.models import Child, SchoolClass
from webapp.core.i18n import local_today
from webapp.demo.data import VOLUNTEER_PHONE

# These tests start from a school with no care record yet.
pytestmark = pytest.mark.usefixtures("without_demo_care")

URL = "/s/yangguang/care/talks/group"


def class_children(app: Flask, class_name: str = CLASS) -> list[tuple[int, str]]:
    with app_session(app, "yangguang") as session:
        rows = session.execute(
            select(Child.id, Child.name)
            .join(SchoolClass, SchoolClass.id == Child.class_id)
            .where(SchoolClass.name == class_name)
            .order_by(Child.id)
        )
        return [(row.id, row.name) for row in rows]


def group_talk(children: list[int], **changes) -> dict:
    data = {
        "uid": str(uuid.uuid4()),
        "children": [str(c) for c in children],
        "topics": ["safety", "friends"],
        "mood": "4",
        "notes": "班会后和几个孩子聊了放学路上的安全。",
        "channel": "face_to_face",
        "happened_on": local_today().isoformat(),
    }
    return data | changes


def group_records(app: Flask, group_uid: str) -> list[CareRecord]:
    with app_session(app, "yangguang") as session:
        return [
            (r.id, r.child_id, r.topics, r.mood, r.notes, r.author_id)
            for r in session.scalars(
                select(CareRecord).where(CareRecord.group_uid == uuid.UUID(group_uid))
            )
        ]


def test_the_class_teacher_picks_from_her_class_as_big_chips(
    app: Flask, teacher: FlaskClient
) -> None:
    page = text_of(teacher.get(URL))
    assert CLASS in page and 'class="pick pick-big"' in page
    for child_id, name in class_children(app):
        assert f'value="{child_id}"' in page and name in page
    for chip in ("学习", "情绪", "很低落", "面谈"):  # then the talk's own chips
        assert f"<span>{chip}</span>" in page, chip


def test_a_volunteer_picks_only_from_the_paired_children(app: Flask, client: FlaskClient) -> None:
    log_in(client, VOLUNTEER_PHONE)
    page = text_of(client.get(URL))
    assert len(re.findall(r'name="children" type="checkbox"', page)) == 2


def test_one_entry_writes_one_talk_per_child_and_a_replay_writes_none(
    app: Flask, teacher: FlaskClient
) -> None:
    chosen = [child_id for child_id, _name in class_children(app)[:3]]
    talks_before = len(records_of(app, chosen[0], CareKind.TALK))
    data = group_talk(chosen)
    response = post(teacher, URL, data)
    assert response.status_code == 303
    made = group_records(app, data["uid"])
    assert sorted(child_id for _id, child_id, *_ in made) == sorted(chosen)
    me = user_id(app, TEACHER_PHONE)
    for _id, _child, topics, mood, notes, author in made:
        assert topics == {Topic.SAFETY, Topic.FRIENDS} and mood == Mood.GOOD
        assert notes == "班会后和几个孩子聊了放学路上的安全。" and author == me

    answer = text_of(teacher.get(response.headers["Location"]))
    for record_id, *_ in made:
        assert f'href="/s/yangguang/care/records/{record_id}"' in answer
    assert "已保存 3 条谈心记录。" in answer

    again = post(teacher, URL, data, headers={"HX-Request": "true", "HX-Target": "group-entry"})
    assert again.status_code == 200 and "<html" not in text_of(again)
    assert group_records(app, data["uid"]) == made
    for record_id, *_ in made:
        assert f'href="/s/yangguang/care/records/{record_id}"' in text_of(again)
    assert len(records_of(app, chosen[0], CareKind.TALK)) == talks_before + 1


def test_no_child_chosen_is_refused_with_the_talk_kept(app: Flask, teacher: FlaskClient) -> None:
    data = group_talk([])
    response = post(teacher, URL, data, headers={"HX-Request": "true", "HX-Target": "group-entry"})
    page = text_of(response)
    assert response.status_code == 422 and "请至少选择一名儿童。" in page
    assert "班会后和几个孩子聊了放学路上的安全。" in page
    assert 'checked id="topics-' in page
    assert group_records(app, data["uid"]) == []


def test_a_child_out_of_reach_cannot_be_slipped_in(app: Flask, teacher: FlaskClient) -> None:
    own = class_children(app)[0][0]
    other = class_child(app, "三年级二班")["id"]
    data = group_talk([own, other])
    assert post(teacher, URL, data).status_code == 422
    assert group_records(app, data["uid"]) == []


def test_the_answer_page_is_only_its_authors(app: Flask, teacher: FlaskClient) -> None:
    data = group_talk([class_children(app)[0][0]])
    location = post(teacher, URL, data).headers["Location"]
    assert teacher.get(location).status_code == 200
    assert teacher.get(f"{URL}s/{uuid.uuid4()}").status_code == 404
    teacher.post("/logout", data={"csrf_token": csrf_token(teacher, "/me")})
    log_in(teacher, "13800000001")  # the principal reads the records, not this answer
    assert teacher.get(location).status_code == 404
