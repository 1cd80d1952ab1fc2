"""Lending and returning from the item page a scanned label opens: the borrower from the
children in the room now or found by name, the due chip preset by the kind of item; room-only
things stay in; a return of something not lent says so; a double tap lends once."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.assets.conftest import (
    BASE,
    HX,
    children_of,
    flashed,
    give_back,
    item_by_code,
    item_of,
    lend,
    open_loans,
    sign_in,
)
from tests.care.people import post, switch_to
from tests.conftest import app_session
from tests.helpers import text_of
from webapp.assets import service
from webapp.assets.models import AssetItem
from webapp.children.models import Child
from webapp.demo.assets import DEMO_TODAY

PANEL = HX | {"HX-Target": "loan-panel"}


def test_a_book_is_lent_to_a_child_in_the_room_and_returned(
    app: Flask, keeper: FlaskClient, on_demo_day: None
) -> None:
    child = children_of(app, "三年级二班")[3]
    sign_in(app, child["id"])
    book = item_of(app, "窗边的小豆豆")
    page = text_of(keeper.get(f"{BASE}/i/{book['code']}"))
    # the child is a chip of the lend form, and two weeks is preset for a book
    assert f'value="child.{child["id"]}"' in page and child["name"] in page
    assert re.search(r'value="14" checked|checked[^>]*value="14"', page)
    lent = lend(keeper, book["code"], f"child.{child['id']}")
    page = flashed(keeper, lent)
    assert f"已借给{child['name']}" in page
    [loan] = open_loans(app, book["code"])
    assert loan["child_id"] == child["id"] and loan["due"] == DEMO_TODAY + timedelta(days=14)
    page = flashed(keeper, give_back(keeper, book["code"]))
    assert f"{child['name']} 已归还，完好。" in page
    assert open_loans(app, book["code"]) == []


def test_the_same_lend_form_sent_twice_makes_one_loan(app: Flask, keeper: FlaskClient) -> None:
    child = children_of(app, "三年级二班")[4]
    book = item_of(app, "城南旧事")
    data = {"uid": str(uuid.uuid4()), "borrower": f"child.{child['id']}", "due": "7"}
    first = post(keeper, f"{BASE}/i/{book['code']}/lend", data)
    again = post(keeper, f"{BASE}/i/{book['code']}/lend", data)
    assert first.status_code == again.status_code == 303
    assert len(open_loans(app, book["code"])) == 1


def test_lending_and_returning_in_place_answer_with_a_small_partial(
    app: Flask, keeper: FlaskClient
) -> None:
    for child in children_of(app, "三年级二班")[:12]:
        sign_in(app, child["id"])  # a full room: twelve tiles in the panel
    child = children_of(app, "三年级二班")[5]
    book = item_of(app, "大林和小林")
    lent = lend(keeper, book["code"], f"child.{child['id']}", headers=PANEL)
    page = text_of(lent)
    assert (
        lent.status_code == 200 and "<html" not in page and page.startswith('<div id="loan-panel">')
    )
    assert f"已借给{child['name']}" in page and "归还" in page
    assert len(lent.data) < 4096
    back = give_back(keeper, book["code"], headers=PANEL)
    assert back.status_code == 200 and "已归还" in text_of(back)
    assert len(back.data) < 4096
    found = keeper.get(
        f"{BASE}/i/{book['code']}/borrowers",
        query_string={"q": child["initials"]},
        headers=HX | {"HX-Target": "borrowers"},
    )
    assert found.status_code == 200 and child["name"] in text_of(found)
    assert len(found.data) < 4096


def test_a_room_only_item_cannot_be_lent(app: Flask, keeper: FlaskClient) -> None:
    dictionary = item_of(app, "新华字典（第12版）")
    child = children_of(app, "三年级二班")[0]
    page = text_of(keeper.get(f"{BASE}/i/{dictionary['code']}"))
    assert "这件物品仅限室内使用，不能外借。" in page and 'id="lend-form"' not in page
    refused = lend(keeper, dictionary["code"], f"child.{child['id']}")
    assert refused.status_code == 422
    assert "这件物品仅限室内使用，不能外借。" in text_of(refused)
    assert open_loans(app, dictionary["code"]) == []
    in_place = lend(keeper, dictionary["code"], f"child.{child['id']}", headers=PANEL)
    assert in_place.status_code == 422 and "不能外借" in text_of(in_place)


def test_returning_an_item_that_is_not_on_loan_says_so(app: Flask, keeper: FlaskClient) -> None:
    book = item_of(app, "稻草人")
    page = flashed(keeper, give_back(keeper, book["code"]))
    assert "这件物品没有借出，无需归还。" in page
    in_place = give_back(keeper, book["code"], headers=PANEL)
    assert in_place.status_code == 422 and "这件物品没有借出，无需归还。" in text_of(in_place)


def test_a_return_sent_twice_returns_once_and_says_so_both_times(
    app: Flask, keeper: FlaskClient
) -> None:
    child = children_of(app, "三年级二班")[6]
    book = item_of(app, "没头脑和不高兴")
    lend(keeper, book["code"], f"child.{child['id']}")
    data = {"uid": str(uuid.uuid4()), "condition": "damaged"}
    first = flashed(keeper, post(keeper, f"{BASE}/i/{book['code']}/return", data))
    again = flashed(keeper, post(keeper, f"{BASE}/i/{book['code']}/return", data))
    assert "已归还，有损坏。" in first and "已归还，有损坏。" in again


def test_a_lost_item_leaves_stock_pending_write_off(app: Flask, keeper: FlaskClient) -> None:
    child = children_of(app, "三年级二班")[7]
    book = item_of(app, "爱的教育")
    lend(keeper, book["code"], f"child.{child['id']}")
    page = flashed(keeper, give_back(keeper, book["code"], condition="lost"))
    assert "借用时丢失" in page
    item = item_by_code(app, book["code"])
    assert item.missing == 1 and item.in_ledger
    refused = lend(keeper, book["code"], f"child.{children_of(app, '三年级二班')[8]['id']}")
    assert refused.status_code == 422 and "没有可借的了" in text_of(refused)
    ledger = text_of(keeper.get(f"{BASE}/", query_string={"state": "missing"}))
    assert book["code"] in ledger


def test_a_child_may_borrow_up_to_the_schools_limit(app: Flask, client: FlaskClient) -> None:
    switch_to(client, "13800000001")  # the principal sets the limit to two
    settings = {"code_prefix": "YG", "child_limit": "2", "book_days": "14"}
    post(client, f"{BASE}/settings", settings | {"equipment_days": "7", "kit_days": "0"})
    switch_to(client, "13800000003")
    child = children_of(app, "三年级二班")[9]
    codes = ["YG-B-0002", "YG-B-0011", "YG-B-0012"]
    assert lend(client, codes[0], f"child.{child['id']}").status_code == 303
    assert lend(client, codes[1], f"child.{child['id']}").status_code == 303
    refused = lend(client, codes[2], f"child.{child['id']}")
    assert refused.status_code == 422
    assert f"{child['name']} 已借出 2 件，已达每名儿童同时可借的上限。" in text_of(refused)
    assert open_loans(app, codes[2]) == []


def test_a_staff_member_found_by_pinyin_borrows_a_kit_for_the_day(
    app: Flask, keeper: FlaskClient, on_demo_day: None
) -> None:
    balls = item_of(app, "羽毛球拍（副）")
    found = text_of(keeper.get(f"{BASE}/i/{balls['code']}", query_string={"q": "wl"}))
    staff = re.search(r'value="(staff\.\d+)"[^>]*><span>王丽', found)
    assert staff, "王丽 is found by her initials"
    page = flashed(keeper, lend(keeper, balls["code"], staff.group(1), due="0", quantity="2"))
    assert "已借给王丽" in page
    [loan] = open_loans(app, balls["code"])
    assert loan["due"] == DEMO_TODAY and loan["staff_id"]


def test_renewing_moves_the_due_date_on_once_per_form(
    app: Flask, keeper: FlaskClient, on_demo_day: None
) -> None:
    book = item_of(app, "草房子")  # lent to a child of 三年级一班, overdue since 22 November
    [loan] = open_loans(app, book["code"])
    data = {"uid": str(uuid.uuid4()), "loan_id": str(loan["id"])}
    page = flashed(keeper, post(keeper, f"{BASE}/i/{book['code']}/renew", data))
    assert "已续借" in page
    post(keeper, f"{BASE}/i/{book['code']}/renew", data)
    [renewed] = open_loans(app, book["code"])
    assert renewed["due"] == DEMO_TODAY + timedelta(days=14)


def test_the_keeper_sees_overdue_loans_and_a_class_teacher_her_class_only(
    app: Flask, client: FlaskClient, on_demo_day: None
) -> None:
    switch_to(client, "13800000003")
    overdue = text_of(client.get(f"{BASE}/loans/", query_string={"overdue": "1"}))
    assert "草房子" in overdue and "夏洛的网" not in overdue
    everything = text_of(client.get(f"{BASE}/loans/"))
    assert "草房子" in everything and "夏洛的网" in everything
    # 王丽 teaches 三年级一班: her reminder list has the overdue 草房子, and her today page says so
    switch_to(client, "13800000002")
    reminders = text_of(client.get(f"{BASE}/reminders"))
    assert "三年级一班" in reminders and "草房子" in reminders
    assert client.get(f"{BASE}/").status_code == 403
    assert "1 件借出逾期" in text_of(client.get("/s/yangguang/"))
    # a child of another class with an overdue loan is on the keeper's list, not on hers
    other = children_of(app, "三年级二班")[2]
    with app_session(app, "yangguang") as session:
        service.lend(
            session,
            uid=uuid.uuid4(),
            item=session.scalar(select(AssetItem).where(AssetItem.code == "YG-B-0006")),
            child=session.get(Child, other["id"]),
            due_on=DEMO_TODAY - timedelta(days=2),
            actor_id=None,
        )
    assert other["name"] not in text_of(client.get(f"{BASE}/reminders"))
    switch_to(client, "13800000003")
    keepers = text_of(client.get(f"{BASE}/reminders"))
    assert other["name"] in keepers and "三年级二班" in keepers
    switch_to(client, "13800000005")  # a class teacher of 红星小学 sees nothing of 阳光小学
    assert client.get(f"{BASE}/reminders").status_code == 404


def test_a_basket_lends_several_items_to_one_child_once(app: Flask, keeper: FlaskClient) -> None:
    child = children_of(app, "三年级二班")[-1]
    codes = ["YG-B-0007", "YG-K-0001"]
    for code in codes:
        post(keeper, f"{BASE}/i/{code}/basket", {"put": "in"})
        post(keeper, f"{BASE}/i/{code}/basket", {"put": "in"})  # a double tap keeps it in
    basket = text_of(keeper.get(f"{BASE}/basket"))
    assert "大林和小林" in basket and "跳绳" in basket and "借出 2 件" in basket
    data = {"uid": str(uuid.uuid4()), "borrower": f"child.{child['id']}", "due": "auto"}
    done = post(keeper, f"{BASE}/basket", data)
    assert done.status_code == 303
    post(keeper, f"{BASE}/basket", data)  # an empty basket now: the replay lends nothing
    loans = [open_loans(app, code) for code in codes]
    assert [len(found) for found in loans] == [1, 1]
    assert all(found[0]["child_id"] == child["id"] for found in loans)
    assert "借物篮是空的" in text_of(keeper.get(f"{BASE}/basket"))


def test_who_may_not_lend_cannot(app: Flask, client: FlaskClient) -> None:
    switch_to(client, "13800000002")  # a class teacher
    child = children_of(app, "三年级一班")[0]
    # refused on an item: the answer of an item that does not exist
    assert lend(client, "YG-B-0003", f"child.{child['id']}").status_code == 404
    assert client.get(f"{BASE}/i/YG-B-0003").status_code == 404
    assert open_loans(app, "YG-B-0003") == []
