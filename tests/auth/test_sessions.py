"""Logins held by the server: a random id in the cookie, a new one at each login, five at most,
ended after 30 idle minutes or 12 hours, at logout, on deactivation and from another device;
an ended login during a form keeps what was typed."""

from __future__ import annotations

import hashlib
import html
import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.care.test_talk import child_of, talk, talk_url, talks_of
from tests.conftest import app_session
from tests.helpers import csrf_token, csrf_token_in, log_in, text_of
from webapp.auth import sessions
from webapp.auth.models import UserSession
from webapp.auth.service import find_user_by_phone
from webapp.demo import DEMO_PASSWORD
from webapp.extensions import db

TEACHER = "13800000002"
ANDROID_WECHAT = (
    "Mozilla/5.0 (Linux; Android 13; V2148A) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/110.0 Mobile Safari/537.36 MicroMessenger/8.0.40"
)


def login_token(client: FlaskClient) -> str | None:
    cookie = client.get_cookie(sessions.COOKIE_NAME)
    return cookie.value if cookie else None


@pytest.fixture(autouse=True)
def earlier_logins(app: Flask) -> None:
    """Logins other tests left committed (the concurrency tests) are not this test's."""
    global EARLIER
    with app.app_context():
        EARLIER = db.session.scalar(select(func.max(UserSession.id))) or 0
        db.session.remove()


EARLIER = 0


def logins_of(app: Flask, phone: str) -> list[UserSession]:
    """The person's logins made by this test."""
    with app_session(app) as session:
        user = find_user_by_phone(session, phone)
        rows = session.scalars(
            select(UserSession)
            .where(UserSession.user_id == user.id, UserSession.id > EARLIER)
            .order_by(UserSession.id)
        ).all()
        session.expunge_all()
        return list(rows)


def shift_login(app: Flask, token: str, **ago: timedelta) -> None:
    """Moves a login's clocks into the past, as if that much time had gone by."""
    with app_session(app) as session:
        row = sessions.find(session, token)
        for column, delta in ago.items():
            setattr(row, column, getattr(row, column) - delta)


def logged_in(client: FlaskClient) -> bool:
    return client.get("/me").status_code == 200


def test_the_cookie_holds_a_random_id_stored_only_as_its_hash(
    app: Flask, client: FlaskClient
) -> None:
    assert log_in(client, TEACHER).status_code == 303
    token = login_token(client)
    assert token and len(token) >= 40
    [row] = [r for r in logins_of(app, TEACHER) if r.ended_at is None]
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest() != token
    cookie = client.get_cookie(sessions.COOKIE_NAME)
    assert cookie.http_only and cookie.expires is None  # no remember-me: gone with the browser
    # The signed Flask cookie names nobody: without the login cookie nobody is logged in.
    client.delete_cookie(sessions.COOKIE_NAME)
    assert not logged_in(client)


def test_each_login_gets_a_new_id_and_an_old_id_opens_nothing(client: FlaskClient) -> None:
    client.set_cookie(sessions.COOKIE_NAME, "chosen-by-an-attacker-" + "x" * 30)
    log_in(client, TEACHER)
    first = login_token(client)
    assert first and not first.startswith("chosen-by-an-attacker")
    client.post("/logout", data={"csrf_token": csrf_token(client, "/me")})
    log_in(client, TEACHER)
    assert login_token(client) != first
    client.set_cookie(sessions.COOKIE_NAME, first)
    assert not logged_in(client)


def test_a_sixth_login_ends_the_oldest(app: Flask, transaction: None) -> None:
    phones = [app.test_client() for _ in range(6)]
    for phone in phones:
        log_in(phone, TEACHER)
    assert not logged_in(phones[0])
    assert all(logged_in(phone) for phone in phones[1:])
    live = [r for r in logins_of(app, TEACHER) if r.ended_at is None]
    assert len(live) == 5


def test_thirty_idle_minutes_end_a_login_twenty_nine_do_not(app: Flask, teacher) -> None:
    token = login_token(teacher)
    shift_login(app, token, last_seen_at=timedelta(minutes=29))
    assert logged_in(teacher)
    shift_login(app, token, last_seen_at=timedelta(minutes=31))
    assert not logged_in(teacher)


def test_twelve_hours_end_a_login_however_busy(app: Flask, teacher: FlaskClient) -> None:
    token = login_token(teacher)
    shift_login(app, token, created_at=timedelta(hours=11, minutes=50))
    assert logged_in(teacher)
    shift_login(app, token, created_at=timedelta(minutes=11))
    assert not logged_in(teacher)


def test_logging_out_ends_the_login_on_the_server(app: Flask, teacher: FlaskClient) -> None:
    token = login_token(teacher)
    teacher.post("/logout", data={"csrf_token": csrf_token(teacher, "/me")})
    assert login_token(teacher) is None
    teacher.set_cookie(sessions.COOKIE_NAME, token)  # a copy of the cookie kept somewhere
    assert not logged_in(teacher)
    assert [r.end_reason for r in logins_of(app, TEACHER)] == ["logout"]


def test_deactivating_an_account_ends_its_logins_at_once(app: Flask, teacher) -> None:
    with app_session(app) as session:
        sessions.deactivate(session, find_user_by_phone(session, TEACHER))
    assert not logged_in(teacher)
    assert [r.end_reason for r in logins_of(app, TEACHER)] == ["deactivated"]


def test_a_phone_switching_networks_stays_logged_in(teacher: FlaskClient) -> None:
    for address in ("10.64.3.7", "192.168.1.23", "2409:8a1e::1"):
        assert teacher.get("/me", environ_base={"REMOTE_ADDR": address}).status_code == 200


def test_my_devices_lists_logins_and_logs_out_another(app: Flask, transaction: None) -> None:
    phone, computer = app.test_client(), app.test_client()
    log_in(computer, TEACHER)
    phone.environ_base["HTTP_USER_AGENT"] = ANDROID_WECHAT
    log_in(phone, TEACHER)
    page = text_of(phone.get("/me/devices"))
    assert "Android · WeChat" in page and "本设备" in page
    assert ANDROID_WECHAT not in page
    other = next(r for r in logins_of(app, TEACHER) if r.device != "Android · WeChat")
    token = csrf_token(phone, "/me")
    assert phone.post(f"/me/devices/{other.id}/end", data={"csrf_token": token}).status_code == 303
    assert not logged_in(computer) and logged_in(phone)
    assert [r.end_reason for r in logins_of(app, TEACHER)] == ["revoked", None]


def test_nobody_ends_another_persons_login(app: Flask, transaction: None) -> None:
    theirs, mine = app.test_client(), app.test_client()
    log_in(theirs, "13800000003")
    log_in(mine, TEACHER)
    [their_login] = logins_of(app, "13800000003")
    response = mine.post(
        f"/me/devices/{their_login.id}/end", data={"csrf_token": csrf_token(mine, "/me")}
    )
    assert response.status_code == 404 and logged_in(theirs)


def test_log_out_every_other_device(app: Flask, transaction: None) -> None:
    clients = [app.test_client() for _ in range(3)]
    for client in clients:
        log_in(client, TEACHER)
    clients[0].post("/me/devices/end-others", data={"csrf_token": csrf_token(clients[0], "/me")})
    assert [logged_in(c) for c in clients] == [True, False, False]


def test_pages_say_when_the_login_ends_for_the_warning(teacher: FlaskClient) -> None:
    response = teacher.get("/s/yangguang/")
    match = re.search(r'id="login-warning"[^>]*data-expires="([^"]+)"', text_of(response))
    assert match and response.headers["X-Login-Expires"] == match.group(1)
    assert "hidden" in re.search(r'<div id="login-warning"[^>]*>', text_of(response)).group(0)


class HiddenInputs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, list[str]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "input" and attributes.get("type") == "hidden":
            self.fields.setdefault(attributes["name"], []).append(attributes.get("value") or "")


def carried_fields(page: str) -> dict[str, list[str]]:
    """The hidden inputs of the page's forms (the layout's CSRF header aside)."""
    parser = HiddenInputs()
    parser.feed(page)
    return parser.fields


def test_a_talk_typed_while_the_login_ended_is_saved_after_the_password(
    app: Flask, teacher: FlaskClient
) -> None:
    child_id, _name = child_of(app)
    before = talks_of(app, child_id)
    typed = talk(teacher, child_id, notes="她说想妈妈了，周末要视频。")
    shift_login(app, login_token(teacher), last_seen_at=timedelta(minutes=45))

    prompt = teacher.post(talk_url(child_id), data=typed)
    assert prompt.status_code == 401 and prompt.headers["Cache-Control"] == "no-store"
    page = text_of(prompt)
    assert "登录已结束" in page
    fields = carried_fields(page)
    assert fields["carry:notes"] == ["她说想妈妈了，周末要视频。"]
    assert fields["carry:topics"] == ["study", "feelings"]
    assert "carry:csrf_token" not in fields
    fields.pop("csrf_token")
    assert talks_of(app, child_id) == before

    wrong = {**fields, "csrf_token": csrf_token_in(page), "password": "not-it-at-all"}
    again = teacher.post("/login/again", data=wrong)
    assert again.status_code == 422 and "她说想妈妈了" in text_of(again)

    right = {**fields, "csrf_token": csrf_token_in(page), "password": DEMO_PASSWORD}
    resumed = teacher.post("/login/again", data=right)
    assert resumed.status_code == 200 and logged_in(teacher)
    page = text_of(resumed)
    assert f'action="{talk_url(child_id)}"' in html.unescape(page) and "data-resume" in page
    replay = carried_fields(page)
    fresh = replay.pop("csrf_token")[0]
    assert fresh != typed["csrf_token"]
    saved = teacher.post(talk_url(child_id), data={**replay, "csrf_token": fresh})
    assert saved.status_code == 303
    [record] = [t for t in talks_of(app, child_id) if t not in before]
    assert record.notes == "她说想妈妈了，周末要视频。"


def test_the_password_prompt_only_logs_in_the_same_person(app: Flask, teacher) -> None:
    child_id, _name = child_of(app)
    typed = talk(teacher, child_id)
    shift_login(app, login_token(teacher), last_seen_at=timedelta(hours=1))
    page = text_of(teacher.post(talk_url(child_id), data=typed))
    fields = carried_fields(page)
    fields.pop("csrf_token")
    fields["ticket"] = [fields["ticket"][0][:-3] + "abc"]  # a forged ticket
    forged = teacher.post(
        "/login/again", data={**fields, "csrf_token": csrf_token_in(page), "password": "x"}
    )
    assert forged.status_code == 400 and not logged_in(teacher)


def test_device_labels_are_coarse() -> None:
    assert sessions.device_label(ANDROID_WECHAT) == "Android · WeChat"
    iphone = (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
    )
    assert sessions.device_label(iphone) == "iPhone · Safari"
    assert sessions.device_label(None) == "?"
