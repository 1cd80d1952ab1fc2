"""Every form the phone may keep offline, sent twice (the first answer lost on the way back):
one row on the server, and the second answer is 200 with the same fragment as the first, so
the outbox replaying a UUID the server already has simply finds its record."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.assets.conftest import BASE, children_of, item_of
from tests.care.demo_day import freeze_today
from tests.care.entry import child_with_guardian, new_url, user_id
from tests.care.people import post
from tests.conftest import app_session
from tests.helpers import log_in, text_of
from tests.room.board import KEEPER_PHONE, board_uid, board_url, open_board, room_id
from tests.room.test_family_call import rendered
from tests.safety.sheet import DORM_SUPERVISOR, class_id, read_sheet, roll_call_url
from tests.safety.test_dorm import give_bed, new_room
from tests.transport.people import KG, PICKUPS, kid_with_grandparent
from webapp.assets.models import AssetItem, Loan
from webapp.care.models import CareKind, CareRecord
from webapp.children.models import Child
from webapp.demo.care import DEMO_TODAY
from webapp.room.models import SignIn
from webapp.safety.models import DormMark, RollCallMark
from webapp.transport.models import Release

pytestmark = pytest.mark.usefixtures("without_demo_care")

TEACHER = "13800000002"  # 王丽, class teacher of 三年级一班
KG_TEACHER = "13800000004"  # 刘芳, 大班 at 阳光幼儿园


@dataclass
class Entry:
    """One offline form as the outbox sends it: where, what, the htmx target, and how many rows
    of its kind the server holds afterwards."""

    url: str
    data: dict
    target: str
    rows: Callable[[], int]
    slug: str = "yangguang"


@pytest.fixture
def on_demo_day(monkeypatch: pytest.MonkeyPatch) -> date:
    return freeze_today(monkeypatch, DEMO_TODAY)


def count(app: Flask, statement, slug: str = "yangguang") -> int:
    with app_session(app, slug) as session:
        return session.scalar(statement)


def care_entry(app: Flask, client: FlaskClient, kind: CareKind, values: dict) -> Entry:
    log_in(client, TEACHER)
    child = child_with_guardian(app)
    data = {"uid": str(uuid.uuid4()), "happened_on": DEMO_TODAY.isoformat(), **values}
    rows = select(func.count(CareRecord.id)).where(
        CareRecord.child_id == child["id"], CareRecord.kind == kind
    )
    return Entry(new_url(kind.value, child["id"]), data, "care-entry", lambda: count(app, rows))


def talk(app: Flask, client: FlaskClient) -> Entry:
    return care_entry(
        app,
        client,
        CareKind.TALK,
        {"topics": ["study"], "mood": "3", "notes": "聊了期中考试。", "channel": "face_to_face"},
    )


def home_visit(app: Flask, client: FlaskClient) -> Entry:
    child = child_with_guardian(app)
    return care_entry(
        app,
        client,
        CareKind.HOME_VISIT,
        {
            "visitors": [str(user_id(app, TEACHER))],
            "met": [f"guardian.{child['guardian_id']}"],
            "living": "两间平房，有书桌。",
            "guardian_care": "fair",
            "notes": "奶奶很配合。",
        },
    )


def parent_contact(app: Flask, client: FlaskClient) -> Entry:
    child = child_with_guardian(app)
    return care_entry(
        app,
        client,
        CareKind.PARENT_CONTACT,
        {
            "person": f"parent.{child['father_id']}",
            "channel": "phone",
            "direction": "outgoing",
            "minutes_pick": "10",
            "notes": "爸爸说春节回家。",
        },
    )


def family_call(app: Flask, client: FlaskClient) -> Entry:
    log_in(client, KEEPER_PHONE)
    child = child_with_guardian(app)
    url = f"/s/yangguang/room/rooms/{room_id(app, '亲情电话室')}/family-call?child_id={child['id']}"
    form = rendered(text_of(client.get(url)))
    return Entry(
        form.action.replace("&amp;", "&"),
        form.values | {"minutes_pick": "5"},
        "call-entry",
        lambda: count(
            app,
            select(func.count(CareRecord.id)).where(
                CareRecord.child_id == child["id"], CareRecord.kind == CareKind.FAMILY_CALL
            ),
        ),
    )


def sheet_entry(client: FlaskClient, url: str, child_id: int, status: str) -> tuple[str, dict]:
    reader = read_sheet(text_of(client.get(url)))
    return reader.action, dict(reader.values) | {f"s{child_id}": status}


def roll_call(app: Flask, client: FlaskClient) -> Entry:
    log_in(client, TEACHER)
    with app_session(app, "yangguang") as session:
        child_id = session.scalar(
            select(Child.id).where(Child.class_id == class_id(app)).order_by(Child.id)
        )
    action, data = sheet_entry(client, roll_call_url(class_id(app)), child_id, "sick")
    return Entry(
        action,
        data,
        "roll-call",
        lambda: count(app, select(func.count(RollCallMark.id))),
    )


def headcount(app: Flask, client: FlaskClient) -> Entry:
    log_in(client, DORM_SUPERVISOR)
    with app_session(app, "yangguang") as session:
        child_id = session.scalar(
            select(Child.id).where(Child.class_id == class_id(app)).order_by(Child.id)
        )
        session.get(Child, child_id).is_boarder = True
    dorm_room, _data = new_room(client)
    assert give_bed(client, dorm_room, child_id, "1").status_code == 303
    action, data = sheet_entry(client, f"/s/yangguang/safety/dorm/{dorm_room}", child_id, "missing")
    return Entry(action, data, "headcount", lambda: count(app, select(func.count(DormMark.id))))


def sign_in(app: Flask, client: FlaskClient) -> Entry:
    log_in(client, KEEPER_PHONE)
    room = room_id(app)
    child = child_with_guardian(app)
    return Entry(
        f"{board_url(room)}tap",
        {"uid": board_uid(open_board(client, room)), "tap": f"i{child['id']}"},
        "board",
        lambda: count(app, select(func.count(SignIn.id)).where(SignIn.child_id == child["id"])),
    )


def loan_rows(app: Flask, code: str, returned: bool) -> int:
    with app_session(app, "yangguang") as session:
        item = session.scalar(select(AssetItem.id).where(AssetItem.code == code))
        loans = session.scalars(select(Loan).where(Loan.item_id == item)).all()
        return sum(1 for loan in loans if (loan.returned_at is not None) == returned)


def loan(app: Flask, client: FlaskClient) -> Entry:
    log_in(client, KEEPER_PHONE)
    child = children_of(app, "三年级二班")[5]
    book = item_of(app, "城南旧事")
    return Entry(
        f"{BASE}/i/{book['code']}/lend",
        {"uid": str(uuid.uuid4()), "borrower": f"child.{child['id']}", "due": "7"},
        "loan-panel",
        lambda: loan_rows(app, book["code"], returned=False),
    )


def loan_return(app: Flask, client: FlaskClient) -> Entry:
    lent = loan(app, client)
    assert post(client, lent.url, lent.data).status_code == 303
    back = lent.url.replace("/lend", "/return")
    code = back.split("/i/")[1].split("/")[0]
    return Entry(
        back,
        {"uid": str(uuid.uuid4()), "condition": "good"},
        "loan-panel",
        lambda: loan_rows(app, code, returned=True),
    )


def pickup(app: Flask, client: FlaskClient) -> Entry:
    log_in(client, KG_TEACHER)
    kid = kid_with_grandparent(app)
    return Entry(
        f"{PICKUPS}/children/{kid.id}/release",
        {"uid": str(uuid.uuid4()), "person": f"guardian.{kid.guardian_ids[0]}"},
        "pickup",
        lambda: count(app, select(func.count(Release.id)).where(Release.child_id == kid.id), KG),
        slug=KG,
    )


FORMS = {
    "talk": talk,
    "home_visit": home_visit,
    "parent_contact": parent_contact,
    "family_call": family_call,
    "roll_call": roll_call,
    "headcount": headcount,
    "sign_in": sign_in,
    "loan": loan,
    "return": loan_return,
    "pickup": pickup,
}

# What differs between two answers of the same record: the tokens and the fresh UUIDs of the
# next empty forms on the page.
FRESH = re.compile(r'value="[0-9a-f-]{36}"|name="csrf_token"[^>]*>|"X-CSRFToken": "[^"]*"')


def same(html: str) -> str:
    return FRESH.sub("", html)


@pytest.mark.parametrize("name", list(FORMS))
def test_a_replayed_uuid_finds_its_record_and_answers_200_with_the_same_fragment(
    app: Flask, client: FlaskClient, on_demo_day: date, name: str
) -> None:
    entry = FORMS[name](app, client)
    before = entry.rows()
    headers = {"HX-Request": "true", "HX-Target": entry.target}
    first = post(client, entry.url, entry.data, headers=headers)
    assert first.status_code == 200, text_of(first)
    made = entry.rows()
    assert made > before  # a sheet writes a mark for each child, the others one row
    again = post(client, entry.url, entry.data, headers=headers)
    assert again.status_code == 200, text_of(again)
    assert entry.rows() == made  # nothing written twice
    assert same(text_of(again)) == same(text_of(first))
    assert "<html" not in text_of(again)


@pytest.mark.parametrize("name", list(FORMS))
def test_without_javascript_every_offline_form_posts_normally(
    app: Flask, client: FlaskClient, on_demo_day: date, name: str
) -> None:
    """No outbox, no htmx: the plain form, without the phone's time or even its UUID, is saved
    and the browser is sent on to a page, as before there was any offline work."""
    entry = FORMS[name](app, client)
    before = entry.rows()
    plain = {k: v for k, v in entry.data.items() if k not in ("uid", "captured_at")}
    answer = post(client, entry.url, plain)
    assert answer.status_code == 303, text_of(answer)
    assert entry.rows() > before
    assert client.get(answer.headers["Location"]).status_code == 200


@pytest.mark.parametrize("name", list(FORMS))
def test_an_entry_kept_past_72_hours_is_refused_with_a_message_the_phone_can_show(
    app: Flask, client: FlaskClient, on_demo_day: date, name: str
) -> None:
    """The phone wipes what it kept 72 hours; a late one is refused, not counted, and the
    refusal says why in words the 需处理 list shows."""
    entry = FORMS[name](app, client)
    before = entry.rows()
    late = (datetime.now(UTC) - timedelta(hours=73)).isoformat().replace("+00:00", "Z")
    headers = {"HX-Request": "true", "HX-Target": entry.target}
    answer = post(client, entry.url, entry.data | {"captured_at": late}, headers=headers)
    assert answer.status_code == 422
    errors = " ".join(
        re.findall(r'class="(?:error|flash flash-error)"[^>]*>([^<]*)<', text_of(answer))
    )
    assert "72小时" in errors
    assert entry.rows() == before
