"""Setting up a school: classes with their teachers, school years with their terms."""

from __future__ import annotations

import re
from datetime import date

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.conftest import app_session
from tests.helpers import csrf_token, text_of
from webapp.children.models import SchoolClass, Stage
from webapp.core.audit import AuditAction, AuditEvent
from webapp.tenants.models import SchoolYear, Term

NEW_YEAR = {
    "name": "2027—2028学年",
    "starts_on": "2027-08-20",
    "ends_on": "2028-07-31",
    "first_term_starts": "2027-09-01",
    "first_term_ends": "2028-01-21",
    "second_term_starts": "2028-02-21",
    "second_term_ends": "2028-07-07",
}


def post(client: FlaskClient, url: str, data: dict, **kwargs):
    return client.post(url, data={"csrf_token": csrf_token(client, "/me"), **data}, **kwargs)


def class_form(**changes) -> dict:
    values = {"name": "四年级二班", "stage": "primary", "grade": "4", "section": "2"}
    values.update(changes)
    return values


def class_id(app: Flask, name: str) -> int | None:
    with app_session(app, "yangguang") as session:
        return session.scalar(select(SchoolClass.id).where(SchoolClass.name == name))


def error_next_to(html: str, field: str) -> str:
    """The message under a field (the forms macro puts it right after the input)."""
    match = re.search(rf'<p class="error" id="{field}-error">([^<]+)</p>', html)
    return match.group(1) if match else ""


def test_the_principal_adds_a_class_and_it_is_logged(app: Flask, principal: FlaskClient) -> None:
    response = post(principal, "/s/yangguang/setup/classes/new", class_form())
    assert response.status_code == 303
    listing = text_of(principal.get(response.headers["Location"]))
    assert "已添加班级四年级二班。" in listing and "四年级二班" in listing
    new_id = class_id(app, "四年级二班")
    with app_session(app, "yangguang") as session:
        school_class = session.get(SchoolClass, new_id)
        assert (school_class.stage, school_class.grade, school_class.section) == (
            Stage.PRIMARY,
            4,
            2,
        )
        assert (
            session.scalar(
                select(AuditEvent.action).where(
                    AuditEvent.subject == "school_class", AuditEvent.subject_id == new_id
                )
            )
            == AuditAction.CREATE
        )


def test_a_class_name_already_used_is_refused_next_to_the_field_with_the_values_kept(
    principal: FlaskClient,
) -> None:
    response = post(
        principal, "/s/yangguang/setup/classes/new", class_form(name="三年级一班", grade="7")
    )
    html = text_of(response)
    assert response.status_code == 422
    assert error_next_to(html, "name") == "本校已有名为“三年级一班”的班级。"
    assert 'value="三年级一班"' in html and 'value="7"' in html
    twice = [post(principal, "/s/yangguang/setup/classes/new", class_form()) for _ in range(2)]
    assert [r.status_code for r in twice] == [303, 422]  # a second tap adds no second class


def test_only_this_schools_class_teachers_can_be_chosen(app: Flask, principal: FlaskClient) -> None:
    html = text_of(principal.get("/s/yangguang/setup/classes/new"))
    teacher_select = re.search(r'<select[^>]*name="teacher_id".*?</select>', html, re.S).group(0)
    options = re.findall(r"<option[^>]*>([^<]+)</option>", teacher_select)
    assert "王丽" in options and "暂无班主任" in options
    for outsider in ("李建国", "张秀英", "陈志强", "刘芳", "蒋秀兰"):  # principal, keeper, others
        assert outsider not in options
    with app_session(app, "hongxing") as session:
        chen = session.scalar(
            select(SchoolClass.teacher_id).where(SchoolClass.name == "五年级一班")
        )
    response = post(principal, "/s/yangguang/setup/classes/new", class_form(teacher_id=chen))
    assert response.status_code == 422 and class_id(app, "四年级二班") is None


def test_a_class_gets_a_new_teacher_and_a_new_name(app: Flask, principal: FlaskClient) -> None:
    with app_session(app, "yangguang") as session:
        wang_li = session.scalar(
            select(SchoolClass.teacher_id).where(SchoolClass.name == "三年级一班")
        )
    two = class_id(app, "三年级二班")
    response = post(
        principal,
        f"/s/yangguang/setup/classes/{two}",
        class_form(name="三年级二班（合班）", grade="3", teacher_id=wang_li, is_active="y"),
    )
    assert response.status_code == 303
    with app_session(app, "yangguang") as session:
        school_class = session.get(SchoolClass, two)
        assert school_class.name == "三年级二班（合班）" and school_class.teacher_id == wang_li


def test_a_class_with_children_on_the_roll_cannot_be_taken_out_of_use(
    app: Flask, principal: FlaskClient
) -> None:
    full = class_id(app, "三年级一班")
    response = post(
        principal,
        f"/s/yangguang/setup/classes/{full}",
        class_form(name="三年级一班", grade="3", section="1"),  # "in use" left unticked
    )
    assert response.status_code == 422
    assert "本班还有 10 名在籍儿童" in error_next_to(text_of(response), "is_active")
    post(principal, "/s/yangguang/setup/classes/new", class_form())
    empty = class_id(app, "四年级二班")
    assert post(principal, f"/s/yangguang/setup/classes/{empty}", class_form()).status_code == 303
    listing = text_of(principal.get("/s/yangguang/setup/classes/"))
    assert "已停用" in listing
    with app_session(app, "yangguang") as session:
        assert session.get(SchoolClass, empty).is_active is False
        assert session.get(SchoolClass, full).is_active is True


def test_a_kindergarten_class_has_grades_one_to_three(app: Flask, principal: FlaskClient) -> None:
    response = post(
        principal,
        "/s/yangguang/setup/classes/new",
        class_form(name="学前班", stage="kindergarten", grade="4"),
    )
    assert response.status_code == 422
    assert "幼儿园只有 1 至 3 年级" in error_next_to(text_of(response), "grade")


def test_a_school_year_is_added_with_its_two_terms(app: Flask, principal: FlaskClient) -> None:
    response = post(principal, "/s/yangguang/setup/years/new", NEW_YEAR)
    assert response.status_code == 303
    listing = text_of(principal.get("/s/yangguang/setup/years/"))
    assert "2027—2028学年" in listing and "2027年9月1日至2028年1月21日" in listing
    with app_session(app, "yangguang") as session:
        year = session.scalar(select(SchoolYear).where(SchoolYear.name == "2027—2028学年"))
        assert [(t.number, t.name, t.starts_on) for t in year.terms] == [
            (1, "第一学期", date(2027, 9, 1)),
            (2, "第二学期", date(2028, 2, 21)),
        ]
    again = post(principal, "/s/yangguang/setup/years/new", NEW_YEAR)
    assert again.status_code == 422
    assert error_next_to(text_of(again), "name") == "本校已有名为“2027—2028学年”的学年。"


def test_school_year_dates_are_checked_field_by_field(principal: FlaskClient) -> None:
    cases = [
        ({"ends_on": "2027-08-01"}, "ends_on", "须晚于开始日期。"),
        ({"first_term_starts": "2027-08-01"}, "first_term_starts", "学期必须在学年之内"),
        ({"second_term_ends": "2028-08-15"}, "second_term_ends", "学期必须在学年之内"),
        ({"second_term_starts": "2028-01-10"}, "second_term_starts", "两个学期不能重叠"),
        ({"first_term_ends": ""}, "first_term_ends", "请填写日期。"),
        (
            {"name": "另一学年", "starts_on": "2027-07-01"},
            "starts_on",
            "日期与2026—2027学年重叠。",
        ),
    ]
    for changes, field, message in cases:
        response = post(principal, "/s/yangguang/setup/years/new", {**NEW_YEAR, **changes})
        html = text_of(response)
        assert response.status_code == 422, changes
        assert message in error_next_to(html, field), (changes, error_next_to(html, field))
        assert 'value="2027—2028学年"' in html or "另一学年" in html


def test_a_term_is_renamed_and_moved_inside_its_year_but_not_onto_the_other_term(
    app: Flask, principal: FlaskClient
) -> None:
    with app_session(app, "yangguang") as session:
        first = session.scalar(select(Term.id).where(Term.number == 1))
    url = f"/s/yangguang/setup/terms/{first}"
    assert "2026—2027学年第一学期" in text_of(principal.get(url))
    overlap = post(
        principal, url, {"name": "秋季学期", "starts_on": "2026-09-01", "ends_on": "2027-03-01"}
    )
    assert overlap.status_code == 422
    assert "日期与第二学期" in error_next_to(text_of(overlap), "starts_on")
    outside = post(
        principal, url, {"name": "秋季学期", "starts_on": "2026-08-01", "ends_on": "2027-01-20"}
    )
    assert "学期必须在学年之内" in error_next_to(text_of(outside), "starts_on")
    same_name = post(
        principal, url, {"name": "第二学期", "starts_on": "2026-09-01", "ends_on": "2027-01-20"}
    )
    assert error_next_to(text_of(same_name), "name") == "本学年已有同名学期。"
    moved = post(
        principal, url, {"name": "秋季学期", "starts_on": "2026-09-01", "ends_on": "2027-01-20"}
    )
    assert moved.status_code == 303
    with app_session(app, "yangguang") as session:
        term = session.get(Term, first)
        assert (term.name, term.ends_on) == ("秋季学期", date(2027, 1, 20))


def test_a_class_teacher_cannot_open_set_up(teacher: FlaskClient) -> None:
    for path in ("/s/yangguang/setup/", "/s/yangguang/setup/classes/", "/s/yangguang/setup/years/"):
        assert teacher.get(path).status_code == 403
    assert post(teacher, "/s/yangguang/setup/classes/new", class_form()).status_code == 403


def test_set_up_pages_open_for_the_principal(principal: FlaskClient) -> None:
    index = text_of(principal.get("/s/yangguang/setup/"))
    assert "班级与班主任" in index and "学年与学期" in index and "2026—2027学年第一学期" in index
    classes = text_of(principal.get("/s/yangguang/setup/classes/"))
    assert "三年级一班" in classes and "班主任：王丽" in classes
    form = text_of(principal.get("/s/yangguang/setup/classes/new"))
    assert re.search(r'<option selected value="primary">小学</option>', form)
    assert ">幼儿园</option>" in form


def test_another_schools_class_and_term_are_not_found(app: Flask, principal: FlaskClient) -> None:
    with app_session(app, "hongxing") as session:
        foreign_class = session.scalar(select(SchoolClass.id))
        foreign_term = session.scalar(select(Term.id))
    assert principal.get(f"/s/yangguang/setup/classes/{foreign_class}").status_code == 404
    assert principal.get(f"/s/yangguang/setup/terms/{foreign_term}").status_code == 404
