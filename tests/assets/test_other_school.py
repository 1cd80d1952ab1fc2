"""A keeper of one school never lists, lends or counts another school's items: not on the
pages, not in the pickers, chip lists and partials, whatever code or id is typed."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.assets.conftest import BASE, HX, children_of, codes_on, item_of, lend, open_loans
from tests.care.people import add_member, post, switch_to
from tests.conftest import app_session
from tests.helpers import text_of
from webapp.assets.models import AssetEvent, Loan
from webapp.core.i18n import local_today
from webapp.core.permissions import Role
from webapp.room.models import Room, RoomKind, SignIn

OTHER_KEEPER = "13900000181"


def hongxing_child_in_its_room(app: Flask) -> dict:
    """A child of 红星小学, signed in to a room of 红星小学 now."""
    child = children_of(app, "四年级一班", "hongxing")[1]
    with app_session(app, "hongxing") as session:
        room = Room(name="图书室", kind=RoomKind.READING)
        session.add(room)
        session.flush()
        session.add(
            SignIn(
                room_id=room.id,
                child_id=child["id"],
                signed_in_at=datetime.now(UTC),
                signed_in_on=local_today(),
            )
        )
    return child


def events_of(app: Flask, code: str, slug: str) -> int:
    with app_session(app, slug) as session:
        item_id = item_of(app, "草房子", slug)["id"] if code.startswith("HX") else None
        return session.scalar(
            select(func.count(AssetEvent.id)).where(AssetEvent.item_id == item_id)
        )


def test_another_schools_item_answers_404_to_every_act(app: Flask, keeper: FlaskClient) -> None:
    code = item_of(app, "草房子", "hongxing")["code"]
    assert code.startswith("HX-")
    child = children_of(app, "三年级二班")[0]
    before = open_loans(app, code, "hongxing")
    for url in (f"{BASE}/i/{code}", f"{BASE}/i/{code}/borrowers?q=a", f"{BASE}/i/{code}/edit"):
        assert keeper.get(url).status_code == 404, url
    assert keeper.get(f"{BASE}/i/{code}/borrowers?q=a", headers=HX).status_code == 404
    for act, data in [
        ("lend", {"borrower": f"child.{child['id']}", "due": "14"}),
        ("return", {"condition": "good"}),
        ("renew", {"loan_id": str(before[0]["id"])}),
        ("basket", {}),
        ("accept", {"as": "keeper"}),
        ("stock", {"change": "-1"}),
    ]:
        response = post(keeper, f"{BASE}/i/{code}/{act}", {"uid": str(uuid.uuid4()), **data})
        assert response.status_code == 404, act
    assert open_loans(app, code, "hongxing") == before
    assert keeper.get(f"/s/hongxing/assets/i/{code}").status_code == 404
    assert keeper.get("/s/hongxing/assets/").status_code == 404


def test_lists_searches_labels_and_partials_hold_only_the_schools_own_items(
    app: Flask, keeper: FlaskClient
) -> None:
    hongxing_borrower = children_of(app, "四年级一班", "hongxing")[0]["name"]
    pages = [
        keeper.get(f"{BASE}/", query_string={"q": "草房子"}),
        keeper.get(f"{BASE}/", query_string={"q": "HX"}, headers=HX | {"HX-Target": "ledger-list"}),
        keeper.get(
            f"{BASE}/", query_string={"q": "篮球"}, headers=HX | {"HX-Target": "ledger-list"}
        ),
        keeper.get(f"{BASE}/labels", query_string={"codes": "HX-B-0001 HX-K-0001 YG-B-0001"}),
        keeper.get(f"{BASE}/labels"),
        keeper.get(f"{BASE}/loans/"),
        keeper.get(f"{BASE}/loans/", query_string={"overdue": "1"}),
        keeper.get(f"{BASE}/reminders"),
        keeper.get(f"{BASE}/write-offs/"),
        keeper.get(f"{BASE}/write-offs/new", query_string={"code": "HX-K-0001"}),
        keeper.get(f"{BASE}/basket"),
        keeper.get(f"{BASE}/stocktakes/"),
        keeper.get("/s/yangguang/"),
    ]
    for response in pages:
        page = re.sub(r'value="[^"]*"', "", text_of(response))  # not what was typed: what is shown
        assert response.status_code == 200
        assert not {c for c in codes_on(page) if c.startswith("HX-")}, response.request.url
        assert hongxing_borrower not in page, response.request.url
    labels = text_of(pages[3])
    assert "YG-B-0001" in labels and labels.count('class="asset-label"') == 1


def test_the_borrower_pickers_offer_only_the_schools_own_children_and_staff(
    app: Flask, keeper: FlaskClient
) -> None:
    stranger = hongxing_child_in_its_room(app)
    code = item_of(app, "窗边的小豆豆")["code"]
    page = text_of(keeper.get(f"{BASE}/i/{code}"))
    assert stranger["name"] not in page and f"child.{stranger['id']}" not in page
    for text in (stranger["name"], stranger["initials"]):
        for response in (
            keeper.get(
                f"{BASE}/i/{code}/borrowers",
                query_string={"q": text},
                headers=HX | {"HX-Target": "borrowers"},
            ),
            keeper.get(f"{BASE}/i/{code}", query_string={"q": text}),
            keeper.get(
                f"{BASE}/basket", query_string={"q": text}, headers=HX | {"HX-Target": "borrowers"}
            ),
        ):
            assert f"child.{stranger['id']}" not in text_of(response)
    # 13800000005 teaches at 红星小学 only: not a staff member to lend to here
    staff = text_of(keeper.get(f"{BASE}/i/{code}", query_string={"q": "赵"}))
    assert "13800000005" not in staff


def test_another_schools_child_or_staff_cannot_borrow(app: Flask, keeper: FlaskClient) -> None:
    stranger = children_of(app, "四年级一班", "hongxing")[0]
    code = item_of(app, "城南旧事")["code"]
    with app_session(app) as session:
        from webapp.auth.service import find_user_by_phone

        hongxing_teacher = find_user_by_phone(session, "13800000005").id
    for borrower in (f"child.{stranger['id']}", f"staff.{hongxing_teacher}"):
        refused = lend(keeper, code, borrower)
        assert refused.status_code == 422 and "请选择借用人。" in text_of(refused)
    post(keeper, f"{BASE}/i/{code}/basket", {})
    basket = post(
        keeper,
        f"{BASE}/basket",
        {"uid": str(uuid.uuid4()), "borrower": f"child.{stranger['id']}", "due": "auto"},
    )
    assert basket.status_code == 422
    assert open_loans(app, code) == []
    with app_session(app, "yangguang") as session:
        assert not session.scalar(select(Loan.id).where(Loan.child_id == stranger["id"]))


def test_a_stocktake_never_counts_another_schools_item(app: Flask, keeper: FlaskClient) -> None:
    code = item_of(app, "草房子", "hongxing")["code"]
    events = events_of(app, code, "hongxing")
    started = post(keeper, f"{BASE}/stocktakes/", {"uid": str(uuid.uuid4()), "room_id": ""})
    url = started.headers["Location"]
    answer = post(
        keeper, f"{url}/count", {"code": code}, headers=HX | {"HX-Target": "stocktake-scan"}
    )
    assert f"{code} 不在台账中" in text_of(answer)
    assert events_of(app, code, "hongxing") == events
    # 红星小学's stocktake is not found under 阳光小学
    with app_session(app, "hongxing") as session:
        from webapp.assets.models import Stocktake

        theirs = session.scalar(select(Stocktake.id))
    assert keeper.get(f"{BASE}/stocktakes/{theirs}").status_code == 404
    assert post(keeper, f"{BASE}/stocktakes/{theirs}/count", {"code": code}).status_code == 404
    assert post(keeper, f"{BASE}/stocktakes/{theirs}/close", {}).status_code == 404


def test_a_keeper_of_the_other_school_sees_only_hers(app: Flask, client: FlaskClient) -> None:
    add_member(app, OTHER_KEEPER, "孙红梅", Role.ROOM_KEEPER, slug="hongxing")
    switch_to(client, OTHER_KEEPER)
    own = text_of(client.get("/s/hongxing/assets/"))
    assert {c[:3] for c in codes_on(own)} == {"HX-"}
    assert client.get("/s/hongxing/assets/i/YG-B-0001").status_code == 404
    assert client.get("/s/yangguang/assets/").status_code == 404
    found = text_of(client.get("/s/hongxing/assets/i/HX-B-0002", query_string={"q": "王丽"}))
    tiles = found.split('id="borrowers"', 1)[1].split("</div>", 1)[0]
    assert 'name="borrower"' not in tiles and "没有找到“王丽”" in tiles
