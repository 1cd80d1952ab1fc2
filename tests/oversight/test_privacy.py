"""No page under /o/ shows a child's name, ID number or phone, for the township officer or the
county officer (every page, walked by its links), and an officer reads only the units and
schools below their own: anything else answers the same 404 as what does not exist."""

from __future__ import annotations

import re
from collections import deque
from html import unescape

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.conftest import app_session
from tests.helpers import csrf_token_in, text_of
from webapp.children.models import Child, Guardian, Parent
from webapp.core.org import OrgUnit, Tenant, TenantKind, UnitKind
from webapp.core.tenancy import ALL_TENANTS

LINK = re.compile(r'href="(/o/[^"#?]*)"')
EVERY_SCHOOL = {ALL_TENANTS: True}


@pytest.fixture
def secrets(app: Flask) -> set[str]:
    """Every demo child's name and ID number, and every phone of their parents and guardians,
    opened here from the database."""
    found: set[str] = set()
    with app_session(app) as session:
        for child in session.scalars(select(Child).execution_options(**EVERY_SCHOOL)):
            found.add(child.name)
            if child.id_number:
                found.add(child.id_number)
        for model in (Parent, Guardian):
            for person in session.scalars(select(model).execution_options(**EVERY_SCHOOL)):
                if person.phone:
                    found.add(person.phone)
    assert len(found) > 300
    return found


def walk(client: FlaskClient, start: str) -> dict[str, str]:
    """Every page under /o/ reachable by a link from ``start``: path → HTML."""
    pages: dict[str, str] = {}
    queue = deque([start])
    while queue:
        path = queue.popleft()
        if path in pages:
            continue
        response = client.get(path)
        assert response.status_code == 200, path
        pages[path] = text_of(response)
        queue.extend(link for link in LINK.findall(pages[path]) if link not in pages)
    return pages


def leaks(pages: dict[str, str], secrets: set[str]) -> list[tuple[str, str]]:
    return [(path, s) for path, html in pages.items() for s in secrets if s in unescape(html)]


@pytest.mark.parametrize(("who", "start"), [("officer", "/o/qinggang/"), ("county", "/o/bishan/")])
def test_no_page_under_the_unit_shows_a_child(
    who: str, start: str, secrets: set[str], request: pytest.FixtureRequest
) -> None:
    client = request.getfixturevalue(who)
    pages = walk(client, start)
    schools = [p for p in pages if "/schools/" in p and p.count("/") == 4]
    assert len(schools) == 3 and any(p.endswith("/grants") for p in pages)
    assert any(p.endswith("/grants/new") for p in pages)
    assert leaks(pages, secrets) == []


def test_with_a_request_waiting_the_pages_still_show_no_child(
    officer: FlaskClient, secrets: set[str]
) -> None:
    form = officer.get("/o/qinggang/schools/hongxing/grants/new")
    officer.post(
        "/o/qinggang/schools/hongxing/grants/new",
        data={
            "csrf_token": csrf_token_in(text_of(form)),
            "reason": "跟进一名辍学学生的情况",
            "days": "3",
        },
    )
    pages = walk(officer, "/o/qinggang/")
    assert "跟进一名辍学学生的情况" in pages["/o/qinggang/grants"]
    assert leaks(pages, secrets) == []
    assert officer.get("/o/qinggang/schools/hongxing/names").status_code == 403


def without_token(html: str) -> str:
    """The page as a reader sees it: the CSRF token differs from one response to the next."""
    return re.sub(r"hx-headers='[^']*'", "", html)


@pytest.fixture
def other_township(app: Flask, demo_day: None) -> None:
    """丁家镇中心校 under the same county, with a school of its own."""
    with app_session(app) as session:
        county = session.scalar(select(OrgUnit).where(OrgUnit.slug == "bishan"))
        township = OrgUnit(
            slug="dingjia", name="丁家镇中心校", kind=UnitKind.TOWNSHIP, parent=county
        )
        session.add(township)
        session.add(
            Tenant(slug="dingjia-xx", name="丁家小学", kind=TenantKind.SCHOOL, org_unit=township)
        )


def test_an_officer_cannot_read_a_school_or_unit_of_another_township(
    officer: FlaskClient, other_township: None
) -> None:
    nothing = officer.get("/o/qinggang/schools/no-such-school")
    assert nothing.status_code == 404
    for path in (
        "/o/qinggang/schools/dingjia-xx",
        "/o/qinggang/schools/dingjia-xx/grants/new",
        "/o/qinggang/schools/dingjia-xx/names",
    ):
        response = officer.get(path)
        assert response.status_code == 404, path
        assert without_token(text_of(response)) == without_token(text_of(nothing))
    for unit in ("dingjia", "bishan", "qinggang"):
        path = f"/o/qinggang/units/{unit}"
        assert officer.get(path).status_code == 404, path
    assert officer.get("/o/dingjia/").status_code == 404  # not his unit
    assert officer.get("/o/bishan/").status_code == 404  # above him
    assert "丁家小学" not in text_of(officer.get("/o/qinggang/"))


def test_the_county_sees_both_townships(county: FlaskClient, other_township: None) -> None:
    page = text_of(county.get("/o/bishan/"))
    assert 'href="/o/bishan/units/qinggang"' in page
    assert 'href="/o/bishan/units/dingjia"' in page
    assert county.get("/o/bishan/schools/dingjia-xx").status_code == 200


def test_a_teacher_has_no_oversight_pages(teacher: FlaskClient) -> None:
    assert teacher.get("/o/qinggang/").status_code == 404
