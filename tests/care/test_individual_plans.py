"""Individual plans (个别教育管理方案): started, reviewed over time and ended by the counsellor;
read by the counsellor and the principal only, exactly like counselling."""

from __future__ import annotations

import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, func, select

from tests.care.people import COUNSELLOR_PHONE, add_member, class_children, post, switch_to
from tests.conftest import app_session
from tests.helpers import copy_login, csrf_token, log_in, purge_audit, text_of
from webapp.care.models import IndividualPlan, PlanReview
from webapp.core.audit import AuditAction, AuditEvent
from webapp.core.i18n import local_today
from webapp.core.permissions import Role
from webapp.core.tenancy import ALL_TENANTS

BASE = "/s/yangguang/plans"
GOALS = "一个月内上课不离开座位"


@pytest.fixture
def counsellor(app: Flask, client: FlaskClient) -> FlaskClient:
    add_member(app, COUNSELLOR_PHONE, "郑心怡", Role.COUNSELLOR)
    return switch_to(client, COUNSELLOR_PHONE)


def plan_form(**changes) -> dict:
    return {
        "uid": str(uuid.uuid4()),
        "problem": "上课坐不住，常与同学冲突",
        "goals": GOALS,
        "measures": "班主任每日表扬一次；心理教师每周一次游戏辅导；每月与奶奶电话沟通",
        "started_on": (local_today() - timedelta(days=10)).isoformat(),
        **changes,
    }


def start_plan(client: FlaskClient, child_id: int, **changes) -> int:
    response = post(client, f"{BASE}/children/{child_id}/new", plan_form(**changes))
    assert response.status_code == 303, text_of(response)
    return int(re.search(r"/plans/(\d+)", response.headers["Location"]).group(1))


def review(client: FlaskClient, plan_id: int, notes: str, uid: str | None = None):
    return post(
        client,
        f"{BASE}/{plan_id}/reviews",
        {"uid": uid or str(uuid.uuid4()), "notes": notes, "reviewed_on": local_today().isoformat()},
    )


def test_the_counsellor_starts_a_plan_reviews_it_and_ends_it(
    app: Flask, counsellor: FlaskClient
) -> None:
    child = class_children(app)[0]
    assert "新建个别教育方案" in text_of(counsellor.get(f"{BASE}/children/{child['id']}"))
    plan_id = start_plan(counsellor, child["id"])
    page = text_of(counsellor.get(f"{BASE}/{plan_id}"))
    assert GOALS in page and "还没有评估" in page

    assert review(counsellor, plan_id, "第二周：离座次数减少一半").status_code == 303
    assert review(counsellor, plan_id, "第四周：基本能坐满一节课").status_code == 303
    page = text_of(counsellor.get(f"{BASE}/{plan_id}"))
    assert "离座次数减少一半" in page and "基本能坐满一节课" in page
    running = text_of(counsellor.get(f"{BASE}/"))
    assert child["name"] in running

    ended = post(
        counsellor,
        f"{BASE}/{plan_id}/end",
        {"uid": str(uuid.uuid4()), "outcome": "目标达成", "ended_on": local_today().isoformat()},
    )
    assert ended.status_code == 303
    page = text_of(counsellor.get(f"{BASE}/{plan_id}"))
    assert "已于" in page and "目标达成" in page and "添加评估" not in page
    assert child["name"] not in text_of(counsellor.get(f"{BASE}/"))  # no longer running
    late = review(counsellor, plan_id, "结束后又写的评估")
    assert late.status_code == 303
    assert "结束后又写的评估" not in text_of(counsellor.get(f"{BASE}/{plan_id}"))

    with app_session(app, "yangguang") as session:
        logged = session.scalars(
            select(AuditEvent.fields_json).where(
                AuditEvent.subject == "individual_plan",
                AuditEvent.subject_id == plan_id,
                AuditEvent.action != AuditAction.VIEW,
            )
        ).all()
        assert len(logged) == 5  # started, two reviews, the outcome as a review, ended
        opened = session.scalar(
            select(func.count()).where(
                AuditEvent.subject == "individual_plan",
                AuditEvent.subject_id == plan_id,
                AuditEvent.action == AuditAction.VIEW,
            )
        )
        assert opened >= 3  # each time the counsellor opened the plan
        assert not [f for f in logged if GOALS in (f or "")]  # names of fields, never values
        plan = session.get(IndividualPlan, plan_id)
        assert GOALS not in plan.goals_sealed  # sealed


def test_a_double_tap_starts_one_plan_and_saves_one_review(
    app: Flask, counsellor: FlaskClient
) -> None:
    child = class_children(app)[1]
    form = plan_form()
    url = f"{BASE}/children/{child['id']}/new"
    first, second = post(counsellor, url, form), post(counsellor, url, form)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    plan_id = int(re.search(r"/plans/(\d+)", first.headers["Location"]).group(1))
    uid = str(uuid.uuid4())
    review(counsellor, plan_id, "同一份评估", uid)
    review(counsellor, plan_id, "同一份评估", uid)
    with app_session(app, "yangguang") as session:
        plans = session.scalars(
            select(IndividualPlan).where(IndividualPlan.child_id == child["id"])
        ).all()
        assert len(plans) == 1
        reviews = session.scalars(select(PlanReview).where(PlanReview.plan_id == plan_id))
        assert len(reviews.all()) == 1


def test_a_plan_without_goals_comes_back_with_a_chinese_message_and_the_text_kept(
    app: Flask, counsellor: FlaskClient
) -> None:
    child = class_children(app)[0]
    response = post(counsellor, f"{BASE}/children/{child['id']}/new", plan_form(goals=""))
    assert response.status_code == 422
    page = text_of(response)
    assert "请至少写一个目标" in page and "上课坐不住" in page


def test_a_class_teacher_gets_404_for_every_plan_page_of_her_own_pupil(
    app: Flask, counsellor: FlaskClient
) -> None:
    child = class_children(app)[0]
    plan_id = start_plan(counsellor, child["id"])
    teacher = switch_to(counsellor, "13800000002")

    for url in (
        f"{BASE}/",
        f"{BASE}/children/{child['id']}",
        f"{BASE}/children/{child['id']}/new",
        f"{BASE}/{plan_id}",
        f"{BASE}/{plan_id}/end",
    ):
        assert teacher.get(url).status_code == 404, url
    assert review(teacher, plan_id, "班主任的评估").status_code == 404
    ended = post(teacher, f"{BASE}/{plan_id}/end", {"ended_on": local_today().isoformat()})
    assert ended.status_code == 404
    card = text_of(teacher.get(f"/s/yangguang/children/{child['id']}"))
    timeline = text_of(teacher.get(f"/s/yangguang/care/children/{child['id']}/timeline"))
    assert "个别教育方案" not in card and "个别教育方案" not in timeline
    with app_session(app, "yangguang") as session:
        plan = session.get(IndividualPlan, plan_id)
        assert plan.ended_on is None and plan.reviews == []


def test_the_principal_reads_the_plan_and_finds_it_from_the_card(
    app: Flask, counsellor: FlaskClient
) -> None:
    child = class_children(app)[0]
    plan_id = start_plan(counsellor, child["id"])
    principal = switch_to(counsellor, "13800000001")
    for start in (
        f"/s/yangguang/children/{child['id']}",
        f"/s/yangguang/care/children/{child['id']}/timeline",
    ):
        assert f"/plans/children/{child['id']}" in text_of(principal.get(start))
    assert f"/plans/{plan_id}" in text_of(principal.get(f"{BASE}/children/{child['id']}"))
    assert GOALS in text_of(principal.get(f"{BASE}/{plan_id}"))


def test_ten_identical_posts_at_once_start_one_plan(app: Flask) -> None:
    """A weak network's retries arrive together; the database keeps one plan."""
    child = class_children(app)[2]
    first = app.test_client()
    log_in(first, "13800000001")  # the principal: committed for real, like the posts
    form = {**plan_form(), "csrf_token": csrf_token(first, "/me")}
    clients = []
    for _ in range(10):
        client = app.test_client()
        copy_login(first, client)
        clients.append(client)
    url = f"{BASE}/children/{child['id']}/new"
    try:
        with ThreadPoolExecutor(max_workers=10) as pool:
            answers = list(pool.map(lambda c: c.post(url, data=form), clients))
        assert {a.status_code for a in answers} == {303}
        assert len({a.headers["Location"] for a in answers}) == 1
        with app_session(app, "yangguang") as session:
            made = session.scalars(
                select(IndividualPlan).where(IndividualPlan.uid == uuid.UUID(form["uid"]))
            ).all()
            assert len(made) == 1
    finally:  # this test commits for real: leave the shared database as it was
        with app_session(app) as session:
            ids = session.scalars(
                select(IndividualPlan.id)
                .where(IndividualPlan.uid == uuid.UUID(form["uid"]))
                .execution_options(**{ALL_TENANTS: True})
            ).all()
            purge_audit(
                session,
                delete(AuditEvent)
                .where(AuditEvent.subject == "individual_plan", AuditEvent.subject_id.in_(ids))
                .execution_options(**{ALL_TENANTS: True}),
            )
            session.execute(
                delete(IndividualPlan)
                .where(IndividualPlan.id.in_(ids))
                .execution_options(**{ALL_TENANTS: True})
            )
