"""Every form carries a CSRF token; a POST without one changes nothing and says so in Chinese."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import app_session
from tests.helpers import csrf_token, forms_in, log_in, text_of
from webapp.auth.models import LoginThrottle
from webapp.auth.service import throttle_key

EXPIRED = "页面已过期"


def test_a_login_without_the_token_is_refused_and_counts_nothing(
    app: Flask, client: FlaskClient
) -> None:
    response = client.post("/login", data={"phone": "13800000002", "password": "guess"})
    assert response.status_code == 400
    assert EXPIRED in text_of(response) and "重新提交" in text_of(response)
    with app_session(app) as session:
        assert session.get(LoginThrottle, throttle_key("13800000002")) is None


def test_a_logout_without_the_token_leaves_you_logged_in(teacher: FlaskClient) -> None:
    response = teacher.post("/logout")
    assert response.status_code == 400 and EXPIRED in text_of(response)
    assert teacher.get("/s/yangguang/").status_code == 200


def test_a_token_from_another_session_is_refused(app: Flask, teacher: FlaskClient) -> None:
    other = app.test_client()
    foreign_token = csrf_token(other, "/login")
    assert teacher.post("/logout", data={"csrf_token": foreign_token}).status_code == 400
    assert teacher.get("/s/yangguang/").status_code == 200


def test_an_htmx_request_without_the_token_gets_the_message_in_the_message_area(
    teacher: FlaskClient,
) -> None:
    response = teacher.post("/logout", headers={"HX-Request": "true"})
    assert response.status_code == 400
    assert response.headers["HX-Retarget"] == "#messages"
    assert EXPIRED in text_of(response) and "<html" not in text_of(response)


def test_every_post_form_on_every_page_carries_the_token(client: FlaskClient) -> None:
    pages = {"/login": text_of(client.get("/login"))}
    log_in(client, "13800000001")
    for page in ("/me", "/logout", "/switch", "/s/yangguang/", "/s/yangguang/children/"):
        pages[page] = text_of(client.get(page))
    seen = 0
    for page, html in pages.items():
        for form in forms_in(html):
            if form["method"] == "post":
                assert "csrf_token" in form["inputs"], f"a form on {page} has no CSRF token"
                seen += 1
    assert seen >= 5
