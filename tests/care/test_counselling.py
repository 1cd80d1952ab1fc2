"""Counselling (心理辅导): read by the counsellor and the principal, and by nobody else at all.

A class teacher reaches the whole card of her class's children and reads every other record of
theirs; a counselling record of the same child is not found for her, and it is absent from
the timeline, its kind chips, the counts and the follow-ups of the entry forms.
"""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.care.people import (
    COORDINATOR_PHONE,
    COUNSELLOR_PHONE,
    add_member,
    class_children,
    post,
    switch_to,
)
from tests.conftest import app_session
from tests.helpers import text_of
from webapp.care.models import CareKind, CareRecord
from webapp.core.audit import AuditEvent
from webapp.core.i18n import local_today
from webapp.core.permissions import Role

BASE = "/s/yangguang/care"
PROBLEM = "考试前失眠，常说想妈妈"
DONE = "放松训练，约定每周二来谈心室"


@pytest.fixture
def counsellor(app: Flask, client: FlaskClient) -> FlaskClient:
    add_member(app, COUNSELLOR_PHONE, "郑心怡", Role.COUNSELLOR)
    return switch_to(client, COUNSELLOR_PHONE)


def counselling_form(**changes) -> dict:
    return {
        "uid": str(uuid.uuid4()),
        "problem": PROBLEM,
        "notes": DONE,
        "assessment": "焦虑中度，无自伤念头",
        "next_session_on": (local_today() + timedelta(days=7)).isoformat(),
        "follow_up": "",
        "happened_on": local_today().isoformat(),
        **changes,
    }


def record_session(client: FlaskClient, child_id: int, **changes) -> int:
    response = post(
        client, f"{BASE}/records/new/counselling?child_id={child_id}", counselling_form(**changes)
    )
    assert response.status_code == 303, text_of(response)
    return int(re.search(r"/records/(\d+)", response.headers["Location"]).group(1))


def test_the_counsellor_records_a_session_and_reads_it_back(
    app: Flask, counsellor: FlaskClient
) -> None:
    child = class_children(app)[0]
    form = counsellor.get(f"{BASE}/records/new/counselling?child_id={child['id']}")
    assert form.status_code == 200 and "来访问题" in text_of(form)

    record_id = record_session(counsellor, child["id"])

    page = text_of(counsellor.get(f"{BASE}/records/{record_id}"))
    assert PROBLEM in page and DONE in page and "焦虑中度" in page
    assert "下次辅导" in page  # the next session is the record's follow-up
    assert "只有心理教师和校长能看到心理辅导记录" in page
    with app_session(app, "yangguang") as session:
        row = session.get(CareRecord, record_id)
        assert row.kind == CareKind.COUNSELLING and row.follow_up_due is not None
        assert PROBLEM not in (row.details_sealed or "")  # the problem is sealed too


def test_a_class_teacher_never_finds_a_counselling_record_of_her_own_pupil(
    app: Flask, counsellor: FlaskClient
) -> None:
    child = class_children(app)[0]
    record_id = record_session(counsellor, child["id"])
    teacher = switch_to(counsellor, "13800000002")  # 王丽: the whole card of this child

    assert teacher.get(f"/s/yangguang/children/{child['id']}").status_code == 200
    for url in (
        f"{BASE}/records/{record_id}",
        f"{BASE}/records/{record_id}/edit",
        f"{BASE}/records/{record_id}/amend",
    ):
        assert teacher.get(url).status_code == 404, url
    assert post(teacher, f"{BASE}/records/{record_id}/follow-up", {}).status_code == 404
    assert post(teacher, f"{BASE}/records/{record_id}/amend", {"reason": "x"}).status_code == 404

    timeline = text_of(teacher.get(f"{BASE}/children/{child['id']}/timeline"))
    assert "心理辅导" not in timeline and "记心理辅导" not in timeline
    only = text_of(teacher.get(f"{BASE}/children/{child['id']}/timeline?kind=counselling"))
    assert "暂无记录" in only and f"/records/{record_id}" not in only
    entry = text_of(teacher.get(f"{BASE}/records/new/talk?child_id={child['id']}"))
    assert "下次辅导" not in entry and PROBLEM not in entry  # not among her open follow-ups
    assert teacher.get(f"{BASE}/records/new/counselling?child_id={child['id']}").status_code == 403

    with app_session(app, "yangguang") as session:  # and the follow-up stayed open
        assert session.get(CareRecord, record_id).follow_up_done_on is None


def test_the_principal_and_the_counsellor_see_it_on_the_timeline(
    app: Flask, counsellor: FlaskClient
) -> None:
    child = class_children(app)[0]
    record_id = record_session(counsellor, child["id"])
    timeline = text_of(counsellor.get(f"{BASE}/children/{child['id']}/timeline"))
    assert "心理辅导" in timeline and f"/records/{record_id}" in timeline
    assert PROBLEM not in timeline  # the list shows no content of a session, even to them

    principal = switch_to(counsellor, "13800000001")
    timeline = text_of(principal.get(f"{BASE}/children/{child['id']}/timeline"))
    assert f"/records/{record_id}" in timeline
    assert PROBLEM in text_of(principal.get(f"{BASE}/records/{record_id}"))


def test_a_coordinator_who_reads_every_other_record_does_not_read_counselling(
    app: Flask, counsellor: FlaskClient
) -> None:
    child = class_children(app)[0]
    record_id = record_session(counsellor, child["id"])
    add_member(app, COORDINATOR_PHONE, "杜德育", Role.COORDINATOR)
    coordinator = switch_to(counsellor, COORDINATOR_PHONE)

    assert coordinator.get(f"{BASE}/records/{record_id}").status_code == 404
    timeline = text_of(coordinator.get(f"{BASE}/children/{child['id']}/timeline"))
    assert f"/records/{record_id}" not in timeline and "心理辅导" not in timeline


def test_a_double_tap_makes_one_counselling_record(app: Flask, counsellor: FlaskClient) -> None:
    child = class_children(app)[1]
    form = counselling_form()
    url = f"{BASE}/records/new/counselling?child_id={child['id']}"
    first, second = post(counsellor, url, form), post(counsellor, url, form)
    assert first.headers["Location"] == second.headers["Location"]
    with app_session(app, "yangguang") as session:
        made = session.scalars(
            select(CareRecord).where(
                CareRecord.child_id == child["id"], CareRecord.kind == CareKind.COUNSELLING
            )
        ).all()
        assert len(made) == 1
        assert session.scalars(
            select(AuditEvent).where(
                AuditEvent.subject == "care_record", AuditEvent.subject_id == made[0].id
            )
        ).all()


def test_a_session_without_its_problem_comes_back_with_a_chinese_message_and_the_text_kept(
    counsellor: FlaskClient, app: Flask
) -> None:
    child = class_children(app)[0]
    response = post(
        counsellor,
        f"{BASE}/records/new/counselling?child_id={child['id']}",
        counselling_form(
            problem="",
            next_session_on=(local_today() - timedelta(days=1)).isoformat(),
        ),
    )
    page = text_of(response)
    assert response.status_code == 422
    assert "请写下孩子来辅导的原因" in page
    assert "下次辅导不能早于本次" in page
    assert DONE in page  # what was typed is still there
