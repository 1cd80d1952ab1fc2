"""Assistance (资助帮扶): fee waivers, subsidies and donations in kind. The amount is a family's
poverty: sealed, checked when typed, shown on the record to its readers and never in lists."""

from __future__ import annotations

import re
import uuid

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.care.people import class_children, post, proxy_parent_of, switch_to
from tests.conftest import app_session
from tests.helpers import text_of
from webapp.care.models import CareKind, CareRecord
from webapp.core.i18n import local_today
from webapp.demo.data import VOLUNTEER_PHONE

BASE = "/s/yangguang/care"


def assistance_form(**changes) -> dict:
    return {
        "uid": str(uuid.uuid4()),
        "assistance_type": "fee_waiver",
        "amount": "1200",
        "source": "authorities",
        "donor": "",
        "items": "",
        "notes": "",
        "happened_on": local_today().isoformat(),
        **changes,
    }


def new_url(child_id: int) -> str:
    return f"{BASE}/records/new/assistance?child_id={child_id}"


def test_a_fee_waiver_shows_its_amount_on_the_record_and_not_in_the_timeline(
    app: Flask, teacher: FlaskClient
) -> None:
    child = class_children(app)[0]
    response = post(teacher, new_url(child["id"]), assistance_form(amount="１,200.5元"))
    assert response.status_code == 303
    record_id = int(re.search(r"/records/(\d+)", response.headers["Location"]).group(1))

    page = text_of(teacher.get(f"{BASE}/records/{record_id}"))
    assert "学费减免" in page and "1,200.50 元" in page and "上级拨付" in page
    timeline = text_of(teacher.get(f"{BASE}/children/{child['id']}/timeline"))
    assert "学费减免 · 上级拨付" in timeline
    assert "1,200" not in timeline and "1200" not in timeline
    with app_session(app, "yangguang") as session:
        row = session.get(CareRecord, record_id)
        assert row.kind == CareKind.ASSISTANCE and row.details["amount"] == "1200.50"
        assert "1200" not in row.details_sealed  # sealed


def test_a_wrong_amount_comes_back_with_a_chinese_message_and_what_was_typed(
    app: Flask, teacher: FlaskClient
) -> None:
    child = class_children(app)[0]
    for typed, message in (
        ("12o0", "请用数字填写金额"),
        ("-50", "金额必须大于 0 元"),
        ("99.999", "金额最多两位小数"),
        ("1200000", "超过 10 万元"),
        ("", "请填写金额"),
    ):
        response = post(
            teacher, new_url(child["id"]), assistance_form(amount=typed, notes="春季学期")
        )
        page = text_of(response)
        assert response.status_code == 422, typed
        assert message in page, typed
        assert f'value="{typed}"' in page if typed else 'name="amount"' in page
        assert "春季学期" in page and re.search(r'<input checked[^>]*value="fee_waiver"', page)
    with app_session(app, "yangguang") as session:
        assert not session.scalars(
            select(CareRecord).where(
                CareRecord.child_id == child["id"], CareRecord.kind == CareKind.ASSISTANCE
            )
        ).all()


def test_a_donation_in_kind_lists_its_items_and_needs_no_amount(
    app: Flask, teacher: FlaskClient
) -> None:
    child = class_children(app)[0]
    missing = post(
        teacher,
        new_url(child["id"]),
        assistance_form(assistance_type="in_kind", amount="", source="donation"),
    )
    assert missing.status_code == 422 and "请写下捐赠了什么" in text_of(missing)
    given = post(
        teacher,
        new_url(child["id"]),
        assistance_form(
            assistance_type="in_kind",
            amount="",
            source="donation",
            donor="县妇联",
            items="冬季校服一套、书包一个",
        ),
    )
    assert given.status_code == 303
    page = text_of(teacher.get(given.headers["Location"]))
    assert "捐赠物品" in page and "冬季校服一套" in page and "县妇联" in page
    assert "元" not in page.split("捐赠物品", 1)[1].split("</dl>", 1)[0]


def test_only_those_with_the_whole_card_record_or_read_assistance(
    app: Flask, teacher: FlaskClient
) -> None:
    child = next(
        c for c in class_children(app) if proxy_parent_of(app, c["id"]) not in (None, "13800000002")
    )
    response = post(teacher, new_url(child["id"]), assistance_form(amount="800"))
    record_id = int(re.search(r"/records/(\d+)", response.headers["Location"]).group(1))

    proxy = switch_to(teacher, proxy_parent_of(app, child["id"]))  # pairing, not the card
    assert proxy.get(new_url(child["id"])).status_code == 404
    assert proxy.get(f"{BASE}/records/{record_id}").status_code == 404
    timeline = text_of(proxy.get(f"{BASE}/children/{child['id']}/timeline"))
    assert f"/records/{record_id}" not in timeline

    volunteer = switch_to(proxy, VOLUNTEER_PHONE)
    assert volunteer.get(new_url(child["id"])).status_code == 403

    principal = switch_to(volunteer, "13800000001")
    assert "800.00 元" in text_of(principal.get(f"{BASE}/records/{record_id}"))
