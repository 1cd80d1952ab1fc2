"""The child list: each role sees its own children; search answers as a small fragment."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.conftest import app_session
from tests.helpers import log_in, text_of
from webapp.care.models import Pairing
from webapp.children.models import Child, SchoolClass


def child_links(html: str) -> set[str]:
    return set(re.findall(r'href="/s/yangguang/children/(\d+)"', html))


def all_pages(client: FlaskClient, query: str = "") -> set[str]:
    found, page = set(), 1
    while True:
        html = text_of(client.get(f"/s/yangguang/children/?page={page}&{query}"))
        found |= child_links(html)
        if "下一页" not in html:
            return found
        page += 1


def ids(session, statement) -> set[str]:
    return {str(i) for i in session.scalars(statement)}


def test_a_class_teacher_sees_her_class_and_the_children_paired_to_her(
    app: Flask, teacher: FlaskClient
) -> None:
    with app_session(app, "yangguang") as session:
        wang_li = session.scalar(
            select(SchoolClass.teacher_id).where(SchoolClass.name == "三年级一班")
        )
        own = ids(
            session,
            select(Child.id).join(Child.school_class).where(SchoolClass.name == "三年级一班"),
        )
        paired = ids(session, select(Pairing.child_id).where(Pairing.user_id == wang_li))
        unrelated = next(iter(ids(session, select(Child.id)) - own - paired))
    assert len(own) == 10
    assert all_pages(teacher) == own | paired
    assert teacher.get(f"/s/yangguang/children/{unrelated}").status_code == 404


def test_the_principal_sees_every_class_in_pages_and_can_filter(
    app: Flask, principal: FlaskClient
) -> None:
    assert len(all_pages(principal)) == 71  # 70 of its own, one who came from 红星小学
    first = text_of(principal.get("/s/yangguang/children/"))
    assert len(child_links(first)) == 20 and "第 1 页，共 4 页" in first
    with app_session(app, "yangguang") as session:
        class_id = session.scalar(select(SchoolClass.id).where(SchoolClass.name == "六年级一班"))
    assert len(all_pages(principal, f"class_id={class_id}")) == 10


def test_the_room_keeper_finds_every_child_but_opens_no_card_details(
    app: Flask, client: FlaskClient
) -> None:
    log_in(client, "13800000003")
    found = all_pages(client)
    assert len(found) == 71
    card = text_of(client.get(f"/s/yangguang/children/{min(found, key=int)}"))
    assert "监护人" not in card and "身份证号" not in card


def test_typing_three_letters_of_pinyin_initials_finds_the_child_in_a_small_fragment(
    app: Flask, principal: FlaskClient
) -> None:
    with app_session(app, "yangguang") as session:
        child = session.scalars(select(Child).where(Child.name_initials.op("LIKE")("___"))).first()
        name, initials = child.name, child.name_initials
    fragment = principal.get(
        "/s/yangguang/children/",
        query_string={"q": initials},
        headers={"HX-Request": "true", "HX-Target": "child-list"},
    )
    html = text_of(fragment)
    assert fragment.status_code == 200 and "<html" not in html
    assert html.startswith('<div id="child-list">') and name in html
    assert len(fragment.get_data()) < 4096
    assert "HX-Request" in fragment.headers["Vary"]


def test_full_pinyin_and_chinese_both_find_the_child(app: Flask, principal: FlaskClient) -> None:
    with app_session(app, "yangguang") as session:
        child = session.scalars(select(Child).order_by(Child.id)).first()
        name, pinyin = child.name, child.name_pinyin.split()[0]
    by_pinyin = text_of(principal.get("/s/yangguang/children/", query_string={"q": pinyin}))
    by_name = text_of(principal.get("/s/yangguang/children/", query_string={"q": name[1:]}))
    assert name in by_pinyin and name in by_name


def test_the_search_works_without_javascript_as_a_full_page(
    app: Flask, principal: FlaskClient
) -> None:
    full = text_of(principal.get("/s/yangguang/children/", query_string={"q": "zzzz"}))
    assert full.startswith("<!doctype html>") and 'id="child-list"' in full
    assert "没有符合条件的儿童。" in full


def test_a_card_that_lacks_an_address_shows_on_the_today_page_and_in_the_filter(
    app: Flask, teacher: FlaskClient
) -> None:
    with app_session(app, "yangguang") as session:
        child = session.scalars(
            select(Child).join(Child.school_class).where(SchoolClass.name == "三年级一班")
        ).first()
        child.address = None
        child_id = child.id
    today = text_of(teacher.get("/s/yangguang/"))
    assert re.search(r"\d+ 份档案待完善", today)
    incomplete = all_pages(teacher, "incomplete=1")
    assert str(child_id) in incomplete and len(incomplete) < 17
