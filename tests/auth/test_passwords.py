"""Passwords: ten characters or more, no composition rules, the common and Chinese-pattern ones
refused with the person's own phone, name and school; first login and reset through the
principal's one-time code (hashed, 24 hours, once)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.auth.test_sessions import logged_in, login_token
from tests.conftest import app_session
from tests.helpers import csrf_token, log_in, text_of
from webapp.auth.models import OneTimeCode
from webapp.auth.passwords import problem_with
from webapp.auth.service import find_user_by_phone

TEACHER, KEEPER = "13800000002", "13800000003"
GOOD = "山里的孩子 看星星很亮"


@pytest.mark.parametrize(
    "password",
    [
        "woaini1314",
        "5201314520",
        "123456789a",
        "qwertyuiop",
        "1qaz2wsx3edc",
        "zhangwei19850612",
        "liuyang850612",
        "wangfang520",
        "password12",
        "short",
        "aaaaaaaaaaaa",
    ],
)
def test_common_and_chinese_pattern_passwords_are_refused(password: str) -> None:
    assert problem_with(password) is not None


@pytest.mark.parametrize(
    "password",
    [GOOD, "correct horse battery staple", "banana tractor violin 7", "铁皮火车慢慢跑过金色稻田"],
)
def test_long_passwords_pass_without_any_composition_rule(password: str) -> None:
    assert problem_with(password) is None


def test_the_persons_own_phone_birthday_name_and_school_are_refused() -> None:
    own = {
        "phone": "13912345678",
        "name_pinyin": ["wangli", "wl"],
        "birth_date": date(1988, 3, 9),
        "schools": ["阳光小学", "yangguangxiaoxue"],
    }
    for password in (
        "my13912345678!",
        "12345678 sunny hills",
        "wangli loves tea",
        "x19880309 river song",
        "yangguangxiaoxue!!",
        "阳光小学的老师们好",
    ):
        assert problem_with(password, **own) is not None, password
    assert problem_with(GOOD, **own) is None


def test_the_demo_password_still_opens_the_demo_accounts(client: FlaskClient) -> None:
    assert log_in(client, TEACHER).status_code == 303


def give_code(principal: FlaskClient, app: Flask, phone: str) -> str:
    with app_session(app) as session:
        user_id = find_user_by_phone(session, phone).id
    page = principal.post(
        f"/s/yangguang/members/{user_id}/code", data={"csrf_token": csrf_token(principal, "/me")}
    )
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    return re.search(r'<p class="code-shown">([A-Z0-9-]+)</p>', text_of(page)).group(1)


def use_code(client: FlaskClient, phone: str, code: str, password: str = GOOD, **extra):
    return client.post(
        "/login/code",
        data={
            "csrf_token": csrf_token(client, "/login/code"),
            "phone": phone,
            "code": code,
            "password": password,
            "confirm": extra.get("confirm", password),
        },
    )


def test_a_reset_with_the_principals_code_sets_a_new_password_once(
    app: Flask, principal: FlaskClient
) -> None:
    members = text_of(principal.get("/s/yangguang/members/"))
    assert "王丽" in members and "一次性登录码" in members
    code = give_code(principal, app, KEEPER)
    with app_session(app) as session:
        [row] = session.scalars(select(OneTimeCode).where(OneTimeCode.used_at.is_(None))).all()
        assert code.replace("-", "") not in row.code_hash  # stored hashed only
        assert row.expires_at - row.created_at == timedelta(hours=24)

    keeper = app.test_client()
    log_in(keeper, KEEPER)  # her old login on another phone ends with the reset
    phone = app.test_client()
    weak = use_code(phone, KEEPER, code, "woaini1314")
    assert weak.status_code == 422 and "最常见" in text_of(weak)
    own = use_code(phone, KEEPER, code, "13800000003 is mine")
    assert own.status_code == 422
    done = use_code(phone, KEEPER, code.lower())
    assert done.status_code == 303 and logged_in(phone) and not logged_in(keeper)
    again = use_code(app.test_client(), KEEPER, code)
    assert again.status_code == 422  # used once
    fresh = app.test_client()
    assert log_in(fresh, KEEPER, GOOD).status_code == 303
    assert log_in(app.test_client(), KEEPER).status_code == 422  # the old password is gone
    assert login_token(fresh)


def test_a_code_older_than_24_hours_or_replaced_opens_nothing(
    app: Flask, principal: FlaskClient
) -> None:
    first = give_code(principal, app, KEEPER)
    second = give_code(principal, app, KEEPER)
    assert use_code(app.test_client(), KEEPER, first).status_code == 422
    with app_session(app) as session:
        for row in session.scalars(select(OneTimeCode).where(OneTimeCode.used_at.is_(None))):
            row.expires_at -= timedelta(hours=24, minutes=1)
    assert use_code(app.test_client(), KEEPER, second).status_code == 422


def test_only_the_principal_gives_codes_and_only_to_members(
    app: Flask, teacher: FlaskClient, transaction: None
) -> None:
    assert teacher.get("/s/yangguang/members/").status_code == 403
    with app_session(app) as session:
        foreign = find_user_by_phone(session, "13800000005").id
    principal = app.test_client()
    log_in(principal, "13800000001")
    response = principal.post(
        f"/s/yangguang/members/{foreign}/code", data={"csrf_token": csrf_token(principal, "/me")}
    )
    assert response.status_code == 404


def test_a_role_change_needs_step_up_and_is_saved(app: Flask, client: FlaskClient) -> None:
    log_in(client, "13800000001", with_code=False)
    with app_session(app) as session:
        keeper = find_user_by_phone(session, KEEPER).id
    url = f"/s/yangguang/members/{keeper}/roles"
    assert client.get(url).status_code == 401  # a principal: the code first
    principal = app.test_client()
    log_in(principal, "13800000001")
    saved = principal.post(
        url,
        data={"csrf_token": csrf_token(principal, "/me"), "roles": ["room_keeper", "teacher"]},
    )
    assert saved.status_code == 303
    page = text_of(principal.get("/s/yangguang/members/"))
    assert re.search(r"张秀英</span>\s*<span class=\"sub\">[^<]*任课教师", page)
