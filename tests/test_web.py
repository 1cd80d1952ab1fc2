"""What every response carries, health, error pages, and the permission on every school view."""

from __future__ import annotations

import pytest
from flask import Flask, g
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.exceptions import Forbidden

from tests.conftest import app_session
from tests.helpers import text_of
from webapp.children.models import Child
from webapp.core.errors import handle_http_error
from webapp.core.permissions import PERMISSIONS, Role, permission_required


def test_healthz_answers_ok_when_the_database_answers(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200 and text_of(response) == "ok"


def test_every_response_forbids_framing_sniffing_and_inline_script(client: FlaskClient) -> None:
    for path in ("/login", "/healthz", "/no-such-page"):
        headers = client.get(path).headers
        policy = headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy
        assert "frame-ancestors 'none'" in policy
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"


def test_pages_with_children_are_never_cached_but_assets_are(teacher: FlaskClient) -> None:
    assert teacher.get("/s/yangguang/children/").headers["Cache-Control"] == "no-store"
    page = text_of(teacher.get("/s/yangguang/"))
    assert "/static/app.css?v=" in page and "/static/htmx.min.js?v=" in page
    asset = teacher.get("/static/app.css?v=1")
    assert "max-age=31536000" in asset.headers["Cache-Control"]


def test_pages_load_nothing_from_another_origin(teacher: FlaskClient) -> None:
    html = text_of(teacher.get("/s/yangguang/"))
    assert "http://" not in html and "https://" not in html


def test_a_missing_page_is_a_chinese_404_page(client: FlaskClient) -> None:
    response = client.get("/no-such-page")
    assert response.status_code == 404 and "找不到页面" in text_of(response)


def test_every_school_and_oversight_view_names_its_permission(app: Flask) -> None:
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(("/s/", "/o/")):
            view = app.view_functions[rule.endpoint]
            assert getattr(view, "required_permission", None) in PERMISSIONS, rule.rule


def test_the_permission_check_refuses_a_role_without_it_with_a_chinese_403(app: Flask) -> None:
    @permission_required("children.view_all")
    def leaders_only() -> str:
        return "secret"

    with app.test_request_context("/"):
        g.roles = frozenset({Role.VOLUNTEER, Role.CLASS_TEACHER})
        with pytest.raises(Forbidden) as refused:
            leaders_only()
        page = handle_http_error(refused.value)
        assert page.status_code == 403 and "无权操作" in page.get_data(as_text=True)
        g.roles = frozenset({Role.PRINCIPAL})
        assert leaders_only() == "secret"


def test_a_role_refused_a_records_page_meets_the_404_of_a_missing_record(
    app: Flask, teacher: FlaskClient
) -> None:
    """A 403 would tell her the record exists; a page without a record still says 403."""
    with app_session(app, "yangguang") as session:
        child_id = session.scalar(select(Child.id).order_by(Child.id))
    refused = teacher.get(f"/s/yangguang/children/{child_id}/status")  # the principal's to set
    absent = teacher.get(f"/s/yangguang/children/{child_id + 10**6}/status")
    assert refused.status_code == absent.status_code == 404
    assert "找不到页面" in text_of(refused)
    assert teacher.get("/s/yangguang/setup/").status_code == 403
    assert teacher.get("/s/yangguang/reports/figures/talks").status_code == 403
