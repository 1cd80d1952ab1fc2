"""A stocktake counts the ledger item by item: running counts, "already counted" on a second
scan, unknown codes kept, and no closing while a missing item has no reason."""

from __future__ import annotations

import re
import uuid

from flask import Flask
from flask.testing import FlaskClient

from tests.assets.conftest import BASE, HX, flashed, item_by_code
from tests.care.people import post
from tests.helpers import text_of

SCAN = HX | {"HX-Target": "stocktake-scan"}


def start(keeper: FlaskClient, room_id: str = "") -> str:
    """A stocktake of the sports room (or the whole ledger); its URL."""
    response = post(keeper, f"{BASE}/stocktakes/", {"uid": str(uuid.uuid4()), "room_id": room_id})
    assert response.status_code == 303
    return response.headers["Location"]


def sports_room(keeper: FlaskClient) -> str:
    page = text_of(keeper.get(f"{BASE}/stocktakes/"))
    return re.search(r'<option value="(\d+)">体育活动室</option>', page).group(1)


def count(keeper: FlaskClient, url: str, code: str, **data: str):
    return post(keeper, f"{url}/count", {"code": code, **data}, headers=SCAN)


def test_counting_the_sports_room_with_a_duplicate_and_an_unknown_code(
    app: Flask, keeper: FlaskClient
) -> None:
    url = start(keeper, sports_room(keeper))
    page = text_of(keeper.get(url))
    # 急救箱, 跳绳, 篮球 (one out on loan to 王丽), 羽毛球拍
    assert "0/4" in page and "YG-E-0007" in page
    first = count(keeper, url, "YG-K-0001")
    assert first.status_code == 200 and len(first.data) < 4096
    assert "YG-K-0001 已清点。" in text_of(first) and "1/4" in text_of(first)
    again = count(keeper, url, "yg-k-0001")
    assert "YG-K-0001 已经清点过了。" in text_of(again) and "1/4" in text_of(again)
    # the label's whole URL, as a scanner types it, counts too
    by_url = count(keeper, url, f"http://localhost{BASE}/i/YG-E-0007")
    assert "YG-E-0007 已清点。" in text_of(by_url) and "2/4" in text_of(by_url)
    unknown = count(keeper, url, "YG-K-0999")
    assert "YG-K-0999 不在台账中" in text_of(unknown)
    count(keeper, url, "YG-K-0999")
    elsewhere = count(keeper, url, "YG-B-0003")  # a book of the reading room
    assert "不在本次清查的清单上" in text_of(elsewhere)
    page = text_of(keeper.get(url))
    assert "2 个编号不在清单上" in page and page.count("YG-K-0999") == 1


def test_an_item_page_counts_itself_while_a_stocktake_is_open(
    app: Flask, keeper: FlaskClient
) -> None:
    url = start(keeper)
    item_page = text_of(keeper.get(f"{BASE}/i/YG-B-0003"))
    assert "计入本次清查" in item_page
    stocktake_id = url.rsplit("/", 1)[1]
    response = post(
        keeper, f"{BASE}/stocktakes/{stocktake_id}/count", {"code": "YG-B-0003", "back": "item"}
    )
    assert response.headers["Location"].endswith("/assets/i/YG-B-0003")
    assert "本次清查已清点。" in flashed(keeper, response)


def test_closing_with_missing_items_without_reasons_is_refused(
    app: Flask, keeper: FlaskClient
) -> None:
    url = start(keeper, sports_room(keeper))
    count(keeper, url, "YG-E-0007")
    count(keeper, url, "YG-K-0001")
    count(keeper, url, "YG-K-0002", found="4")  # six balls: one out on loan, one not found
    page = text_of(keeper.get(url))
    names = re.findall(r'name="(reason_\d+)"', page)
    assert len(names) == 2  # the ball, and the rackets never counted
    refused = post(keeper, f"{url}/close", {name: "" for name in names})
    assert refused.status_code == 422
    assert text_of(refused).count("请说明缺失原因。") == 2
    assert "进行中" in text_of(keeper.get(url))
    half = post(keeper, f"{url}/close", {names[0]: "体育课后未收回", names[1]: ""})
    assert half.status_code == 422 and 'value="体育课后未收回"' in text_of(half)
    closed = post(
        keeper, f"{url}/close", {names[0]: "体育课后未收回", names[1]: "借给六年级未登记"}
    )
    assert closed.status_code == 303 and "/write-offs/" in closed.headers["Location"]
    draft = flashed(keeper, closed)
    assert "篮球（7号）" in draft and "羽毛球拍（副）" in draft and "草稿" in draft
    balls = item_by_code(app, "YG-K-0002")
    assert (balls.quantity, balls.missing, balls.in_ledger) == (6, 1, True)
    rackets = item_by_code(app, "YG-K-0003")
    assert (rackets.missing, rackets.in_ledger) == (8, True)


def test_only_one_stocktake_is_open_at_a_time(keeper: FlaskClient) -> None:
    start(keeper)
    again = post(keeper, f"{BASE}/stocktakes/", {"uid": str(uuid.uuid4()), "room_id": ""})
    assert again.status_code == 422 and "已有一次清查正在进行" in text_of(again)
