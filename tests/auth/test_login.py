"""Logging in with a phone number, being locked out, logging out."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import app_session
from tests.helpers import csrf_token, log_in, text_of
from webapp.auth.models import LoginThrottle
from webapp.auth.service import find_user_by_phone, throttle_key
from webapp.core.db import utcnow

WRONG_CREDENTIALS = "手机号码或密码不正确。"


def test_a_class_teacher_logs_in_and_lands_on_her_school_in_chinese(client: FlaskClient) -> None:
    response = log_in(client, "13800000002")
    assert response.status_code == 303
    page = client.get("/", follow_redirects=True)
    assert page.request.path == "/s/yangguang/"
    html = text_of(page)
    assert "阳光小学" in html and "王丽，您好" in html and "三年级一班" in html


def test_the_phone_may_be_typed_with_spaces_and_country_code(client: FlaskClient) -> None:
    assert log_in(client, "+86 138 0000 0002").status_code == 303


TOKEN = re.compile(r'(?<=value=")[\w.-]{40,}(?=")|(?<="X-CSRFToken": ")[\w.-]{40,}(?=")')


def test_a_wrong_password_and_an_unknown_phone_get_the_same_message(client: FlaskClient) -> None:
    wrong = log_in(client, "13800000002", "not-the-password")
    unknown = log_in(client, "13911112222", "not-the-password")
    assert wrong.status_code == unknown.status_code == 422
    assert WRONG_CREDENTIALS in text_of(wrong)
    assert WRONG_CREDENTIALS in text_of(unknown)

    # The same page but for the number typed and the CSRF token, which carries its own time.
    def without_number_and_token(html: str, phone: str) -> str:
        return TOKEN.sub("", html.replace(phone, ""))

    assert without_number_and_token(text_of(wrong), "13800000002") == without_number_and_token(
        text_of(unknown), "13911112222"
    )


def test_the_form_keeps_the_phone_and_says_what_is_missing(client: FlaskClient) -> None:
    response = client.post(
        "/login", data={"phone": "1380000", "password": "", "csrf_token": csrf_token(client)}
    )
    html = text_of(response)
    assert response.status_code == 422
    assert "请输入11位手机号码。" in html and "请输入密码。" in html
    assert 'value="1380000"' in html


def test_after_five_failures_even_the_right_password_is_refused_until_the_lock_ends(
    app: Flask, client: FlaskClient
) -> None:
    for _ in range(4):
        assert WRONG_CREDENTIALS in text_of(log_in(client, "13800000002", "guess"))
    locked = log_in(client, "13800000002", "guess")
    assert "账号已暂时锁定" in text_of(locked) and "15 分钟" in text_of(locked)

    refused = log_in(client, "13800000002")
    assert refused.status_code == 422 and "账号已暂时锁定" in text_of(refused)
    assert client.get("/s/yangguang/").status_code == 302  # still not logged in

    with app_session(app) as session:  # fifteen minutes pass
        throttle = session.get(LoginThrottle, throttle_key("13800000002"))
        throttle.locked_until = utcnow() - timedelta(seconds=1)
    assert log_in(client, "13800000002").status_code == 303


def test_an_unknown_number_locks_the_same_way(client: FlaskClient) -> None:
    for _ in range(5):
        response = log_in(client, "13911112222", "guess")
    assert "账号已暂时锁定" in text_of(response)


def test_failures_long_ago_do_not_count(app: Flask, client: FlaskClient) -> None:
    for _ in range(4):
        log_in(client, "13800000002", "guess")
    with app_session(app) as session:
        session.get(LoginThrottle, throttle_key("13800000002")).first_failure_at -= timedelta(
            hours=1
        )
    assert WRONG_CREDENTIALS in text_of(log_in(client, "13800000002", "guess"))
    assert log_in(client, "13800000002").status_code == 303


def test_a_deactivated_account_cannot_log_in(app: Flask, client: FlaskClient) -> None:
    with app_session(app) as session:
        find_user_by_phone(session, "13800000002").is_active = False
    assert WRONG_CREDENTIALS in text_of(log_in(client, "13800000002"))


def test_login_returns_to_the_page_asked_for_but_never_to_another_site(
    client: FlaskClient,
) -> None:
    asked = client.get("/s/yangguang/children/")
    assert asked.status_code == 302 and "/login?next=" in asked.headers["Location"]
    assert (
        log_in(client, "13800000002", next_path="/s/yangguang/children/").headers["Location"]
        == "/s/yangguang/children/"
    )
    client.post("/logout", data={"csrf_token": csrf_token(client, "/me")})
    for evil in ("//evil.example/", "https://evil.example/", "javascript:alert(1)"):
        assert log_in(client, "13800000002", next_path=evil).headers["Location"] == "/"
        client.post("/logout", data={"csrf_token": csrf_token(client, "/me")})


def test_logging_out_ends_access(teacher: FlaskClient) -> None:
    assert teacher.get("/s/yangguang/").status_code == 200
    response = teacher.post("/logout", data={"csrf_token": csrf_token(teacher, "/me")})
    assert response.status_code == 303
    assert teacher.get("/s/yangguang/").status_code == 302


def test_someone_in_a_school_and_an_oversight_unit_chooses_where_to_go(client: FlaskClient) -> None:
    log_in(client, "13800000009")
    switcher = client.get("/", follow_redirects=True)
    assert switcher.request.path == "/switch"
    html = text_of(switcher)
    assert "红星小学" in html and "青杠镇中心校" in html and "阳光小学" not in html
    assert client.get("/s/hongxing/").status_code == 200
    assert client.get("/o/qinggang/").status_code == 200
    assert client.get("/s/yangguang/").status_code == 404


def test_passwords_are_stored_as_argon2id(app: Flask, transaction: None) -> None:
    with app_session(app) as session:
        user = find_user_by_phone(session, "13800000002")
        assert user.password_hash.startswith("$argon2id$")
        assert "shouwang-demo" not in user.password_hash
