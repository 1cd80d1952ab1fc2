"""The school's coverage board, its drill-downs and the cadences a principal sets."""

from __future__ import annotations

import re
import uuid
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.care.demo_day import freeze_today
from tests.conftest import app_session
from tests.helpers import csrf_token, text_of
from webapp.auth.service import create_user, find_user_by_phone
from webapp.care import service
from webapp.care.models import CareKind, DutyCadence, DutyKey, PairingKind
from webapp.children.models import Gender, ParentRelation, ParentSituation, Stage
from webapp.children.service import create_class, register_child
from webapp.core.audit import AuditEvent

BOARD = "/s/yangguang/care/coverage"
CADENCES = "/s/yangguang/care/cadences"
MONDAY = date(2026, 11, 23)  # the week of the demo's day


@pytest.fixture
def on_demo_day(monkeypatch: pytest.MonkeyPatch) -> date:
    return freeze_today(monkeypatch)


@pytest.fixture
def new_class(app: Flask, transaction: None) -> dict:
    """四年级二班: four left-behind children and one who is not, each paired to one proxy
    parent; this week she has talked with one of the four."""
    with app_session(app, "yangguang") as session:
        teacher = find_user_by_phone(session, "13800000002")
        proxy = create_user(session, phone="17700009999", name="孙老师", password_hash="x")
        school_class = create_class(
            session, name="四年级二班", stage=Stage.PRIMARY, grade=4, section=2
        )
        school_class.teacher_id = teacher.id
        children = []
        for n, away in enumerate([True, True, True, True, False]):
            situation = ParentSituation.WORKING_AWAY if away else ParentSituation.AT_HOME
            child = register_child(
                session,
                actor_id=None,
                name=f"测试{'甲乙丙丁戊'[n]}",
                gender=Gender.MALE,
                birth_date=date(2016, 3, 1),
                school_class=school_class,
                parents={ParentRelation.FATHER: {"situation": situation}},
                enrolled_on=date(2023, 9, 1),
            )
            service.pair(
                session,
                child,
                kind=PairingKind.PROXY_PARENT,
                user_id=proxy.id,
                started_on=date(2026, 9, 1),
                actor_id=None,
            )
            children.append(child)
        service.record_care(
            session,
            uid=uuid.uuid4(),
            child=children[0],
            kind=CareKind.TALK,
            author_id=proxy.id,
            happened_on=MONDAY,
            notes="聊了学习。",
        )
        return {
            "class_id": school_class.id,
            "children": {c.name: c.id for c in children},
            "proxy": proxy.name,
        }


def cell(html: str, duty: DutyKey, class_id: int) -> str:
    """The text of one cell of the board."""
    href = f"/s/yangguang/care/coverage/{duty.value}/{class_id}"
    match = re.search(rf'<a href="{href}">(.*?)</a>', html, re.S)
    assert match, f"no cell for {duty} in class {class_id}"
    return re.sub(r"<[^>]+>|\s+", " ", match.group(1)).split()


def test_the_board_shows_a_classes_share_and_drills_down_to_its_children(
    principal: FlaskClient, new_class: dict, on_demo_day: date
) -> None:
    board = text_of(principal.get(BOARD))
    assert "代理家长谈心" in board and "本周" in board and "本双周" in board
    assert cell(board, DutyKey.PROXY_PARENT_TALK, new_class["class_id"]) == ["25%", "25%", "1/4"]
    assert cell(board, DutyKey.CLASS_TEACHER_TALK, new_class["class_id"])[0] == "0%"
    assert '<meter class="bar"' in board

    drill = text_of(
        principal.get(f"/s/yangguang/care/coverage/proxy_parent_talk/{new_class['class_id']}")
    )
    names = re.findall(r'<span class="title">([^<]+)</span>', drill)
    assert sorted(names) == ["测试丁", "测试丙", "测试乙", "测试甲"]  # not 测试戊, not left behind
    assert "已完成 1 / 4" in drill and drill.count(new_class["proxy"]) == 4
    done = re.search(r"测试甲.*?duty-state (\w+)", drill, re.S).group(1)
    assert done == "done" and "11月23日" in drill
    assert re.search(r"测试乙.*?duty-state overdue", drill, re.S)


def test_the_board_counts_the_children_without_a_proxy_parent(
    app: Flask, principal: FlaskClient, new_class: dict, on_demo_day: date
) -> None:
    board = text_of(principal.get(BOARD))
    count = int(re.search(r"(\d+) 名留守儿童还没有代理家长", board).group(1))
    listing = text_of(principal.get("/s/yangguang/care/coverage/unpaired"))
    assert len(re.findall(r'<li><a class="row"', listing)) == count > 0
    assert "测试甲" not in listing  # paired


def test_a_drill_down_of_another_duty_or_a_class_that_is_not_there_is_not_found(
    principal: FlaskClient, new_class: dict
) -> None:
    unknown_duty = f"/s/yangguang/care/coverage/nothing/{new_class['class_id']}"
    assert principal.get(unknown_duty).status_code == 404
    assert principal.get("/s/yangguang/care/coverage/home_visit/999999").status_code == 404


def test_a_class_teacher_may_not_open_the_board_or_the_cadences(teacher: FlaskClient) -> None:
    assert teacher.get(BOARD).status_code == 403
    assert teacher.get(CADENCES).status_code == 403
    assert "落实情况" not in text_of(teacher.get("/s/yangguang/"))


def cadence_form(**changes: str) -> dict:
    values = {}
    for duty in DutyKey:
        values[f"{duty.value}_period"] = {
            DutyKey.PROXY_PARENT_TALK: "week",
            DutyKey.CLASS_TEACHER_TALK: "fortnight",
            DutyKey.PARENT_CONTACT: "month",
            DutyKey.HOME_VISIT: "term",
            DutyKey.LETTER_HOME: "term",
            DutyKey.ACTIVITY: "week",
            DutyKey.FAMILY_CALL: "week",
        }[duty]
        if duty != DutyKey.FAMILY_CALL:
            values[f"{duty.value}_enabled"] = "y"
    values.update(changes)
    return {key: value for key, value in values.items() if value is not None}


def test_the_principal_switches_a_duty_off_and_changes_a_period_and_it_is_logged(
    app: Flask, principal: FlaskClient, new_class: dict, on_demo_day: date
) -> None:
    page = text_of(principal.get(CADENCES))
    assert "关爱工作频次" in page and "默认：每两周" in page
    response = principal.post(
        CADENCES,
        data={
            "csrf_token": csrf_token(principal, CADENCES),
            **cadence_form(activity_enabled=None, class_teacher_talk_period="week"),
        },
    )
    assert response.status_code == 303
    assert "频次已保存" in text_of(principal.get(response.headers["Location"]))
    board = text_of(principal.get(BOARD))
    assert "关爱活动" not in board and "本双周" not in board
    assert cell(board, DutyKey.CLASS_TEACHER_TALK, new_class["class_id"])[0] == "0%"
    with app_session(app, "yangguang") as session:
        rows = {c.duty: (c.period, c.enabled) for c in session.scalars(select(DutyCadence))}
        assert rows == {
            DutyKey.ACTIVITY: ("week", False),
            DutyKey.CLASS_TEACHER_TALK: ("week", True),
        }
        logged = session.scalars(
            select(AuditEvent).where(AuditEvent.subject == "duty_cadence")
        ).all()
        assert sorted(e.fields[0] for e in logged) == ["activity", "class_teacher_talk"]


def test_a_duty_switched_off_leaves_the_class_teachers_today_page(
    app: Flask, teacher: FlaskClient, on_demo_day: date
) -> None:
    assert "关爱活动" in text_of(teacher.get("/s/yangguang/"))
    with app_session(app, "yangguang") as session:
        service.set_cadence(session, DutyKey.ACTIVITY, period="week", enabled=False, actor_id=None)
    assert "关爱活动" not in text_of(teacher.get("/s/yangguang/"))


def test_an_unknown_period_is_refused_next_to_the_field(principal: FlaskClient) -> None:
    response = principal.post(
        CADENCES,
        data={
            "csrf_token": csrf_token(principal, CADENCES),
            **cadence_form(home_visit_period="daily"),
        },
    )
    assert response.status_code == 422
    assert "请选择这项工作多久做一次" in text_of(response)


def test_saving_the_same_cadences_changes_nothing(app: Flask, principal: FlaskClient) -> None:
    response = principal.post(
        CADENCES, data={"csrf_token": csrf_token(principal, CADENCES), **cadence_form()}
    )
    assert "没有改动" in text_of(principal.get(response.headers["Location"]))
    with app_session(app, "yangguang") as session:
        assert session.scalars(select(DutyCadence)).all() == []
