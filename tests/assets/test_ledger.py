"""The ledger: items come in once with a code of their school, are accepted by two people,
carry their history, and print as QR labels that open their page."""

from __future__ import annotations

import re
import uuid

import segno
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.assets.conftest import BASE, HX, codes_on, flashed, head, item_by_code, item_of
from tests.assets.test_isbn import book
from tests.care.people import post, switch_to
from tests.conftest import app_session
from tests.helpers import text_of
from webapp.assets.models import AssetEvent, AssetItem, EventKind


def items_named(app: Flask, name: str) -> int:
    with app_session(app, "yangguang") as session:
        return session.scalar(select(func.count(AssetItem.id)).where(AssetItem.name == name))


def test_a_new_item_sent_twice_is_one_item_with_the_next_code_of_the_school(
    app: Flask, keeper: FlaskClient
) -> None:
    data = book()
    first = post(keeper, f"{BASE}/new", data)
    again = post(keeper, f"{BASE}/new", data)
    assert first.status_code == again.status_code == 303
    assert first.headers["Location"] == again.headers["Location"]
    code = first.headers["Location"].rsplit("/", 1)[1]
    assert code == "YG-B-0016"  # the demo's 15 books come first
    assert items_named(app, "青铜葵花") == 1
    page = text_of(keeper.get(first.headers["Location"]))
    assert "青铜葵花" in page and "登记入账" in page and "未验收" in page


def test_a_donation_needs_its_donor_and_a_kit_keeps_its_quantity(
    app: Flask, keeper: FlaskClient
) -> None:
    data = book(category="kit", name="足球（5号）", isbn="", source="donation", quantity="5")
    response = post(keeper, f"{BASE}/new", data)
    assert response.status_code == 422 and "请填写捐赠人。" in text_of(response)
    response = post(keeper, f"{BASE}/new", data | {"donor": "青杠镇商会"})
    item = item_by_code(app, response.headers["Location"].rsplit("/", 1)[1])
    assert (item.code[:5], item.quantity, item.donor, item.value_fen) == (
        "YG-K-",
        5,
        "青杠镇商会",
        2500,
    )


def test_acceptance_takes_the_keeper_and_a_department_head_who_are_two_people(
    app: Flask, client: FlaskClient
) -> None:
    switch_to(client, "13800000003")
    code = post(client, f"{BASE}/new", book()).headers["Location"].rsplit("/", 1)[1]
    as_keeper = post(client, f"{BASE}/i/{code}/accept", {"as": "keeper"})
    assert as_keeper.status_code == 303
    assert post(client, f"{BASE}/i/{code}/accept", {"as": "head"}).status_code == 403
    head(client)
    page = flashed(client, post(client, f"{BASE}/i/{code}/accept", {"as": "head"}))
    item = item_by_code(app, code)
    assert item.keeper_signed_at and item.head_signed_at and item.accepted
    assert "部门负责人确认验收" in page and "管理员确认验收" in page
    assert "陈德明" in page and "张秀英" in page


def test_an_edit_keeps_the_code_and_writes_the_history(app: Flask, keeper: FlaskClient) -> None:
    found = item_of(app, "小王子")
    edit = keeper.get(f"{BASE}/i/{found['code']}/edit")
    assert 'value="小王子"' in text_of(edit)
    data = book(name="小王子（彩绘版）", isbn="9787532498673", category="equipment")
    response = post(keeper, f"{BASE}/i/{found['code']}/edit", data)
    assert response.status_code == 303
    item = item_by_code(app, found["code"])
    assert (item.name, item.category.value) == ("小王子（彩绘版）", "book")
    with app_session(app, "yangguang") as session:
        kinds = session.scalars(select(AssetEvent.kind).where(AssetEvent.item_id == found["id"]))
        assert EventKind.EDITED in set(kinds)


def test_the_ledger_finds_items_by_name_code_author_and_isbn_in_a_small_partial(
    keeper: FlaskClient,
) -> None:
    for text, code in [
        ("夏洛", "YG-B-0010"),
        ("yg-b-0003", "YG-B-0003"),
        ("曹文轩", "YG-B-0001"),
        ("978-7-5442-6599-7", "YG-B-0003"),
    ]:
        response = keeper.get(
            f"{BASE}/", query_string={"q": text}, headers=HX | {"HX-Target": "ledger-list"}
        )
        page = text_of(response)
        assert response.status_code == 200 and "<html" not in page, text
        assert code in codes_on(page), text
        assert len(response.data) < 4096


def test_a_consumable_handed_out_twice_by_a_double_tap_changes_the_stock_once(
    app: Flask, keeper: FlaskClient
) -> None:
    found = item_of(app, "水彩颜料（12色）")
    data = {"uid": str(uuid.uuid4()), "change": "-5", "note": "美术兴趣小组"}
    post(keeper, f"{BASE}/i/{found['code']}/stock", data)
    post(keeper, f"{BASE}/i/{found['code']}/stock", data)
    assert item_by_code(app, found["code"]).quantity == 25
    too_many = post(
        keeper,
        f"{BASE}/i/{found['code']}/stock",
        data | {"uid": str(uuid.uuid4()), "change": "-26"},
    )
    assert too_many.status_code == 422 and "在库只有 25 件。" in text_of(too_many)


def test_labels_hold_each_items_whole_url_as_inline_svg(app: Flask, keeper: FlaskClient) -> None:
    response = keeper.get(f"{BASE}/labels", query_string={"codes": "YG-B-0001 YG-K-0002"})
    page = text_of(response)
    assert response.status_code == 200
    assert page.count("<svg") == 2 + page.count('<svg viewBox="0 0 24 24"')  # the tab bar's icons
    for code in ("YG-B-0001", "YG-K-0002"):
        expected = segno.make(f"http://localhost{BASE}/i/{code}", error="m")
        assert expected.svg_inline(scale=1, border=2, omitsize=True) in page
        assert code in page
    assert "<script" not in page.split("</head>", 1)[1]


def test_the_label_sheet_prints_three_by_eight_on_a4(keeper: FlaskClient) -> None:
    css = keeper.get("/static/app.css").get_data(as_text=True)
    printed = css[css.index("(issue 5)") :]
    assert "size: A4" in printed
    assert re.search(r"\.label-sheet \{[^}]*repeat\(3, 70mm\)", printed)
