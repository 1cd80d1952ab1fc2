"""The child list: each role sees its own children; search answers as a fragment."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.conftest import app_session
from tests.helpers import text_of
from webapp.children.models import Child, SchoolClass


def child_links(html: str) -> list[str]:
    return re.findall(r'href="/s/yangguang/children/(\d+)"', html)


def test_a_class_teacher_sees_only_her_class(app: Flask, teacher: FlaskClient) -> None:
    html = text_of(teacher.get("/s/yangguang/children/"))
    with app_session(app, "yangguang") as session:
        own = {
            str(i)
            for i in session.scalars(
                select(Child.id).join(Child.school_class).where(SchoolClass.name == "三年级一班")
            )
        }
        other = session.scalars(
            select(Child.id).join(Child.school_class).where(SchoolClass.name == "三年级二班")
        ).first()
    assert set(child_links(html)) == own and len(own) == 10
    assert teacher.get(f"/s/yangguang/children/{other}").status_code == 404


def test_the_principal_sees_every_class_and_can_filter(app: Flask, principal: FlaskClient) -> None:
    assert len(child_links(text_of(principal.get("/s/yangguang/children/")))) == 70
    with app_session(app, "yangguang") as session:
        class_id = session.scalar(select(SchoolClass.id).where(SchoolClass.name == "六年级一班"))
    filtered = text_of(principal.get(f"/s/yangguang/children/?class_id={class_id}"))
    assert len(child_links(filtered)) == 10


def test_search_answers_with_only_the_list_for_htmx(app: Flask, principal: FlaskClient) -> None:
    with app_session(app, "yangguang") as session:
        name = session.scalars(select(Child.name).order_by(Child.id)).first()
    fragment = principal.get(
        "/s/yangguang/children/",
        query_string={"q": name},
        headers={"HX-Request": "true", "HX-Target": "child-list"},
    )
    html = text_of(fragment)
    assert fragment.status_code == 200 and "<html" not in html
    assert html.lstrip().startswith('<div id="child-list">') and name in html
    assert "HX-Request" in fragment.headers["Vary"]
    full = text_of(principal.get("/s/yangguang/children/", query_string={"q": name}))
    assert full.startswith("<!doctype html>") and 'id="child-list"' in full


def test_the_card_shows_the_id_number_masked(app: Flask, teacher: FlaskClient) -> None:
    with app_session(app, "yangguang") as session:
        child = session.scalars(
            select(Child).join(Child.school_class).where(SchoolClass.name == "三年级一班")
        ).first()
        child_id, id_number = child.id, child.id_number
    html = text_of(teacher.get(f"/s/yangguang/children/{child_id}"))
    assert id_number[:4] + "**********" + id_number[-4:] in html
    assert id_number not in html
