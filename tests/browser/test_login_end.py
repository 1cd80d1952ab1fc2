"""On a phone: a login that ends while a talk is being typed asks for the password and then
saves the talk as typed; the warning shows two minutes before the end."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from tests.browser.test_phone import arrive, log_in
from tests.care.demo_day import freeze_today
from tests.conftest import migrated_app_with_demo
from webapp.auth.models import UserSession
from webapp.demo.care import DEMO_TODAY
from webapp.extensions import db

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, object]]:
    """A server of this module's own, whose logins the test can age."""
    app = migrated_app_with_demo(f"sqlite:///{tmp_path_factory.mktemp('login') / 'db.sqlite3'}")
    with pytest.MonkeyPatch.context() as patch:
        freeze_today(patch, DEMO_TODAY)
        httpd = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        yield f"http://127.0.0.1:{httpd.server_port}", app
        httpd.shutdown()


def age_logins(app, **ago: timedelta) -> None:
    with app.app_context():
        rows = db.session.scalars(select(UserSession).where(UserSession.ended_at.is_(None)))
        for row in rows:
            for column, delta in ago.items():
                setattr(row, column, getattr(row, column) - delta)
        db.session.commit()
        db.session.remove()


def test_a_talk_typed_across_the_end_of_the_login_is_saved_after_the_password(
    server, phone
) -> None:
    base, app = server
    log_in(phone, base, "13800000002")
    arrive(phone, f"{base}/s/yangguang/")
    phone.locator("a.duty-item.overdue", has_text="班主任谈心").first.click()
    arrive(phone, re.compile(r"/care/records/new/talk\?child_id=\d+$"))
    phone.locator("label.pick", has_text="学习").click()
    phone.get_by_label("谈话内容").fill("她说周末想和妈妈视频。")

    age_logins(app, last_seen_at=timedelta(minutes=45), created_at=timedelta(minutes=45))
    phone.get_by_role("button", name="保存").click()
    phone.get_by_role("heading", name="登录已结束").wait_for()
    stored = phone.evaluate("JSON.stringify(localStorage) + JSON.stringify(sessionStorage)")
    assert "妈妈" not in stored  # carried in the page's hidden inputs, never in storage
    phone.get_by_label("密码").fill("shouwang-demo")
    phone.get_by_role("button", name="确认").click()
    phone.get_by_text("已保存").wait_for()
    assert "她说周末想和妈妈视频。" in phone.content()
    assert not [e for e in phone.console_errors if "Content Security Policy" in e]


def test_the_warning_shows_in_the_last_two_minutes(server, phone) -> None:
    base, app = server
    log_in(phone, base, "13800000003")
    arrive(phone, f"{base}/s/yangguang/")
    warning = phone.locator("#login-warning")
    assert warning.is_hidden()
    # Busy all day: twelve hours end the login however active it is. Two minutes left, less
    # the page's rounding down to the minute: between one and two, however slow the machine.
    age_logins(app, created_at=timedelta(hours=11, minutes=58))
    phone.goto(f"{base}/me")
    warning.wait_for(state="visible")
    assert "2 分钟" in warning.inner_text()
