"""A letter home (亲情书信): to whom, the day it was sent, a short note."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.care.entry import HTMX_ENTRY, child_with_guardian, new_url, records_of, submit
from tests.children.test_card import class_child
from tests.helpers import text_of
from webapp.care.models import CareKind, Channel
from webapp.core.i18n import local_today

# These tests start from a school with no care record yet.
pytestmark = pytest.mark.usefixtures("without_demo_care")


def letter(child: dict, **changes) -> dict:
    data = {
        "person": f"parent.{child['father_id']}",
        "notes": "写了期中考试的进步。",
        "happened_on": (local_today() - timedelta(days=3)).isoformat(),
    }
    return data | changes


def test_a_letter_is_saved_with_its_sent_date_and_shown(app: Flask, teacher: FlaskClient) -> None:
    child = child_with_guardian(app)
    form = text_of(teacher.get(new_url("letter_home", child["id"])))
    assert "寄给" in form and "寄出日期" in form
    response = submit(teacher, "letter_home", child["id"], letter(child))
    assert response.status_code == 303
    (saved,) = records_of(app, child["id"], CareKind.LETTER_HOME)
    sent = local_today() - timedelta(days=3)
    assert saved["happened_on"] == sent and saved["channel"] == Channel.LETTER
    assert saved["parent_id"] == child["father_id"]
    page = text_of(teacher.get(response.headers["Location"]))
    for shown in (
        "亲情书信",
        "寄给",
        "父亲",
        f"{sent.year}年{sent.month}月{sent.day}日",
        "写了期中考试的进步。",
    ):
        assert shown in page, shown


def test_the_same_letter_sent_twice_is_one_record(app: Flask, teacher: FlaskClient) -> None:
    child = child_with_guardian(app)
    data = letter(child, uid=str(uuid.uuid4()))
    assert submit(teacher, "letter_home", child["id"], data).status_code == 303
    assert submit(teacher, "letter_home", child["id"], data).status_code == 303
    assert len(records_of(app, child["id"], CareKind.LETTER_HOME)) == 1


def test_a_letter_without_a_date_or_from_the_future_is_refused(
    app: Flask, teacher: FlaskClient
) -> None:
    child = child_with_guardian(app)
    missing = submit(
        teacher, "letter_home", child["id"], letter(child, happened_on=""), headers=HTMX_ENTRY
    )
    assert missing.status_code == 422 and "请填写寄出日期。" in text_of(missing)
    assert "写了期中考试的进步。" in text_of(missing)
    tomorrow = (local_today() + timedelta(days=1)).isoformat()
    future = submit(teacher, "letter_home", child["id"], letter(child, happened_on=tomorrow))
    assert future.status_code == 422 and "这个日期还没到。" in text_of(future)
    assert records_of(app, child["id"], CareKind.LETTER_HOME) == []


def test_a_child_out_of_reach_is_not_found(app: Flask, teacher: FlaskClient) -> None:
    other = class_child(app, "三年级二班")
    assert teacher.get(new_url("letter_home", other["id"])).status_code == 404
    assert submit(teacher, "letter_home", other["id"], letter(other)).status_code == 404
