"""The archive's eight tables: every figure equals a count made in the test, the Excel files
are laid out like the paper forms and open safely, the printed pages carry their A4 styles and
page numbers, every child shown is audited, and nobody gets another class's or school's tables
or a restricted record."""

from __future__ import annotations

import io
import re
import uuid
from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from sqlalchemy import func, select

from tests.conftest import app_session
from tests.helpers import csrf_token, log_in, text_of
from tests.reports.conftest import School
from tests.reports.expected import expected_counts, figures_on, left_behind_on_roll
from webapp.care import plans
from webapp.care import service as care_service
from webapp.care.models import ActivityParticipant, CareActivity, CareKind
from webapp.children.models import Child
from webapp.core.audit import AuditAction, AuditEvent
from webapp.demo.care import DEMO_TODAY
from webapp.demo.data import VOLUNTEER_PHONE
from webapp.reports.archive import Table

STATIC = Path(__file__).resolve().parents[2] / "static"


def table_url(school: School, class_id: int, table: str) -> str:
    return f"/s/yangguang/reports/classes/{class_id}/{table}?term_id={school.term_id}"


def expected(app: Flask, school: School, **scope: int) -> dict[str, int]:
    with app_session(app, "yangguang") as session:
        return expected_counts(session, school.first, school.last, DEMO_TODAY, **scope)


def excel(client: FlaskClient, url: str, **form: str):
    token = csrf_token(client, "/s/yangguang/")
    response = client.post(url, data={"csrf_token": token, "format": "xlsx", **form})
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    return load_workbook(io.BytesIO(response.data)).active


def rows_of(sheet) -> list[list]:
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def test_every_figure_on_every_table_equals_a_count_made_in_the_test(
    app: Flask, principal: FlaskClient, school: School
) -> None:
    counts = expected(app, school, class_id=school.own_class)
    assert counts["left_behind"] > 3 and counts["deeds"] and counts["case_analyses"]
    checked = set()
    for table in Table:
        if table == Table.GROWTH:
            continue  # one card per child: their figures are the child's (the next test)
        page = text_of(principal.get(table_url(school, school.own_class, table.value)))
        for key, value in figures_on(page).items():
            if key in counts:
                assert value == counts[key], (table, key)
                checked.add(key)
    assert {"on_roll", "one_parent", "both_parents", "civil", "needy", "gifted"} <= checked
    assert {"class_activities", "awards", "deeds", "case_analyses", "took_part"} <= checked
    assert {"activities", "room_visits", "left_behind"} <= checked


def test_each_growth_card_counts_the_childs_own_care(
    app: Flask, principal: FlaskClient, school: School
) -> None:
    page = text_of(principal.get(table_url(school, school.own_class, "growth")))
    cards = re.findall(
        r'<section class="paper growth-card" id="card-(\d+)">(.*?)</section>', page, re.S
    )
    with app_session(app, "yangguang") as session:
        assert len(cards) == len(left_behind_on_roll(session, school.own_class))
    for child_id, card in cards[:3]:
        counts = expected(app, school, child_id=int(child_id))
        shown = figures_on(card)
        assert shown == {key: counts[key] for key in shown}
        assert set(shown) == {"talks", "home_visits", "parent_contacts", "family_calls"}


def test_a_figure_links_to_exactly_the_records_it_counts(
    app: Flask, principal: FlaskClient, school: School
) -> None:
    page = text_of(principal.get(table_url(school, school.own_class, "summary")))
    link = re.search(r'data-figure="both_parents"><a href="([^"]+)">(\d+)', page)
    listed = text_of(principal.get(link.group(1).replace("&amp;", "&")))
    items = re.search(r'<ol class="list figure-items">(.*?)</ol>', listed, re.S).group(1)
    assert len(re.findall(r'href="/s/yangguang/children/\d+"', items)) == int(link.group(2))
    counts = expected(app, school)
    for figure in ("talks", "activities", "meetings", "deeds"):
        listed = text_of(
            principal.get(f"/s/yangguang/reports/figures/{figure}?term_id={school.term_id}")
        )
        items = re.search(r'<ol class="list figure-items">(.*?)</ol>', listed, re.S)
        assert (items.group(1).count("<li>") if items else 0) == counts[figure], figure


def test_the_activity_register_in_excel_counts_each_childs_activities(
    app: Flask, principal: FlaskClient, school: School
) -> None:
    sheet = excel(principal, table_url(school, school.own_class, "activities"))
    rows = rows_of(sheet)
    header_row = next(i for i, row in enumerate(rows) if row[0] == "序号")
    header = rows[header_row]
    names = header.index("姓名")
    taken = header.index("参加活动次数")
    with app_session(app, "yangguang") as session:
        activities = dict(
            session.execute(
                select(Child.name, func.count(ActivityParticipant.id))
                .join(ActivityParticipant, ActivityParticipant.child_id == Child.id)
                .join(CareActivity, CareActivity.id == ActivityParticipant.activity_id)
                .where(
                    Child.class_id == school.own_class,
                    CareActivity.happened_on.between(school.first, school.last),
                )
                .group_by(Child.name)
            ).all()
        )
        left = len(left_behind_on_roll(session, school.own_class))
    body = [row for row in rows[header_row + 1 :] if isinstance(row[0], int)]
    assert len(body) == left
    for row in body:
        assert row[taken] == activities.get(row[names], 0), row[names]


def test_the_excel_register_is_laid_out_like_the_paper_form_and_masked(
    app: Flask, principal: FlaskClient, school: School
) -> None:
    sheet = excel(principal, table_url(school, school.own_class, "register"))
    assert sheet["A1"].value == "阳光小学三年级一班留守儿童基本情况登记表"
    assert f"A1:{get_column_letter(sheet.max_column)}1" in {str(r) for r in sheet.merged_cells}
    assert "2026—2027学年第一学期" in sheet["A2"].value and "已打码" in sheet["A2"].value
    assert int(sheet.page_setup.paperSize) == int(sheet.PAPERSIZE_A4)
    assert sheet.print_title_rows == "$3:$3"
    header = [cell.value for cell in sheet[3]]
    assert header[:3] == ["序号", "学籍号", "姓名"] and "身份证号" in header
    assert sheet.column_dimensions["F"].width >= 20
    first = [cell for cell in sheet[4]]
    assert first[0].border.left.style == "thin"
    id_cell = first[header.index("身份证号")]
    assert id_cell.number_format == "@" and "*" in id_cell.value
    with app_session(app, "yangguang") as session:
        plain = {c.id_number for c in left_behind_on_roll(session, school.own_class)}
    values = {str(cell.value) for row in sheet.iter_rows() for cell in row}
    assert not plain & values
    assert "导出人：李建国" in str(sheet.cell(sheet.max_row, 1).value)


def test_the_principal_may_choose_the_register_in_full_and_each_child_is_audited(
    app: Flask, principal: FlaskClient, school: School
) -> None:
    sheet = excel(principal, table_url(school, school.own_class, "register"), unmasked="y")
    with app_session(app, "yangguang") as session:
        children = left_behind_on_roll(session, school.own_class)
        plain = {c.id_number for c in children}
        child_ids = sorted(c.id for c in children)
        logged = session.execute(
            select(AuditEvent.child_id, AuditEvent.reason).where(
                AuditEvent.action == AuditAction.EXPORT,
                AuditEvent.fields_json.contains("export.archive.register"),
            )
        ).all()
    values = {str(cell.value) for row in sheet.iter_rows() for cell in row}
    assert plain <= values
    assert sorted(child_id for child_id, _reason in logged) == child_ids
    assert {reason for _child_id, reason in logged} == {"身份证号、电话、住址未打码"}


def test_a_class_teacher_gets_only_masked_tables(
    app: Flask, teacher: FlaskClient, school: School
) -> None:
    url = table_url(school, school.own_class, "register")
    sheet = excel(teacher, url, unmasked="y")  # asked anyway: not offered, ignored
    with app_session(app, "yangguang") as session:
        plain = {c.id_number for c in left_behind_on_roll(session, school.own_class)}
    assert not plain & {str(cell.value) for row in sheet.iter_rows() for cell in row}
    assert "不打码" not in text_of(teacher.get(url))


def test_a_formula_typed_into_a_record_stays_text_in_the_excel_file(
    app: Flask, principal: FlaskClient, school: School
) -> None:
    with app_session(app, "yangguang") as session:
        child = left_behind_on_roll(session, school.own_class)[0]
        care_service.record_care(
            session,
            uid=uuid.uuid4(),
            child=child,
            kind=CareKind.GROWTH,
            author_id=None,
            happened_on=date(2026, 11, 2),
            details={"type": "deed", "title": '=HYPERLINK("http://x","点我")'},
            notes="+1 助人为乐",
        )
    sheet = excel(principal, table_url(school, school.own_class, "deeds"))
    values = [
        cell.value for row in sheet.iter_rows() for cell in row if isinstance(cell.value, str)
    ]
    assert '\'=HYPERLINK("http://x","点我")' in values and "'+1 助人为乐" in values
    assert not [v for v in values if v.startswith(("=", "+"))]


def test_a_printed_table_is_an_a4_page_with_its_header_and_page_numbers_and_is_audited(
    app: Flask, principal: FlaskClient, school: School
) -> None:
    page = text_of(principal.get(table_url(school, school.own_class, "register")))
    assert '<section class="paper wide" id="page-1">' in page
    assert "阳光小学" in page and "2026—2027学年第一学期" in page
    assert "第 1 页，共 " in page and "<thead>" in page
    assert 'class="report-tools no-print"' in page
    css = (STATIC / "app.css").read_text()
    printing = css[css.index("/* === reports") :]
    assert "@page { size: A4" in printing and "counter(page)" in printing
    assert "@page wide { size: A4 landscape; }" in printing
    assert (
        "table-header-group" in printing
        and ".report-tools, .no-print { display: none; }" in printing
    )
    with app_session(app, "yangguang") as session:
        logged = session.scalars(
            select(AuditEvent.child_id).where(AuditEvent.fields_json.contains("print.register"))
        ).all()
        assert sorted(logged) == sorted(
            c.id for c in left_behind_on_roll(session, school.own_class)
        )


def test_a_long_table_prints_on_numbered_pages_each_with_its_header(
    app: Flask, principal: FlaskClient, school: School
) -> None:
    page = text_of(principal.get(table_url(school, school.own_class, "register")))
    sheets = re.findall(r'<section class="paper wide" id="page-(\d+)">(.*?)</section>', page, re.S)
    with app_session(app, "yangguang") as session:
        left = len(left_behind_on_roll(session, school.own_class))
    assert len(sheets) == -(-left // 8)
    for number, body in sheets:
        assert "<thead>" in body and f"第 {number} 页，共 {len(sheets)} 页" in body


@pytest.mark.parametrize("table", [t.value for t in Table])
def test_a_class_teacher_gets_her_own_class_and_never_another(
    teacher: FlaskClient, school: School, table: str
) -> None:
    assert teacher.get(table_url(school, school.own_class, table)).status_code == 200
    assert teacher.get(table_url(school, school.other_class, table)).status_code == 404
    token = csrf_token(teacher, "/s/yangguang/")
    refused = teacher.post(
        table_url(school, school.other_class, table), data={"csrf_token": token, "format": "xlsx"}
    )
    assert refused.status_code == 404


def test_a_volunteer_and_a_teacher_get_no_tables(client: FlaskClient, school: School) -> None:
    log_in(client, VOLUNTEER_PHONE)
    assert client.get("/s/yangguang/reports/").status_code == 403
    # refused on a class: the answer of a class that does not exist
    assert client.get(table_url(school, school.other_class, "summary")).status_code == 404
    assert (
        client.get(f"/s/yangguang/reports/figures/talks?class_id={school.other_class}").status_code
        == 403
    )


def test_a_teacher_traces_figures_only_of_her_own_class(
    teacher: FlaskClient, school: School
) -> None:
    own = teacher.get(f"/s/yangguang/reports/figures/talks?class_id={school.own_class}")
    assert own.status_code == 200
    assert (
        teacher.get(f"/s/yangguang/reports/figures/talks?class_id={school.other_class}").status_code
        == 404
    )
    assert teacher.get("/s/yangguang/reports/figures/talks").status_code == 403  # the school's


def test_another_schools_class_term_and_child_are_not_found(
    app: Flask, principal: FlaskClient, school: School
) -> None:
    with app_session(app, "hongxing") as session:
        foreign_child = session.scalar(
            select(Child.id).where(Child.class_id == school.foreign_class)
        )
    assert principal.get(table_url(school, school.foreign_class, "summary")).status_code == 404
    own_with_foreign_term = (
        f"/s/yangguang/reports/classes/{school.own_class}/summary?term_id={school.foreign_term}"
    )
    assert principal.get(own_with_foreign_term).status_code == 404
    for query in (
        f"class_id={school.foreign_class}",
        f"child_id={foreign_child}",
        f"term_id={school.foreign_term}",
    ):
        assert principal.get(f"/s/yangguang/reports/figures/talks?{query}").status_code == 404
    assert (
        principal.get(f"/s/yangguang/reports/children/{foreign_child}/growth-card").status_code
        == 404
    )


def test_counselling_and_individual_plans_never_appear_in_any_table(
    app: Flask, principal: FlaskClient, school: School
) -> None:
    secret_problem, secret_plan = "独自在河边坐到天黑", "每周三次心理辅导计划"
    with app_session(app, "yangguang") as session:
        child = left_behind_on_roll(session, school.own_class)[0]
        care_service.record_care(
            session,
            uid=uuid.uuid4(),
            child=child,
            kind=CareKind.COUNSELLING,
            author_id=None,
            happened_on=date(2026, 11, 3),
            details={"problem": secret_problem},
            notes=secret_problem,
        )
        plans.start_plan(
            session,
            uid=uuid.uuid4(),
            child=child,
            author_id=None,
            started_on=date(2026, 11, 3),
            problem=secret_plan,
            goals=secret_plan,
            measures=secret_plan,
        )
        child_id = child.id
    token = csrf_token(principal, "/s/yangguang/")
    for table in Table:
        url = table_url(school, school.own_class, table.value)
        page = text_of(principal.get(url))
        assert secret_problem not in page and secret_plan not in page and "心理辅导" not in page
        full = principal.post(url, data={"csrf_token": token, "format": "print", "unmasked": "y"})
        assert secret_problem not in text_of(full)
        book = principal.post(url, data={"csrf_token": token, "format": "xlsx", "unmasked": "y"})
        cells = " ".join(
            str(c.value)
            for row in load_workbook(io.BytesIO(book.data)).active.iter_rows()
            for c in row
        )
        assert secret_problem not in cells and secret_plan not in cells
    card = text_of(principal.get(f"/s/yangguang/reports/children/{child_id}/growth-card"))
    assert secret_problem not in card and secret_plan not in card


def test_the_case_analyses_come_from_the_growth_records_written_for_the_archive(
    principal: FlaskClient, school: School
) -> None:
    page = text_of(principal.get(table_url(school, school.own_class, "cases")))
    assert "从沉默到开朗" in page and "留守儿童成长案例分析" in page
