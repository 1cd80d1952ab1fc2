"""Learning support (学习帮扶计划 / 进步档案): a plan per child and term with its helper, and
the term scores read across terms."""

from __future__ import annotations

import re
import uuid

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.care.people import class_children, post, proxy_parent_of, switch_to
from tests.conftest import app_session
from tests.helpers import text_of
from webapp.care.models import LearningPlan, TermScore
from webapp.children.models import Child, SchoolClass
from webapp.core.audit import AuditEvent
from webapp.demo.data import VOLUNTEER_PHONE
from webapp.tenants.models import Term

BASE = "/s/yangguang/learning"


def demo_terms(app: Flask) -> list[dict]:
    """The demo school year's two terms, first term first."""
    with app_session(app, "yangguang") as session:
        return [
            {"id": t.id, "name": t.full_name}
            for t in session.scalars(select(Term).order_by(Term.starts_on))
        ]


def plan_form(term_id: int, **changes) -> dict:
    return {
        "uid": str(uuid.uuid4()),
        "term_id": str(term_id),
        "subjects": "数学、语文",
        "helper": "",
        "goals": "期末数学 80 分",
        "checkpoints": "11月：乘法口诀",
        **changes,
    }


def scores_form(rows: list[tuple[str, str, str]]) -> dict:
    data = {}
    for index, (subject, score, rank) in enumerate(rows):
        data[f"rows-{index}-subject"] = subject
        data[f"rows-{index}-score"] = score
        data[f"rows-{index}-class_rank"] = rank
    return data


def test_a_class_teacher_makes_a_term_plan_with_a_classmate_as_helper(
    app: Flask, teacher: FlaskClient
) -> None:
    child, buddy = class_children(app)[:2]
    term = demo_terms(app)[0]
    for start in (
        f"/s/yangguang/children/{child['id']}",
        f"/s/yangguang/care/children/{child['id']}/timeline",
    ):
        assert f"/learning/children/{child['id']}" in text_of(teacher.get(start))
    form = text_of(teacher.get(f"{BASE}/children/{child['id']}/plans/new"))
    assert buddy["name"] in form and f"child:{buddy['id']}" in form
    assert "王丽" in form  # staff are offered as helpers too

    data = plan_form(term["id"], helper=f"child:{buddy['id']}")
    first = post(teacher, f"{BASE}/children/{child['id']}/plans/new", data)
    again = post(teacher, f"{BASE}/children/{child['id']}/plans/new", data)
    assert first.status_code == again.status_code == 303
    page = text_of(teacher.get(f"{BASE}/children/{child['id']}"))
    assert term["name"] in page and "数学、语文" in page and buddy["name"] in page
    with app_session(app, "yangguang") as session:
        plans = session.scalars(
            select(LearningPlan).where(LearningPlan.child_id == child["id"])
        ).all()
        assert len(plans) == 1 and plans[0].helper_child_id == buddy["id"]

    second = post(teacher, f"{BASE}/children/{child['id']}/plans/new", plan_form(term["id"]))
    assert second.status_code == 422
    assert "这个学期已有帮扶计划" in text_of(second)


def test_the_checkpoints_are_kept_up_during_the_term(app: Flask, teacher: FlaskClient) -> None:
    child = class_children(app)[0]
    term = demo_terms(app)[0]
    made = post(teacher, f"{BASE}/children/{child['id']}/plans/new", plan_form(term["id"]))
    plan_id = int(re.search(r"#plan-(\d+)", made.headers["Location"]).group(1))
    edit = text_of(teacher.get(f"{BASE}/plans/{plan_id}/edit"))
    assert "11月：乘法口诀" in edit
    changed = post(
        teacher,
        f"{BASE}/plans/{plan_id}/edit",
        {**plan_form(term["id"]), "checkpoints": "11月：乘法口诀已背熟\n12月：两位数乘法"},
    )
    assert changed.status_code == 303
    assert "两位数乘法" in text_of(teacher.get(f"{BASE}/children/{child['id']}"))


def test_term_scores_are_shown_by_term_with_the_rank(app: Flask, teacher: FlaskClient) -> None:
    child = class_children(app)[0]
    first, second = demo_terms(app)
    saved = post(
        teacher,
        f"{BASE}/children/{child['id']}/terms/{first['id']}/scores",
        scores_form([("语文", "78", "12"), ("数学", "65.5", "")]),
    )
    assert saved.status_code == 303
    post(
        teacher,
        f"{BASE}/children/{child['id']}/terms/{second['id']}/scores",
        scores_form([("语文", "85", "6"), ("数学", "81", "9")]),
    )
    page = text_of(teacher.get(f"{BASE}/children/{child['id']}"))
    table = page[page.index("<table") : page.index("</table>")]
    rows = re.findall(r"<tr>(.*?)</tr>", table, re.S)
    assert first["name"] in rows[1] and second["name"] in rows[2]  # the older term first
    first_row = re.sub(r"<[^>]+>", " ", rows[1])
    second_row = re.sub(r"<[^>]+>", " ", rows[2])
    assert "78" in first_row and "65.5" in first_row and "班级第12名" in first_row
    assert "85" in second_row and "81" in second_row and "班级第6名" in second_row
    assert "<polyline" in table  # the little trend line, drawn on the server

    # a term's form starts from the scores it holds
    form = text_of(teacher.get(f"{BASE}/children/{child['id']}/terms/{second['id']}/scores"))
    assert 'value="85"' in form and 'value="语文"' in form


def test_saving_the_same_scores_again_changes_nothing_and_an_empty_score_removes_one(
    app: Flask, teacher: FlaskClient
) -> None:
    child = class_children(app)[0]
    term = demo_terms(app)[0]
    url = f"{BASE}/children/{child['id']}/terms/{term['id']}/scores"
    post(teacher, url, scores_form([("语文", "78", "12"), ("数学", "65", "")]))
    post(teacher, url, scores_form([("语文", "78", "12"), ("数学", "65", "")]))
    post(teacher, url, scores_form([("语文", "78", "12"), ("数学", "", "")]))
    with app_session(app, "yangguang") as session:
        kept = session.scalars(select(TermScore).where(TermScore.child_id == child["id"])).all()
        assert [(s.subject, s.score, s.class_rank) for s in kept] == [("语文", 78.0, 12)]
        logged = session.scalars(
            select(AuditEvent).where(
                AuditEvent.subject == "term_score", AuditEvent.child_id == child["id"]
            )
        ).all()
        assert [event.fields for event in logged] == [["数学", "语文"], ["数学"]]


def test_a_wrong_score_comes_back_with_a_chinese_message_and_the_values_kept(
    app: Flask, teacher: FlaskClient
) -> None:
    child = class_children(app)[0]
    term = demo_terms(app)[0]
    response = post(
        teacher,
        f"{BASE}/children/{child['id']}/terms/{term['id']}/scores",
        scores_form([("语文", "780", "1"), ("", "90", ""), ("数学", "88", "第三")]),
    )
    assert response.status_code == 422
    page = text_of(response)
    assert "请填写 0 到 150 之间的分数" in page
    assert "请填写科目" in page
    assert "名次请填整数" in page
    assert 'value="780"' in page and 'value="第三"' in page
    with app_session(app, "yangguang") as session:
        assert not session.scalars(select(TermScore).where(TermScore.child_id == child["id"])).all()


def test_learning_support_needs_a_pairing_or_the_class(app: Flask, client: FlaskClient) -> None:
    children = class_children(app, "三年级二班")  # not 王丽's class; the volunteer's two
    switch_to(client, "13800000002")
    assert client.get(f"{BASE}/children/{children[0]['id']}").status_code == 404
    switch_to(client, VOLUNTEER_PHONE)  # no learning support at all: as if there were no child
    assert client.get(f"{BASE}/children/{children[0]['id']}").status_code == 404
    paired = next(
        c for c in class_children(app) if proxy_parent_of(app, c["id"]) not in (None, "13800000002")
    )
    switch_to(client, proxy_parent_of(app, paired["id"]))  # a teacher of another class
    page = client.get(f"{BASE}/children/{paired['id']}")
    assert page.status_code == 200 and "学习帮扶" in text_of(page)


def test_a_plan_keeps_its_helper_after_the_helper_changed_class(
    app: Flask, teacher: FlaskClient
) -> None:
    child, buddy = class_children(app)[:2]
    term = demo_terms(app)[0]
    data = plan_form(term["id"], helper=f"child:{buddy['id']}")
    made = post(teacher, f"{BASE}/children/{child['id']}/plans/new", data)
    plan_id = int(re.search(r"#plan-(\d+)", made.headers["Location"]).group(1))
    with app_session(app, "yangguang") as session:
        other_class = session.scalar(select(SchoolClass.id).where(SchoolClass.name == "四年级一班"))
        session.get(Child, buddy["id"]).class_id = other_class
    edit = text_of(teacher.get(f"{BASE}/plans/{plan_id}/edit"))
    assert f'selected value="child:{buddy["id"]}"' in edit
    saved = post(teacher, f"{BASE}/plans/{plan_id}/edit", {**data, "goals": "期末数学 85 分"})
    assert saved.status_code == 303
    with app_session(app, "yangguang") as session:
        plan = session.get(LearningPlan, plan_id)
        assert plan.helper_child_id == buddy["id"] and plan.goals == "期末数学 85 分"
