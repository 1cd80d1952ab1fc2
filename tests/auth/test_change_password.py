"""A logged-in person changes the password from "Me": the current one first, the policy on the
new one, and every other device logged out."""

from __future__ import annotations

from flask import Flask

from tests.auth.test_passwords import GOOD
from tests.auth.test_sessions import logged_in
from tests.helpers import csrf_token, log_in, text_of

TEACHER = "13800000002"
PAGE = "/me/password"


def change(client, current: str, new: str, again: str | None = None):
    return client.post(
        PAGE,
        data={
            "csrf_token": csrf_token(client, PAGE),
            "current": current,
            "password": new,
            "confirm": new if again is None else again,
        },
    )


def test_the_account_page_leads_to_the_change(teacher) -> None:
    assert f'href="{PAGE}"' in text_of(teacher.get("/me"))
    assert "修改密码" in text_of(teacher.get(PAGE))


def test_a_wrong_current_password_is_said_next_to_it(teacher) -> None:
    refused = change(teacher, "not-my-password", GOOD)
    assert refused.status_code == 422
    assert "这不是您当前的密码。" in text_of(refused)


def test_a_weak_new_password_is_refused_by_the_policy(teacher) -> None:
    refused = change(teacher, "shouwang-demo", "woaini1314")
    assert refused.status_code == 422
    assert "shouwang-demo" not in text_of(refused)  # no password is sent back
    assert change(teacher, "shouwang-demo", GOOD, GOOD + "x").status_code == 422


def test_the_change_logs_out_every_other_device(app: Flask, transaction) -> None:
    phone, laptop = app.test_client(), app.test_client()
    log_in(phone, TEACHER)
    log_in(laptop, TEACHER)
    done = change(phone, "shouwang-demo", GOOD)
    assert done.status_code == 303
    assert "其他设备已退出登录" in text_of(phone.get("/me"))
    assert logged_in(phone) and not logged_in(laptop)
    assert log_in(laptop, TEACHER).status_code != 303  # the old password opens nothing
    assert log_in(laptop, TEACHER, password=GOOD).status_code == 303
