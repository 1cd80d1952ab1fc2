"""A family call (亲情电话/视频) logged by the keeper of the children's home, who reaches every
child on the roster but sees no more of the card than the relation of whom the child called."""

from __future__ import annotations

import uuid

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.care.entry import (
    HTMX_ENTRY,
    KEEPER_PHONE,
    TEACHER_PHONE,
    child_with_guardian,
    new_url,
    records_of,
    submit,
    user_id,
)
from tests.children.test_card import class_child
from tests.helpers import csrf_token, log_in, text_of
from webapp.care.models import CareKind, Channel
from webapp.core.i18n import local_today
from webapp.demo.data import VOLUNTEER_PHONE

# These tests start from a school with no care record yet.
pytestmark = pytest.mark.usefixtures("without_demo_care")


def family_call(child: dict, **changes) -> dict:
    data = {
        "person": f"parent.{child['mother_id']}",
        "channel": "video",
        "minutes_pick": "",
        "minutes_typed": "15",
        "notes": "给妈妈看了新写的作文。",
        "happened_on": local_today().isoformat(),
    }
    return data | changes


def test_the_keeper_logs_a_video_call_and_the_class_teacher_reads_it(
    app: Flask, client: FlaskClient
) -> None:
    child = child_with_guardian(app)
    log_in(client, KEEPER_PHONE)
    form = text_of(client.get(new_url("family_call", child["id"])))
    assert "母亲" in form and child["mother_name"] not in form  # the relation, not the name
    response = submit(client, "family_call", child["id"], family_call(child))
    assert response.status_code == 303
    (saved,) = records_of(app, child["id"], CareKind.FAMILY_CALL)
    assert saved["parent_id"] == child["mother_id"] and saved["channel"] == Channel.VIDEO
    assert saved["minutes"] == 15 and saved["author_id"] == user_id(app, KEEPER_PHONE)
    page = text_of(client.get(response.headers["Location"]))
    for shown in ("亲情电话", "母亲", "视频", "15 分钟", "张秀英", "给妈妈看了新写的作文。"):
        assert shown in page, shown

    client.post("/logout", data={"csrf_token": csrf_token(client, "/me")})
    log_in(client, TEACHER_PHONE)
    timeline = text_of(client.get(f"/s/yangguang/care/children/{child['id']}/timeline"))
    assert "亲情电话" in timeline and "给妈妈看了新写的作文。" in timeline


def test_the_same_call_sent_twice_is_one_record(app: Flask, client: FlaskClient) -> None:
    child = child_with_guardian(app)
    log_in(client, KEEPER_PHONE)
    data = family_call(child, uid=str(uuid.uuid4()))
    first = submit(client, "family_call", child["id"], data)
    again = submit(client, "family_call", child["id"], data)
    assert first.headers["Location"] == again.headers["Location"]
    assert len(records_of(app, child["id"], CareKind.FAMILY_CALL)) == 1


def test_bad_input_is_refused_next_to_the_fields_with_the_values_kept(
    app: Flask, client: FlaskClient
) -> None:
    child = child_with_guardian(app)
    log_in(client, KEEPER_PHONE)
    response = submit(
        client,
        "family_call",
        child["id"],
        family_call(child, person="", minutes_typed="999"),
        headers=HTMX_ENTRY,
    )
    page = text_of(response)
    assert response.status_code == 422 and "<html" not in page
    assert "请选择联系的家长或监护人。" in page and "请填写分钟数（1 到 600）。" in page
    assert "给妈妈看了新写的作文。" in page and 'value="999"' in page
    assert records_of(app, child["id"], CareKind.FAMILY_CALL) == []


def test_who_may_not_log_a_family_call(app: Flask, client: FlaskClient) -> None:
    child, other = child_with_guardian(app), class_child(app, "三年级二班")
    log_in(client, TEACHER_PHONE)  # a carer, but not of another class's child
    assert client.get(new_url("family_call", other["id"])).status_code == 404
    assert submit(client, "family_call", other["id"], {}).status_code == 404
    client.post("/logout", data={"csrf_token": csrf_token(client, "/me")})
    log_in(client, VOLUNTEER_PHONE)  # volunteers do not keep the phone log
    assert client.get(new_url("family_call", child["id"])).status_code == 403
    assert records_of(app, other["id"], CareKind.FAMILY_CALL) == []
