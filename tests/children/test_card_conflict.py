"""Two people saving the same card at once: the first save wins, the second is told who saved
it and when, sees their values beside its own (kept in the form), and saving again succeeds."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.conftest import app_session
from tests.helpers import csrf_token_in, log_in, text_of
from webapp.children.models import Child, SchoolClass

CLASS = "三年级一班"
LIVING = {
    "address": "",
    "hukou_place": "",
    "bus_note": "",
    "allergies": "",
    "chronic_illness": "",
    "disability": "",
    "character": "",
    "interests": "",
}


def a_child_of_the_class(app: Flask) -> int:
    with app_session(app, "yangguang") as session:
        statement = select(Child.id).join(Child.school_class).where(SchoolClass.name == CLASS)
        return session.scalars(statement.order_by(Child.id)).first()


def saved(app: Flask, child_id: int) -> dict:
    with app_session(app, "yangguang") as session:
        child = session.get(Child, child_id)
        return {"address": child.address, "interests": child.interests, "version": child.version}


def logged_in(app: Flask, phone: str) -> FlaskClient:
    client = app.test_client()
    log_in(client, phone)
    return client


def opened(client: FlaskClient, url: str) -> dict:
    """The form as the phone holds it after opening: its token and the card's version."""
    html = text_of(client.get(url))
    version = re.search(r'name="version" type="hidden" value="(\d+)"', html)
    assert version, "the edit form carries the card's version"
    return {"csrf_token": csrf_token_in(html), "version": version.group(1)}


def test_the_second_of_two_saves_is_told_and_keeps_what_it_typed(
    app: Flask, transaction: None
) -> None:
    child_id = a_child_of_the_class(app)
    url = f"/s/yangguang/children/{child_id}/edit/living"
    teacher, principal = logged_in(app, "13800000002"), logged_in(app, "13800000001")
    teacher_form, principal_form = opened(teacher, url), opened(principal, url)

    first = teacher.post(url, data={**LIVING, **teacher_form, "address": "黄家村三组12号"})
    assert first.status_code == 303

    typed = {**LIVING, "address": "李家湾五组3号", "interests": "画画"}
    second = principal.post(url, data={**principal_form, **typed})
    html = text_of(second)
    assert second.status_code == 422
    assert "王丽" in html and "修改过" in html  # who saved it, in Chinese
    assert "黄家村三组12号" in html  # what she saved, shown beside...
    assert 'value="李家湾五组3号"' in html and 'value="画画"' in html  # ...what was typed, kept
    assert saved(app, child_id)["address"] == "黄家村三组12号"  # the first save stands

    again = principal.post(url, data={**opened_again(html), **typed})
    assert again.status_code == 303
    assert saved(app, child_id)["address"] == "李家湾五组3号"
    assert saved(app, child_id)["interests"] == "画画"


def opened_again(html: str) -> dict:
    version = re.search(r'name="version" type="hidden" value="(\d+)"', html).group(1)
    return {"csrf_token": csrf_token_in(html), "version": version}


def test_each_save_moves_the_card_on_a_version(app: Flask, transaction: None) -> None:
    child_id = a_child_of_the_class(app)
    url = f"/s/yangguang/children/{child_id}/edit/living"
    teacher = logged_in(app, "13800000002")
    before = saved(app, child_id)["version"]
    form = opened(teacher, url)
    assert form["version"] == str(before)
    assert teacher.post(url, data={**LIVING, **form, "interests": "跳绳"}).status_code == 303
    assert saved(app, child_id)["version"] == before + 1
    # The same form sent twice (a double tap) is the stale case: told, not overwritten.
    assert teacher.post(url, data={**LIVING, **form, "interests": "下棋"}).status_code == 422
    assert saved(app, child_id)["interests"] == "跳绳"


def first_guardian(app: Flask, child_id: int) -> int:
    with app_session(app, "yangguang") as session:
        return session.get(Child, child_id).guardians[0].id


def test_a_guardian_saved_twice_at_once_keeps_the_first_and_tells_the_second(
    app: Flask, transaction: None
) -> None:
    child_id = a_child_of_the_class(app)
    guardian_id = first_guardian(app, child_id)
    url = f"/s/yangguang/children/{child_id}/guardians/{guardian_id}"
    teacher, principal = logged_in(app, "13800000002"), logged_in(app, "13800000001")
    teacher_form, principal_form = opened(teacher, url), opened(principal, url)
    guardian = {"kind": "guardian", "name": "王秀英", "relation": "grandmother"}
    guardian |= {"literacy": "", "care_ability": "", "health": "", "address": ""}

    first = teacher.post(url, data={**guardian, **teacher_form, "occupation": "务农"})
    assert first.status_code == 303
    second = principal.post(url, data={**guardian, **principal_form, "occupation": "开小卖部"})
    html = text_of(second)
    assert second.status_code == 422
    assert "王丽" in html and "务农" in html and 'value="开小卖部"' in html

    again = principal.post(url, data={**guardian, **opened_again(html), "occupation": "开小卖部"})
    assert again.status_code == 303
    with app_session(app, "yangguang") as session:
        assert session.get(Child, child_id).guardians[0].occupation == "开小卖部"
