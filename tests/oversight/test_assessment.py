"""The assessment (考核): a unit's 100-point scheme for a year, the schools below it scored per
criterion with notes and evidence, ranked with the top and bottom three marked; the school sees
its own sheet."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.care.demo_day import freeze_today
from tests.conftest import app_session
from tests.helpers import csrf_token_in, log_in, text_of
from tests.oversight.test_snapshot import another_schools_snapshot, every_child_name
from webapp.auth.service import create_user, hash_password
from webapp.core.audit import AuditAction, AuditEvent
from webapp.core.org import OrgUnit, Tenant, TenantKind, UnitKind, UnitMembership
from webapp.core.permissions import Role
from webapp.demo import DEMO_PASSWORD
from webapp.demo.care import DEMO_TODAY
from webapp.oversight import assessment_service
from webapp.oversight.assessment_models import AssessmentScheme, AssessmentScore
from webapp.oversight.assessment_service import ScoreEntry

YEAR = 2026
UNIT = "/o/qinggang/assessment/"
SCHEME = f"{UNIT}{YEAR}/scheme"
OFFICER = "13800000009"
PRINCIPAL = "13800000001"
CHECKLIST_POINTS = [10, 10, 10, 15, 15, 10, 10, 10, 10]


@pytest.fixture(autouse=True)
def demo_day(monkeypatch: pytest.MonkeyPatch) -> None:
    freeze_today(monkeypatch, DEMO_TODAY)


@pytest.fixture
def officer(client: FlaskClient) -> FlaskClient:
    """周明, the oversight officer of 青杠镇中心校."""
    log_in(client, OFFICER)
    return client


def scheme_data(page: str, points: list[int], titles: list[str] | None = None) -> dict:
    data = {"csrf_token": csrf_token_in(page)}
    for index, value in enumerate(points):
        data[f"criteria-{index}-title"] = titles[index] if titles else f"第{index + 1}项考核内容"
        data[f"criteria-{index}-max_points"] = str(value)
    return data


def save_scheme(client: FlaskClient, points: list[int] = CHECKLIST_POINTS) -> None:
    page = text_of(client.get(SCHEME))
    response = client.post(SCHEME, data=scheme_data(page, points))
    assert response.status_code == 303, text_of(response)


def schemes(app: Flask) -> list[AssessmentScheme]:
    with app_session(app) as session:
        found = list(session.scalars(select(AssessmentScheme).order_by(AssessmentScheme.version)))
        for scheme in found:
            _ = [(c.title, c.max_points) for c in scheme.criteria]
        session.expunge_all()
    return found


def score_form(client: FlaskClient, slug: str, points: list[int | str], **extra: str) -> dict:
    return score_form_at(client, UNIT, slug, points, **extra)


def score_form_at(
    client: FlaskClient, unit: str, slug: str, points: list[int | str], **extra: str
) -> dict:
    page = text_of(client.get(f"{unit}{YEAR}/schools/{slug}"))
    data = {"csrf_token": csrf_token_in(page)}
    for index, value in enumerate(points):
        data[f"lines-{index}-points"] = str(value)
        data[f"lines-{index}-note"] = ""
        data[f"lines-{index}-evidence"] = ""
        data[f"lines-{index}-snapshot_id"] = "0"
    data.update(extra)
    return data


def add_schools(app: Flask, count: int, unit_slug: str = "qinggang") -> list[str]:
    """Extra schools under a unit, made for the test: 测试一小 …"""
    slugs = [f"test-school-{n}" for n in range(1, count + 1)]
    with app_session(app) as session:
        unit = session.scalar(select(OrgUnit).where(OrgUnit.slug == unit_slug))
        session.add_all(
            Tenant(slug=slug, name=f"测试{n}号小学", kind=TenantKind.SCHOOL, org_unit=unit)
            for n, slug in enumerate(slugs, start=1)
        )
    return slugs


def points_for(total: int, maxima: list[int]) -> list[int]:
    """Points per criterion adding up to a total, filled from the first criterion on."""
    points = []
    for most in maxima:
        points.append(min(most, total))
        total -= points[-1]
    assert total == 0
    return points


def score_directly(app: Flask, slug: str, points: list[int], actor_id: int | None = None) -> None:
    with app_session(app) as session:
        tenant = session.scalar(select(Tenant).where(Tenant.slug == slug))
        scheme = assessment_service.latest_scheme(session, tenant.org_unit_id, YEAR)
        entries = [
            ScoreEntry(criterion_id=c.id, points=p)
            for c, p in zip(scheme.criteria, points, strict=False)
        ]
        assessment_service.save_scores(
            session, tenant_id=tenant.id, scheme=scheme, entries=entries, actor_id=actor_id
        )


def test_the_scheme_starts_from_the_checklist_of_the_childrens_home(officer: FlaskClient) -> None:
    page = text_of(officer.get(SCHEME))
    values = [int(v) for v in re.findall(r'name="criteria-\d+-max_points"[^>]*value="(\d+)"', page)]
    assert values == CHECKLIST_POINTS and sum(values) == 100
    assert "组织领导" in page and "环境布置" in page
    assert "合计：100分" in page


def test_a_scheme_that_does_not_add_up_to_100_is_refused_with_the_values_kept(
    app: Flask, officer: FlaskClient
) -> None:
    page = text_of(officer.get(SCHEME))
    data = scheme_data(page, [15, *CHECKLIST_POINTS[1:]])
    data["criteria-0-title"] = "我们自己写的第一项"
    response = officer.post(SCHEME, data=data)
    assert response.status_code == 422
    html = text_of(response)
    error = re.search(r'id="criteria-total".*?</div>', html, re.S).group(0)
    assert "分值合计为105分，必须为100分。" in error
    assert re.search(r'name="criteria-0-max_points"[^>]*value="15"', html)
    assert "我们自己写的第一项" in html
    assert schemes(app) == []
    # a row with points and no title is refused next to that row
    data = scheme_data(page, CHECKLIST_POINTS)
    data["criteria-2-title"] = ""
    html = text_of(officer.post(SCHEME, data=data))
    assert re.search(r'criteria-2-title-error">请填写本项考核内容。', html)
    assert schemes(app) == []


def test_a_scheme_of_100_points_is_saved_and_edited_in_place_until_it_is_used(
    app: Flask, officer: FlaskClient
) -> None:
    save_scheme(officer)
    (first,) = schemes(app)
    assert [c.max_points for c in first.criteria] == CHECKLIST_POINTS
    save_scheme(officer, [20, 20, 20, 20, 20])  # nobody scored yet: changed in place
    (same,) = schemes(app)
    assert same.version == 1 and [c.max_points for c in same.criteria] == [20] * 5


def test_a_scheme_in_use_gets_a_new_version_and_the_scores_keep_theirs(
    app: Flask, officer: FlaskClient
) -> None:
    save_scheme(officer)
    response = officer.post(
        f"{UNIT}{YEAR}/schools/yangguang", data=score_form(officer, "yangguang", [8] * 9)
    )
    assert response.status_code == 303
    save_scheme(officer, [50, 50])
    one, two = schemes(app)
    assert (one.version, two.version) == (1, 2)
    assert [c.max_points for c in one.criteria] == CHECKLIST_POINTS
    assert [c.max_points for c in two.criteria] == [50, 50]
    with app_session(app, "yangguang") as session:
        kept = session.scalars(select(AssessmentScore)).all()
        assert {s.scheme_id for s in kept} == {one.id} and sum(s.points for s in kept) == 72
    latest = text_of(officer.get(UNIT))
    assert "考核方案（版本 2）" in latest
    earlier = text_of(officer.get(f"{UNIT}?year={YEAR}&version=1"))
    assert "考核方案（版本 1）" in earlier and "<strong>72</strong>" in earlier


def test_scores_out_of_range_are_refused_and_nothing_is_saved(
    app: Flask, officer: FlaskClient
) -> None:
    save_scheme(officer)
    url = f"{UNIT}{YEAR}/schools/yangguang"
    for wrong in ("11", "-1", "十"):
        data = score_form(officer, "yangguang", [wrong, 5, 5, 5, 5, 5, 5, 5, 5])
        response = officer.post(url, data=data)
        assert response.status_code == 422
        html = text_of(response)
        error = re.search(r'<p class="error" id="lines-0-points-error">([^<]+)</p>', html)
        assert error, wrong
        if wrong != "十":
            assert error.group(1) == "分数应在0至10分之间。"
        assert re.search(rf'name="lines-0-points"[^>]*value="{wrong}"', html)
        assert re.search(r'name="lines-1-points"[^>]*value="5"', html)
    data = score_form(officer, "yangguang", [5] * 9, **{"lines-0-evidence": "javascript:alert(1)"})
    html = text_of(officer.post(url, data=data))
    assert "无法保存此链接" in html and 'id="lines-0-evidence-error"' in html
    with app_session(app, "yangguang") as session:
        assert session.scalar(select(func.count()).select_from(AssessmentScore)) == 0
    with pytest.raises(assessment_service.PointsOutOfRange):
        score_directly(app, "yangguang", [16] * 9)


def test_scores_are_audited_changes_kept_with_the_school(app: Flask, officer: FlaskClient) -> None:
    save_scheme(officer)
    url = f"{UNIT}{YEAR}/schools/yangguang"
    evidence = "/s/yangguang/reports/monthly/2026-11\nhttps://example.org/report"
    data = score_form(
        officer, "yangguang", [9] * 9, **{"lines-0-note": "档案齐全", "lines-0-evidence": evidence}
    )
    assert officer.post(url, data=data).status_code == 303
    data = score_form(officer, "yangguang", [7] + [9] * 8)
    data["lines-0-note"], data["lines-0-evidence"] = "档案齐全", evidence
    assert officer.post(url, data=data).status_code == 303
    with app_session(app, "yangguang") as session:
        actions = session.execute(
            select(AuditEvent.action, AuditEvent.fields_json).where(
                AuditEvent.subject == "assessment_score"
            )
        ).all()
    assert sorted(a for a, _ in actions).count(AuditAction.CREATE) == 9
    assert [f for a, f in actions if a == AuditAction.UPDATE] == ['["points"]']
    data = score_form(officer, "yangguang", [""] + [9] * 8)  # the first criterion opened again
    assert officer.post(url, data=data).status_code == 303
    with app_session(app, "yangguang") as session:
        assert session.scalar(select(func.count()).select_from(AssessmentScore)) == 8
        cleared = session.scalar(select(func.count()).where(AuditEvent.reason.contains("cleared")))
    assert cleared == 1
    assert "已评8项，共9项" in text_of(officer.get(UNIT))
    with app_session(app, "hongxing") as session:
        assert not session.scalar(
            select(func.count()).where(AuditEvent.subject == "assessment_score")
        )


def test_the_ranking_marks_the_top_and_bottom_three_with_ties(
    app: Flask, officer: FlaskClient
) -> None:
    save_scheme(officer)
    extra = add_schools(app, 6)
    totals = {
        "yangguang": 95,
        "hongxing": 90,
        "yangguang-kg": 85,
        extra[0]: 85,  # ties with 阳光幼儿园 at third: both commended
        extra[1]: 70,
        extra[2]: 60,
        extra[3]: 60,  # ties at second from the bottom
        extra[4]: 50,
    }
    for slug, total in totals.items():
        score_directly(app, slug, points_for(total, CHECKLIST_POINTS))
    score_directly(app, extra[5], [10, 10, 10])  # three of nine criteria: not ranked
    page = text_of(officer.get(UNIT))
    rows = re.findall(
        r'<tr class="(mark-[a-z_]+)?">\s*<td>([—\d]+)</td>\s*<th scope="row">([^<]+)</th>'
        r"\s*<td>(.*?)</td>",
        page,
        re.S,
    )
    shown = [(name, rank, mark) for mark, rank, name, _total in rows]
    assert shown == [
        ("阳光小学", "1", "mark-commended"),
        ("红星小学", "2", "mark-commended"),
        ("测试1号小学", "3", "mark-commended"),  # equal totals: listed by name
        ("阳光幼儿园", "3", "mark-commended"),
        ("测试2号小学", "5", ""),
        ("测试3号小学", "6", "mark-to_improve"),
        ("测试4号小学", "6", "mark-to_improve"),
        ("测试5号小学", "8", "mark-to_improve"),
        ("测试6号小学", "—", ""),
    ]
    assert "已评3项，共9项" in rows[-1][3]
    assert [re.sub(r"<[^>]+>", "", t) for *_, t in rows[:-1]] == [
        str(t) for t in sorted(totals.values(), reverse=True)
    ]
    assert "第三名并列时并列者均予表彰" in page


def test_the_school_sees_its_own_score_sheet_and_no_other(app: Flask, officer: FlaskClient) -> None:
    save_scheme(officer)
    url = f"{UNIT}{YEAR}/schools/yangguang"
    data = score_form(
        officer,
        "yangguang",
        [9] * 9,
        **{"lines-0-note": "档案齐全", "lines-0-evidence": "/s/yangguang/reports/"},
    )
    assert officer.post(url, data=data).status_code == 303
    score_directly(app, "hongxing", [3] * 9)
    principal = app.test_client()
    log_in(principal, PRINCIPAL)
    page = text_of(principal.get("/s/yangguang/assessment/"))
    assert "合计：81分（满分100分）" in page
    assert "档案齐全" in page and 'href="/s/yangguang/reports/"' in page
    assert "青杠镇中心校" in page
    assert "合计：27分" not in page


def test_a_unit_cannot_score_or_see_a_school_outside_its_subtree(
    app: Flask, officer: FlaskClient
) -> None:
    with app_session(app) as session:
        county = session.scalar(select(OrgUnit).where(OrgUnit.slug == "bishan"))
        other = OrgUnit(
            slug="dingjia", name="丁家街道中心校", kind=UnitKind.TOWNSHIP, parent=county
        )
        session.add_all(
            [other, Tenant(slug="faraway", name="远方小学", kind=TenantKind.SCHOOL, org_unit=other)]
        )
    save_scheme(officer)
    assert officer.get(f"{UNIT}{YEAR}/schools/faraway").status_code == 404
    data = score_form(officer, "yangguang", [5] * 9)
    assert officer.post(f"{UNIT}{YEAR}/schools/faraway", data=data).status_code == 404
    assert officer.get("/o/bishan/assessment/").status_code == 404
    assert "远方小学" not in text_of(officer.get(UNIT))
    with app_session(app, "faraway") as session:
        assert session.scalar(select(func.count()).select_from(AssessmentScore)) == 0


def test_a_snapshot_of_another_school_is_no_evidence(app: Flask, officer: FlaskClient) -> None:
    save_scheme(officer)
    foreign = another_schools_snapshot(app)
    page = text_of(officer.get(f"{UNIT}{YEAR}/schools/yangguang"))
    assert f'value="{foreign}"' not in page
    data = score_form(officer, "yangguang", [5] * 9, **{"lines-0-snapshot_id": str(foreign)})
    response = officer.post(f"{UNIT}{YEAR}/schools/yangguang", data=data)
    assert response.status_code == 422 and 'id="lines-0-snapshot_id-error"' in text_of(response)
    hongxing = text_of(officer.get(f"{UNIT}{YEAR}/schools/hongxing"))
    assert f'value="{foreign}"' in hongxing  # offered on its own school's sheet


def test_no_assessment_page_of_the_unit_names_a_child(app: Flask, officer: FlaskClient) -> None:
    save_scheme(officer)
    another_schools_snapshot(app)
    data = score_form(officer, "hongxing", [5] * 9, **{"lines-0-evidence": "/s/hongxing/reports/"})
    assert officer.post(f"{UNIT}{YEAR}/schools/hongxing", data=data).status_code == 303
    names = every_child_name(app)
    for path in (
        UNIT,
        SCHEME,
        f"{UNIT}{YEAR}/schools/hongxing",
        "/o/qinggang/snapshots/",
        "/o/qinggang/snapshots/hongxing",
    ):
        response = officer.get(path)
        assert response.status_code == 200, path
        html = text_of(response)
        assert not [n for n in names if n in html], path


def test_a_county_scores_and_ranks_the_schools_of_every_township_below_it(
    app: Flask, client: FlaskClient
) -> None:
    with app_session(app) as session:
        county = session.scalar(select(OrgUnit).where(OrgUnit.slug == "bishan"))
        other = OrgUnit(
            slug="dingjia", name="丁家街道中心校", kind=UnitKind.TOWNSHIP, parent=county
        )
        session.add_all(
            [other, Tenant(slug="faraway", name="远方小学", kind=TenantKind.SCHOOL, org_unit=other)]
        )
        user = create_user(
            session, phone="13900000901", name="县督导", password_hash=hash_password(DEMO_PASSWORD)
        )
        session.add(UnitMembership(org_unit=county, user_id=user.id, role=Role.OVERSIGHT_OFFICER))
    log_in(client, "13900000901")
    county_url = f"/o/bishan/assessment/{YEAR}/scheme"
    page = text_of(client.get(county_url))
    assert client.post(county_url, data=scheme_data(page, CHECKLIST_POINTS)).status_code == 303
    data = score_form_at(client, "/o/bishan/assessment/", "faraway", [10] * 3 + [15] * 2 + [10] * 4)
    assert client.post(f"/o/bishan/assessment/{YEAR}/schools/faraway", data=data).status_code == 303
    ranking = text_of(client.get("/o/bishan/assessment/"))
    assert all(name in ranking for name in ("阳光小学", "阳光幼儿园", "红星小学", "远方小学"))
    assert re.search(
        r"<td>1</td>\s*<th scope=\"row\">远方小学</th>\s*<td><strong>100</strong>", ranking
    )
    # the township's own assessment is its own: the county's scheme and scores are not in it
    officer = app.test_client()
    log_in(officer, OFFICER)
    assert "本年度尚无考核方案" in text_of(officer.get(UNIT))
    assert officer.get("/o/bishan/assessment/").status_code == 404
