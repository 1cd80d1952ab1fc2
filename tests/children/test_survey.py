"""The term survey (摸底): a class teacher confirms each card in one tap, leaders watch the
completion per class and the 建档率, and nobody confirms for a class that is not theirs."""

from __future__ import annotations

import re
from datetime import date

from flask import Flask, g, render_template
from flask.testing import FlaskClient
from sqlalchemy import delete, func, select

from tests.conftest import app_session
from tests.helpers import csrf_token, log_in, text_of
from webapp.care.models import LearningPlan
from webapp.children import survey
from webapp.children.access import ON_ROLL
from webapp.children.models import (
    Child,
    ChildStatus,
    SchoolClass,
    SurveyConfirmation,
    SurveyOutcome,
)
from webapp.children.queries import archive_gaps, with_card_details
from webapp.core.audit import AuditAction, AuditEvent
from webapp.core.i18n import local_today
from webapp.core.org import Tenant
from webapp.core.permissions import Role
from webapp.reports.models import TermDocument
from webapp.tenants.calendar import current_term
from webapp.tenants.models import Term

CLASS = "三年级一班"
PANEL = {"HX-Request": "true", "HX-Target": "survey-child"}
CONFIRM_URL = re.compile(r'action="(/s/yangguang/survey/classes/\d+/children/(\d+))"')


def class_facts(app: Flask, class_name: str = CLASS) -> dict:
    with app_session(app, "yangguang") as session:
        school_class = session.scalar(select(SchoolClass).where(SchoolClass.name == class_name))
        return {
            "id": school_class.id,
            "teacher_id": school_class.teacher_id,
            "teacher_phone": school_class.teacher.phone,
            "child_ids": set(
                session.scalars(
                    select(Child.id).where(
                        Child.class_id == school_class.id, Child.status.in_(ON_ROLL)
                    )
                )
            ),
        }


def forget_this_terms_survey(app: Flask, class_name: str = CLASS) -> None:
    """Start the class's survey afresh (the demo has about 60 % confirmed)."""
    with app_session(app, "yangguang") as session:
        term = current_term(session, local_today())
        in_class = select(Child.id).join(Child.school_class).where(SchoolClass.name == class_name)
        session.execute(
            delete(SurveyConfirmation).where(
                SurveyConfirmation.term_id == term.id, SurveyConfirmation.child_id.in_(in_class)
            )
        )


def confirmations(app: Flask, child_id: int) -> list[tuple[SurveyOutcome, int]]:
    with app_session(app, "yangguang") as session:
        term = current_term(session, local_today())
        rows = session.scalars(
            select(SurveyConfirmation).where(
                SurveyConfirmation.term_id == term.id, SurveyConfirmation.child_id == child_id
            )
        )
        return [(row.outcome, row.confirmed_by_id) for row in rows]


def survey_audit_rows(app: Flask, child_id: int) -> int:
    with app_session(app, "yangguang") as session:
        return session.scalar(
            select(func.count()).where(
                AuditEvent.child_id == child_id, AuditEvent.action == AuditAction.SURVEY
            )
        )


def post(client: FlaskClient, url: str, data: dict, **kwargs):
    return client.post(url, data={"csrf_token": csrf_token(client, "/me"), **data}, **kwargs)


def switch_to(client: FlaskClient, phone: str) -> None:
    client.post("/logout", data={"csrf_token": csrf_token(client, "/me")})
    log_in(client, phone)


def test_wang_li_confirms_her_class_one_child_per_tap_until_done(
    app: Flask, teacher: FlaskClient
) -> None:
    forget_this_terms_survey(app)
    facts = class_facts(app)
    url = f"/s/yangguang/survey/classes/{facts['id']}"
    index = text_of(teacher.get("/s/yangguang/survey/"))
    assert "已确认 0 / 10" in index and "开始摸底" in index
    page = text_of(teacher.get(url))
    assert "第 1 / 10 个" in page and "无变化" in page and "修改档案" in page
    seen = []
    for position in range(1, 11):
        action, child_id = CONFIRM_URL.search(page).groups()
        seen.append(int(child_id))
        page = text_of(post(teacher, action, {"outcome": "unchanged"}, headers=PANEL))
        assert page.startswith('<div id="survey-child"') and "<html" not in page
        if position < 10:
            assert f"第 {position + 1} / 10 个" in page
    assert set(seen) == facts["child_ids"] and len(seen) == 10
    assert "全部档案已确认" in page and "10 份档案已全部确认" in page
    assert all(
        confirmations(app, i) == [(SurveyOutcome.UNCHANGED, facts["teacher_id"])] for i in seen
    )
    assert "已确认 10 / 10" in text_of(teacher.get("/s/yangguang/survey/"))
    assert all(survey_audit_rows(app, i) == 1 for i in seen)


def test_without_javascript_a_tap_goes_back_to_the_class_page_with_the_next_child(
    app: Flask, teacher: FlaskClient
) -> None:
    forget_this_terms_survey(app)
    facts = class_facts(app)
    page = text_of(teacher.get(f"/s/yangguang/survey/classes/{facts['id']}"))
    assert page.startswith("<!doctype html>") and 'id="survey-child"' in page
    action, child_id = CONFIRM_URL.search(page).groups()
    response = post(teacher, action, {"outcome": "unchanged"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/s/yangguang/survey/classes/{facts['id']}")
    after = text_of(teacher.get(response.headers["Location"]))
    assert "第 2 / 10 个" in after and "的档案。" in after
    assert CONFIRM_URL.search(after).group(2) != child_id


def test_a_double_tap_or_a_retry_makes_one_confirmation(app: Flask, teacher: FlaskClient) -> None:
    forget_this_terms_survey(app)
    facts = class_facts(app)
    page = text_of(teacher.get(f"/s/yangguang/survey/classes/{facts['id']}"))
    action, child_id = CONFIRM_URL.search(page).groups()
    first = post(teacher, action, {"outcome": "unchanged"}, headers=PANEL)
    again = post(teacher, action, {"outcome": "updated"}, headers=PANEL)
    assert first.status_code == again.status_code == 200
    assert "第 2 / 10 个" in text_of(again)
    assert len(confirmations(app, int(child_id))) == 1
    assert confirmations(app, int(child_id))[0][0] == SurveyOutcome.UNCHANGED
    assert survey_audit_rows(app, int(child_id)) == 1


def test_a_card_updated_on_the_way_is_confirmed_as_updated(
    app: Flask, teacher: FlaskClient
) -> None:
    forget_this_terms_survey(app)
    facts = class_facts(app)
    page = text_of(teacher.get(f"/s/yangguang/survey/classes/{facts['id']}"))
    action, child_id = CONFIRM_URL.search(page).groups()
    assert f'href="/s/yangguang/children/{child_id}"' in page  # 修改档案 opens the card
    assert post(teacher, action, {"outcome": "updated"}).status_code == 303
    assert confirmations(app, int(child_id))[0][0] == SurveyOutcome.UPDATED


def test_a_card_that_lacks_something_says_so_on_the_survey_screen(
    app: Flask, teacher: FlaskClient
) -> None:
    forget_this_terms_survey(app)
    facts = class_facts(app)
    page = text_of(teacher.get(f"/s/yangguang/survey/classes/{facts['id']}"))
    child_id = int(CONFIRM_URL.search(page).group(2))
    with app_session(app, "yangguang") as session:
        session.get(Child, child_id).address = None
    page = text_of(teacher.get(f"/s/yangguang/survey/classes/{facts['id']}"))
    assert "档案还缺：" in page and "家庭住址" in page


def test_an_unknown_outcome_is_refused_and_the_same_child_stays(
    app: Flask, teacher: FlaskClient
) -> None:
    forget_this_terms_survey(app)
    facts = class_facts(app)
    page = text_of(teacher.get(f"/s/yangguang/survey/classes/{facts['id']}"))
    action, child_id = CONFIRM_URL.search(page).groups()
    response = post(teacher, action, {"outcome": "maybe"}, headers=PANEL)
    assert (
        response.status_code == 422 and CONFIRM_URL.search(text_of(response)).group(2) == child_id
    )
    assert confirmations(app, int(child_id)) == []


def test_another_class_teacher_a_leader_and_another_school_cannot_confirm(
    app: Flask, client: FlaskClient
) -> None:
    own, other = class_facts(app), class_facts(app, "三年级二班")
    own_child = min(own["child_ids"])
    before = confirmations(app, own_child)
    confirm = f"/s/yangguang/survey/classes/{own['id']}/children/{own_child}"
    log_in(client, other["teacher_phone"])
    assert client.get(f"/s/yangguang/survey/classes/{own['id']}").status_code == 404
    assert post(client, confirm, {"outcome": "unchanged"}).status_code == 404
    switch_to(client, "13800000001")  # the principal looks, but does not confirm for 王丽
    assert "由班主任逐一确认档案" in text_of(client.get(f"/s/yangguang/survey/classes/{own['id']}"))
    assert post(client, confirm, {"outcome": "unchanged"}).status_code == 404
    switch_to(client, "13800000005")  # 红星小学's class teacher
    assert client.get(f"/s/yangguang/survey/classes/{own['id']}").status_code == 404
    assert post(client, confirm, {"outcome": "unchanged"}).status_code == 404
    assert confirmations(app, own_child) == before


def test_a_child_of_another_class_or_no_longer_on_the_roll_is_not_found(
    app: Flask, teacher: FlaskClient
) -> None:
    own, other = class_facts(app), class_facts(app, "三年级二班")
    base = f"/s/yangguang/survey/classes/{own['id']}/children"
    assert (
        post(teacher, f"{base}/{min(other['child_ids'])}", {"outcome": "unchanged"}).status_code
        == 404
    )
    gone = min(own["child_ids"])
    with app_session(app, "yangguang") as session:
        session.get(Child, gone).status = ChildStatus.TRANSFERRED
    assert post(teacher, f"{base}/{gone}", {"outcome": "unchanged"}).status_code == 404


def expected_rates(app: Flask) -> tuple[int, int]:
    with app_session(app, "yangguang") as session:
        children = session.scalars(
            with_card_details(select(Child).where(Child.status == ChildStatus.ACTIVE))
        ).all()
        return sum(not archive_gaps(c) for c in children), len(children)


def test_leaders_see_completion_per_class_and_the_archive_rate_drops_with_an_incomplete_card(
    app: Flask, principal: FlaskClient
) -> None:
    complete, total = expected_rates(app)
    page = text_of(principal.get("/s/yangguang/survey/"))
    assert f"建档率：{complete} / {total} 份档案完整" in page
    assert f"{complete * 100 // total}%" in page
    for name in ("一年级一班", "三年级一班", "三年级二班", "六年级一班"):
        assert name in page
    # Seven classes of ten; 四年级一班 has one more, who came from 红星小学 this term.
    assert len(re.findall(r"已确认 \d+ / 1[01]", page)) == 7
    with app_session(app, "yangguang") as session:
        child = next(
            c
            for c in session.scalars(with_card_details(select(Child).order_by(Child.id)))
            if not archive_gaps(c)
        )
        child.address = None
    page = text_of(principal.get("/s/yangguang/survey/"))
    assert f"建档率：{complete - 1} / {total} 份档案完整" in page


def test_the_school_figures_follow_the_confirmations(app: Flask, transaction: None) -> None:
    with app_session(app, "yangguang") as session:
        term = current_term(session, date(2026, 11, 15))
        before = survey.school_survey(session, term, date(2026, 11, 15))
        on_roll = session.scalar(
            select(func.count()).select_from(Child).where(Child.status.in_(ON_ROLL))
        )
        confirmed = session.scalar(
            select(func.count()).where(SurveyConfirmation.term_id == term.id)
        )
        assert (before.on_roll, before.confirmed) == (on_roll, confirmed)
        assert sum(c.on_roll for c in before.classes) == 71
        child = session.scalars(
            select(Child).where(Child.id.not_in(select(SurveyConfirmation.child_id)))
        ).first()
        _row, created = survey.confirm_card(
            session, term=term, child=child, outcome=SurveyOutcome.UNCHANGED, actor_id=None
        )
        _row, created_again = survey.confirm_card(
            session, term=term, child=child, outcome=SurveyOutcome.UPDATED, actor_id=None
        )
        after = survey.school_survey(session, term, date(2026, 11, 15))
        assert created and not created_again and after.confirmed == before.confirmed + 1


def test_the_survey_is_due_a_month_after_term_start_and_overdue_only_while_unfinished(
    app: Flask, transaction: None
) -> None:
    with app_session(app, "yangguang") as session:
        term = current_term(session, date(2026, 11, 15))
        early = survey.school_survey(session, term, date(2026, 9, 20))
        late = survey.school_survey(session, term, date(2026, 11, 15))
        assert early.due_on == late.due_on == date(2026, 10, 1)
        assert not early.overdue and late.overdue  # the demo has children left to confirm
        for child in session.scalars(select(Child).where(Child.status.in_(ON_ROLL))):
            survey.confirm_card(
                session, term=term, child=child, outcome=SurveyOutcome.UNCHANGED, actor_id=None
            )
        finished = survey.school_survey(session, term, date(2026, 11, 15))
        assert finished.percent == 100 and not finished.overdue


def test_the_index_shows_the_term_and_its_due_date(app: Flask, teacher: FlaskClient) -> None:
    with app_session(app, "yangguang") as session:
        term = current_term(session, local_today())
        full_name = term.full_name
    page = text_of(teacher.get("/s/yangguang/survey/"))
    assert full_name in page and "截止" in page and CLASS in page


def test_with_no_term_the_survey_says_so_and_leaders_are_sent_to_set_up(
    app: Flask, client: FlaskClient
) -> None:
    with app_session(app, "yangguang") as session:
        session.execute(delete(SurveyConfirmation))
        session.execute(delete(LearningPlan))  # the demo's learning plans belong to a term
        session.execute(delete(TermDocument))  # and so does its term plan
        session.execute(delete(Term))
    log_in(client, "13800000002")
    page = text_of(client.get("/s/yangguang/survey/"))
    assert "尚未设置学期" in page and "/s/yangguang/setup/years/" not in page
    switch_to(client, "13800000001")
    page = text_of(client.get("/s/yangguang/survey/"))
    assert "尚未设置学期" in page and "/s/yangguang/setup/years/" in page


def test_roles_without_a_part_in_the_survey_are_refused(app: Flask, client: FlaskClient) -> None:
    log_in(client, "13800000003")  # the room keeper
    assert client.get("/s/yangguang/survey/").status_code == 403


def render_today_partial(app: Flask, user_id: int, roles: set[Role], today: date) -> str:
    """The partial as the today page includes it."""
    with app_session(app, "yangguang") as session:
        summary = survey.today_summary(session, user_id, frozenset(roles), today)
        with app.test_request_context("/"):
            g.tenant = session.scalar(select(Tenant).where(Tenant.slug == "yangguang"))
            return render_template("survey/_today.html", survey_summary=summary)


def test_the_today_page_partial_tells_a_teacher_what_is_left_and_leaders_the_rates(
    app: Flask, transaction: None
) -> None:
    forget_this_terms_survey(app)
    wang_li = class_facts(app)["teacher_id"]
    html = render_today_partial(app, wang_li, {Role.CLASS_TEACHER}, date(2026, 9, 10))
    assert "三年级一班：还有 10 份档案待确认" in html and "逾期" not in html
    assert "/s/yangguang/survey/classes/" in html
    html = render_today_partial(app, 0, {Role.PRINCIPAL}, date(2026, 11, 15))
    assert "建档率" in html and "摸底完成" in html and "逾期" in html
    assert render_today_partial(app, 0, {Role.ROOM_KEEPER}, date(2026, 11, 15)).strip() == ""


def test_a_kindergarten_teacher_surveys_her_class_too(client: FlaskClient) -> None:
    log_in(client, "13800000004")  # 刘芳, 大班 at 阳光幼儿园
    page = text_of(client.get("/s/yangguang-kg/survey/"))
    assert "大班" in page and re.search(r"已确认 \d+ / 22", page)
    assert "小班" not in page
