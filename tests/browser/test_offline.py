"""Without signal on a phone: a form is kept on the phone, encrypted, and sent once when the
signal returns; what the server refuses waits under 需处理 with its message; another person's
entries stay theirs; nothing is kept past 72 hours; the home-visit pack works offline and is
gone at logout."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from tests.browser.test_phone import arrive, log_in
from tests.care.demo_day import freeze_today
from tests.conftest import app_session, migrated_app_with_demo
from webapp.care.models import CareKind, CareRecord
from webapp.children.models import Child, SchoolClass
from webapp.demo.care import DEMO_TODAY

pytestmark = pytest.mark.browser

TEACHER = "13800000002"  # 王丽, class teacher of 三年级一班
PRINCIPAL = "13800000001"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, object]]:
    """A live server of its own, whose database the tests read."""
    database = tmp_path_factory.mktemp("offline") / "offline.sqlite3"
    app = migrated_app_with_demo(f"sqlite:///{database}")
    with pytest.MonkeyPatch.context() as patch:
        freeze_today(patch, DEMO_TODAY)
        httpd = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=httpd.serve_forever, daemon=True)
        thread.start()
        yield f"http://127.0.0.1:{httpd.server_port}", app
        httpd.shutdown()


def a_child(app, index: int) -> tuple[int, str]:
    """The index-th child of 三年级一班: each test takes its own."""
    with app_session(app, "yangguang") as session:
        child = session.scalars(
            select(Child)
            .join(SchoolClass, SchoolClass.id == Child.class_id)
            .where(SchoolClass.name == "三年级一班")
            .order_by(Child.id)
        ).all()[index]
        return child.id, child.name


def records(app, child_id: int, kind: CareKind = CareKind.TALK, notes: str | None = None) -> int:
    """How many records of the kind the child has on the server (with these notes)."""
    with app_session(app, "yangguang") as session:
        found = session.scalars(
            select(CareRecord).where(CareRecord.child_id == child_id, CareRecord.kind == kind)
        ).all()
        return sum(1 for r in found if notes is None or r.notes == notes)


def unexpected(errors: list[str]) -> list[str]:
    """Console errors other than the requests that failed on purpose (no signal, cut off)."""
    return [e for e in errors if "ERR_FAILED" not in e and "ERR_INTERNET_DISCONNECTED" not in e]


def badge(page) -> str:
    return page.locator("#outbox").inner_text() if page.locator("#outbox").is_visible() else ""


def wait_badge(page, text: str) -> None:
    page.wait_for_function(
        "t => { const b = document.getElementById('outbox'); return b && (b.hidden ? '' : "
        "b.textContent) === t; }",
        arg=text,
        timeout=20000,
    )


def open_talk(page, base: str, child_id: int) -> None:
    page.goto(f"{base}/s/yangguang/care/records/new/talk?child_id={child_id}")
    page.locator("#care-entry form[data-offline]").wait_for()
    page.wait_for_function("navigator.serviceWorker.controller !== null || true")


def talk_offline(page, notes: str) -> None:
    page.context.set_offline(True)
    form = page.locator("#care-entry form[data-offline]")
    form.get_by_label("谈话内容").fill(notes)
    form.get_by_role("button", name="保存").click()
    wait_badge(page, "待同步 1")


def test_a_talk_recorded_offline_is_sent_once_when_the_signal_returns(server, phone) -> None:
    base, app = server
    child_id, _name = a_child(app, 0)
    log_in(phone, base, TEACHER)
    arrive(phone, f"{base}/s/yangguang/")
    open_talk(phone, base, child_id)
    before = records(app, child_id)
    notes = "在宿舍门口聊了几句，他说想妈妈了。"
    talk_offline(phone, notes)
    assert "已存在本机" in phone.locator("#messages").inner_text()
    assert records(app, child_id) == before
    # The first replay reaches the server but its answer is lost on the way back.
    cut = {"done": False}

    def lose_the_answer(route) -> None:
        if route.request.method == "POST" and not cut["done"]:
            cut["done"] = True
            route.fetch()
            route.abort()
        else:
            route.continue_()

    phone.route(re.compile(r".*/care/records/new/talk.*"), lose_the_answer)
    phone.context.set_offline(False)
    phone.wait_for_function("() => true")
    phone.wait_for_timeout(1500)
    assert cut["done"]
    assert records(app, child_id, notes=notes) == 1  # it arrived, the phone does not know yet
    assert badge(phone) == "待同步 1"
    phone.get_by_role("link", name="待同步 1").click()
    arrive(phone, f"{base}/offline")
    phone.get_by_role("button", name="立即同步").click()
    wait_badge(phone, "")
    assert records(app, child_id, notes=notes) == 1
    assert records(app, child_id) == before + 1
    assert unexpected(phone.console_errors) == []
