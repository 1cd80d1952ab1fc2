"""Contact with a parent (亲情联系): tapping a number on the card opens the dialler and the
contact record, filled in, at the same time; the record keeps what was said."""

from __future__ import annotations

import json
import re
import uuid

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.care.entry import (
    HTMX_ENTRY,
    child_with_guardian,
    new_url,
    records_of,
    submit,
)
from tests.children.test_card import class_child, post
from tests.helpers import text_of
from webapp.care.models import CareKind, Channel, Direction
from webapp.core.i18n import local_today

# These tests start from a school with no care record yet.
pytestmark = pytest.mark.usefixtures("without_demo_care")


def call(client: FlaskClient, child_id: int, person: str, **kwargs):
    return post(client, f"/s/yangguang/children/{child_id}/call", {"person": person}, **kwargs)


def checked(page: str, name: str) -> list[str]:
    return re.findall(
        rf'<input checked id="{name}-\d+" name="{name}" type="radio" value="([^"]+)"', page
    )


def contact(child: dict, **changes) -> dict:
    data = {
        "person": f"parent.{child['father_id']}",
        "channel": "phone",
        "direction": "outgoing",
        "minutes_pick": "10",
        "minutes_typed": "",
        "notes": "爸爸说春节回家，叮嘱孩子听奶奶的话。",
        "happened_on": local_today().isoformat(),
    }
    return data | changes


def test_the_card_calls_through_the_app_with_a_place_for_the_contact_record(
    app: Flask, teacher: FlaskClient
) -> None:
    child = child_with_guardian(app)
    card = text_of(teacher.get(f"/s/yangguang/children/{child['id']}"))
    assert '<div id="care-entry"></div>' in card
    assert 'hx-target="#care-entry"' in card
    assert child["father_phone"] not in card and child["guardian_phone"] not in card


def test_with_htmx_a_call_opens_the_dialler_and_the_contact_form_filled_in(
    app: Flask, teacher: FlaskClient
) -> None:
    child = child_with_guardian(app)
    response = call(teacher, child["id"], f"guardian.{child['guardian_id']}", headers=HTMX_ENTRY)
    page = text_of(response)
    assert response.status_code == 200 and "<html" not in page
    assert json.loads(response.headers["HX-Trigger"]) == {
        "dial": {"number": child["guardian_phone"]}
    }
    assert child["guardian_phone"] not in page  # the number is only in the dialler's event
    assert page.lstrip().startswith('<div id="care-entry">')
    assert checked(page, "person") == [f"guardian.{child['guardian_id']}"]
    assert checked(page, "channel") == ["phone"] and checked(page, "direction") == ["outgoing"]
    for chip in ("电话", "视频", "微信", "短信", "书信", "面谈", "我方去电", "10 分钟"):
        assert f"<span>{chip}</span>" in page, chip
    assert f'name="happened_on" required type="date" value="{local_today().isoformat()}"' in page
    assert f'action="/s/yangguang/care/records/new/parent_contact?child_id={child["id"]}"' in page


def test_without_javascript_the_call_page_has_the_tel_link_and_the_form_below(
    app: Flask, teacher: FlaskClient
) -> None:
    child = child_with_guardian(app)
    page = text_of(call(teacher, child["id"], f"parent.{child['father_id']}"))
    link = page.index(f'href="tel:{child["father_phone"]}"')
    form = page.index('action="/s/yangguang/care/records/new/parent_contact')
    assert link < form
    assert checked(page, "person") == [f"parent.{child['father_id']}"]
    assert checked(page, "channel") == ["phone"] and checked(page, "direction") == ["outgoing"]


def test_the_filled_in_form_saves_the_contact_and_the_record_shows_it(
    app: Flask, teacher: FlaskClient
) -> None:
    child = child_with_guardian(app)
    response = submit(teacher, "parent_contact", child["id"], contact(child))
    assert response.status_code == 303
    (saved,) = records_of(app, child["id"], CareKind.PARENT_CONTACT)
    assert saved["parent_id"] == child["father_id"] and saved["guardian_id"] is None
    assert saved["channel"] == Channel.PHONE and saved["direction"] == Direction.OUTGOING
    assert saved["minutes"] == 10
    page = text_of(teacher.get(response.headers["Location"]))
    for shown in (
        f"父亲 · {child['father_name']}",
        "电话",
        "我方去电",
        "10 分钟",
        "爸爸说春节回家，叮嘱孩子听奶奶的话。",
    ):
        assert shown in page, shown


def test_typed_minutes_win_over_the_chip(app: Flask, teacher: FlaskClient) -> None:
    child = child_with_guardian(app)
    submit(
        teacher,
        "parent_contact",
        child["id"],
        contact(child, minutes_typed="13", channel="wechat", direction="incoming"),
    )
    (saved,) = records_of(app, child["id"], CareKind.PARENT_CONTACT)
    assert saved["minutes"] == 13 and saved["channel"] == Channel.WECHAT
    assert saved["direction"] == Direction.INCOMING


def test_the_same_contact_sent_twice_is_one_record(app: Flask, teacher: FlaskClient) -> None:
    child = child_with_guardian(app)
    data = contact(child, uid=str(uuid.uuid4()))
    first = submit(teacher, "parent_contact", child["id"], data)
    again = submit(teacher, "parent_contact", child["id"], data, headers=HTMX_ENTRY)
    (saved,) = records_of(app, child["id"], CareKind.PARENT_CONTACT)
    assert first.headers["Location"].endswith(f"/care/records/{saved['id']}")
    assert f'href="/s/yangguang/care/records/{saved["id"]}"' in text_of(again)


def test_bad_input_is_refused_next_to_the_fields_with_the_values_kept(
    app: Flask, teacher: FlaskClient
) -> None:
    child = child_with_guardian(app)
    response = submit(
        teacher,
        "parent_contact",
        child["id"],
        contact(child, person="", notes="", minutes_typed="0", channel="video"),
        headers=HTMX_ENTRY,
    )
    page = text_of(response)
    assert response.status_code == 422
    for message in (
        "请选择联系的家长或监护人。",
        "请简单写几句联系内容。",
        "请填写分钟数（1 到 600）。",
    ):
        assert message in page
    assert (
        checked(page, "channel") == ["video"]
        and 'name="minutes_typed" type="number" value="0"' in page
    )
    assert records_of(app, child["id"], CareKind.PARENT_CONTACT) == []


def test_another_childs_parent_cannot_be_named(app: Flask, teacher: FlaskClient) -> None:
    child, other = child_with_guardian(app), class_child(app, "三年级二班")
    response = submit(
        teacher,
        "parent_contact",
        child["id"],
        contact(child, person=f"parent.{other['father_id']}"),
    )
    assert response.status_code == 422
    assert records_of(app, child["id"], CareKind.PARENT_CONTACT) == []


def test_a_child_out_of_reach_is_not_found(app: Flask, teacher: FlaskClient) -> None:
    other = class_child(app, "三年级二班")
    assert teacher.get(new_url("parent_contact", other["id"])).status_code == 404
    assert call(teacher, other["id"], f"parent.{other['father_id']}").status_code == 404
    response = submit(teacher, "parent_contact", other["id"], contact(other))
    assert response.status_code == 404
    assert records_of(app, other["id"], CareKind.PARENT_CONTACT) == []
