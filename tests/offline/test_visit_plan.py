"""The visit plan: a teacher marks children "to visit" on a day from their card; the home-visit
pack takes today's plan, or, with nothing planned, her paired children due a visit, and says
which. The plan is the teacher's own, of children she may visit, in her school only."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.care.demo_day import freeze_today
from tests.care.people import post
from tests.conftest import app_session
from tests.helpers import log_in, text_of
from webapp.auth.service import find_user_by_phone
from webapp.care.models import Pairing
from webapp.children.models import Child, SchoolClass
from webapp.demo.care import DEMO_TODAY
from webapp.offline.models import PlannedVisit

TEACHER = "13800000002"  # 王丽, class teacher of 三年级一班
PACK = "/s/yangguang/offline/pack"


@pytest.fixture
def on_demo_day(monkeypatch: pytest.MonkeyPatch) -> date:
    return freeze_today(monkeypatch, DEMO_TODAY)


def children_of(app: Flask, class_name: str) -> list[tuple[int, str]]:
    with app_session(app, "yangguang") as session:
        return [
            (c.id, c.name)
            for c in session.scalars(
                select(Child)
                .join(SchoolClass, SchoolClass.id == Child.class_id)
                .where(SchoolClass.name == class_name)
                .order_by(Child.id)
            )
        ]


def plan(client: FlaskClient, child_id: int, day: date, **more) -> object:
    return post(client, f"/s/yangguang/offline/plan/{child_id}", {"day": day.isoformat(), **more})


def ticked(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'name="child_id" value="(\d+)" checked', page)]


def test_a_child_marked_to_visit_today_is_in_the_pack_ticked(
    app: Flask, client: FlaskClient, on_demo_day: date
) -> None:
    log_in(client, TEACHER)
    (first, first_name), (second, _name) = children_of(app, "三年级一班")[8:10]
    card = text_of(client.get(f"/s/yangguang/children/{first}"))
    assert 'id="visit-plan"' in card and "计划家访" in card  # leads to the day to choose
    page = text_of(client.get(f"/s/yangguang/offline/plan/{first}"))
    assert f'value="{on_demo_day.isoformat()}"' in page and first_name in page
    answer = plan(client, first, on_demo_day)
    assert answer.status_code == 303 and answer.headers["Location"].endswith(f"/children/{first}")
    assert plan(client, first, on_demo_day).status_code == 303  # twice: still once
    assert plan(client, second, on_demo_day + timedelta(days=1)).status_code == 303  # tomorrow
    with app_session(app, "yangguang") as session:
        assert session.query(PlannedVisit).filter(PlannedVisit.child_id == first).count() == 1
    page = text_of(client.get(PACK))
    assert ticked(page) == [first]
    assert "今天的家访计划" in page
    # Off the plan from the pack page: nothing planned today any more.
    answer = plan(client, first, on_demo_day, back="pack", remove="1")
    assert answer.headers["Location"].endswith("/offline/pack")
    page = text_of(client.get(PACK))
    assert first not in ticked(page) and "今天没有家访计划" in page
    assert first_name in page  # still among her own children, to tick by hand


@pytest.mark.usefixtures("without_demo_care")  # no home visit yet this term: all are due
def test_with_nothing_planned_the_pack_takes_the_paired_children_due_a_visit(
    app: Flask, client: FlaskClient, on_demo_day: date
) -> None:
    log_in(client, TEACHER)
    with app_session(app, "yangguang") as session:
        teacher = find_user_by_phone(session, TEACHER)
        paired = set(
            session.scalars(
                select(Pairing.child_id).where(
                    Pairing.user_id == teacher.id, Pairing.ended_on.is_(None)
                )
            )
        )
    page = text_of(client.get(PACK))
    chosen = ticked(page)
    assert chosen and set(chosen) <= paired
    assert "今天没有家访计划：以下是您结对的、本学期尚需家访的儿童。" in page


def test_a_day_past_is_refused_and_a_child_out_of_reach_is_not_found(
    app: Flask, client: FlaskClient, on_demo_day: date
) -> None:
    log_in(client, TEACHER)
    (mine, _name) = children_of(app, "三年级一班")[8]
    answer = plan(client, mine, on_demo_day - timedelta(days=1))
    assert answer.status_code == 422
    assert re.search(r'<p class="error">这一天已经过去了。</p>', text_of(answer))
    (other, _name) = children_of(app, "一年级一班")[0]
    assert plan(client, other, on_demo_day).status_code == 404
    with app_session(app, "yangguang") as session:
        assert session.query(PlannedVisit).count() == 0


def test_a_planned_child_may_go_in_the_pack(
    app: Flask, client: FlaskClient, on_demo_day: date
) -> None:
    log_in(client, TEACHER)
    (child_id, name) = children_of(app, "三年级一班")[8]
    plan(client, child_id, on_demo_day)
    answer = client.get(f"{PACK}.json?child_id={child_id}")
    assert answer.status_code == 200
    assert [c["name"] for c in answer.get_json()["children"]] == [name]
