"""The term plan and summary, and the monthly report: their figures equal counts made in the
test, the narrative is kept as versions, a submitted report is locked with its figures, and the
coordinator is reminded from the 20th until it is submitted."""

from __future__ import annotations

import re
import uuid
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.care.demo_day import freeze_today
from tests.conftest import app_session
from tests.helpers import csrf_token, text_of
from tests.reports.conftest import School
from tests.reports.expected import expected_counts, figures_on, left_behind_on_roll
from webapp.care import service as care_service
from webapp.care.models import CareKind
from webapp.core.audit import AuditEvent
from webapp.demo.care import DEMO_TODAY
from webapp.reports.models import MonthlyReport, ReportStatus, TermDocument

NOVEMBER = "/s/yangguang/reports/monthly/2026-11"


def form_values(html: str, form_action: str) -> dict[str, str]:
    """The hidden values of the form posting to an action (its uid, its base version)."""
    form = re.search(
        rf'<form method="post" action="{re.escape(form_action)}"(.*?)</form>', html, re.S
    )
    assert form, form_action
    return dict(re.findall(r'<input[^>]*name="(\w+)"[^>]*value="([^"]*)"', form.group(1)))


@pytest.mark.parametrize("document", ["plan", "summary"])
def test_the_term_documents_figures_equal_counts_made_in_the_test(
    app: Flask, principal: FlaskClient, school: School, document: str
) -> None:
    page = text_of(principal.get(f"/s/yangguang/reports/terms/{school.term_id}/{document}"))
    with app_session(app, "yangguang") as session:
        counts = expected_counts(session, school.first, school.last, DEMO_TODAY)
    shown = figures_on(page)
    assert len(shown) >= (10 if document == "plan" else 25)
    assert shown == {key: counts[key] for key in shown}
    assert counts["talks"] > 100 and counts["meetings"] and counts["awards"]


def test_the_monthly_reports_figures_equal_counts_of_the_month(
    app: Flask, coordinator: FlaskClient, school: School
) -> None:
    page = text_of(coordinator.get(NOVEMBER))
    with app_session(app, "yangguang") as session:
        counts = expected_counts(session, date(2026, 11, 1), date(2026, 11, 30), DEMO_TODAY)
    shown = figures_on(page)
    assert len(shown) >= 15 and shown == {key: counts[key] for key in shown}
    assert "十一月份，各班开展了读书分享会" in page  # the draft's narrative
    assert page.count('class="report-activity"') == counts["activities"]


def test_the_narrative_is_saved_as_versions_and_a_replay_makes_one(
    app: Flask, coordinator: FlaskClient, school: School
) -> None:
    action = f"/s/yangguang/reports/terms/{school.term_id}/summary/edit"
    hidden = form_values(text_of(coordinator.get(action)), action)
    assert hidden["base_version"] == "0"
    data = {**hidden, "narrative": "本学期共开展关爱活动，家访全覆盖。"}
    first = coordinator.post(action, data=data)
    again = coordinator.post(action, data=data)  # a double tap
    assert first.status_code == again.status_code == 303
    hidden = form_values(text_of(coordinator.get(action)), action)
    assert hidden["base_version"] == "1"
    coordinator.post(action, data={**hidden, "narrative": "第二稿：补充了监护人会议的情况。"})
    page = text_of(coordinator.get(f"/s/yangguang/reports/terms/{school.term_id}/summary"))
    assert "第二稿" in page and "已保存 2 个版本" in page
    older = coordinator.get(f"/s/yangguang/reports/terms/{school.term_id}/summary?version=1")
    assert "家访全覆盖" in text_of(older)
    with app_session(app, "yangguang") as session:
        versions = session.scalars(
            select(TermDocument.version)
            .where(TermDocument.term_id == school.term_id)
            .where(TermDocument.kind == "term_summary")
        ).all()
        logged = session.scalar(
            select(func.count(AuditEvent.id)).where(AuditEvent.subject == "term_summary")
        )
    assert sorted(versions) == [1, 2] and logged == 2


def test_a_save_over_a_version_someone_replaced_is_refused_with_the_text_kept(
    coordinator: FlaskClient, school: School
) -> None:
    action = f"/s/yangguang/reports/terms/{school.term_id}/plan/edit"
    opened_first = form_values(text_of(coordinator.get(action)), action)
    opened_second = form_values(text_of(coordinator.get(action)), action)
    coordinator.post(action, data={**opened_first, "narrative": "甲的修改"})
    late = coordinator.post(action, data={**opened_second, "narrative": "乙的修改"})
    assert late.status_code == 422
    assert "有人保存了更新的版本" in text_of(late) and "乙的修改" in text_of(late)
    assert "甲的修改" in text_of(late)


def test_a_submitted_monthly_report_is_locked_with_its_figures(
    app: Flask, coordinator: FlaskClient, school: School
) -> None:
    page = text_of(coordinator.get(NOVEMBER))
    submit = form_values(page, f"{NOVEMBER}/submit")
    assert coordinator.post(f"{NOVEMBER}/submit", data=submit).status_code == 303
    assert coordinator.post(f"{NOVEMBER}/submit", data=submit).status_code == 303  # again
    before = figures_on(text_of(coordinator.get(NOVEMBER)))
    with app_session(app, "yangguang") as session:
        child = left_behind_on_roll(session, school.own_class)[0]
        care_service.record_care(
            session,
            uid=uuid.uuid4(),
            child=child,
            kind=CareKind.TALK,
            author_id=None,
            happened_on=date(2026, 11, 26),
            notes="报送后补记的谈心",
        )
    page = text_of(coordinator.get(NOVEMBER))
    assert figures_on(page) == before and "月报已锁定" in page
    assert f'action="{NOVEMBER}/submit"' not in page
    edit = coordinator.get(f"{NOVEMBER}/edit")
    assert edit.status_code == 303
    token = csrf_token(coordinator, "/s/yangguang/")
    coordinator.post(
        f"{NOVEMBER}/edit", data={"csrf_token": token, "uid": str(uuid.uuid4()), "narrative": "改"}
    )
    with app_session(app, "yangguang") as session:
        report = session.scalar(
            select(MonthlyReport).where(MonthlyReport.month == date(2026, 11, 1))
        )
        assert report.status == ReportStatus.SUBMITTED and report.narrative.startswith("十一月份")
        assert report.figures["talks"] == before["talks"]


def test_the_demos_october_report_shows_what_was_submitted(
    app: Flask, coordinator: FlaskClient, school: School
) -> None:
    page = text_of(coordinator.get("/s/yangguang/reports/monthly/2026-10"))
    with app_session(app, "yangguang") as session:
        counts = expected_counts(session, date(2026, 10, 1), date(2026, 10, 31), DEMO_TODAY)
    shown = figures_on(page)
    assert shown and shown == {key: counts[key] for key in shown}
    assert "月报已锁定" in page


def test_the_coordinator_is_reminded_from_the_20th_until_the_report_is_submitted(
    app: Flask, coordinator: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    freeze_today(monkeypatch, date(2026, 11, 19))
    assert 'id="monthly-report-today"' not in text_of(coordinator.get("/s/yangguang/"))
    freeze_today(monkeypatch, date(2026, 11, 20))
    page = text_of(coordinator.get("/s/yangguang/"))
    assert "2026年11月月报须于 2026年11月25日 前报送" in page and "已存草稿" in page
    freeze_today(monkeypatch, date(2026, 11, 26))
    page = text_of(coordinator.get("/s/yangguang/"))
    assert "已于 2026年11月25日 到期" in page
    submit = form_values(text_of(coordinator.get(NOVEMBER)), f"{NOVEMBER}/submit")
    coordinator.post(f"{NOVEMBER}/submit", data=submit)
    assert 'id="monthly-report-today"' not in text_of(coordinator.get("/s/yangguang/"))
    freeze_today(monkeypatch, date(2026, 12, 21))  # December's is not started: still reminded
    page = text_of(coordinator.get("/s/yangguang/"))
    assert 'id="monthly-report-today"' in page and "已存草稿" not in page


def test_nobody_but_the_coordinator_is_reminded(
    principal: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    freeze_today(monkeypatch, date(2026, 11, 22))
    assert 'id="monthly-report-today"' not in text_of(principal.get("/s/yangguang/"))


def test_a_class_teacher_reads_no_school_documents(teacher: FlaskClient, school: School) -> None:
    # refused on a term: the answer of a term that does not exist
    assert teacher.get(f"/s/yangguang/reports/terms/{school.term_id}/plan").status_code == 404
    assert teacher.get(NOVEMBER).status_code == 403


def test_another_schools_term_and_a_month_to_come_are_not_found(
    principal: FlaskClient, school: School
) -> None:
    assert (
        principal.get(f"/s/yangguang/reports/terms/{school.foreign_term}/plan").status_code == 404
    )
    assert principal.get("/s/yangguang/reports/monthly/2027-01").status_code == 404
    assert principal.get("/s/yangguang/reports/monthly/2026-13").status_code == 404
