"""Roll call on a phone (390 px): a class of 40 with two absences takes five taps, the answer
swapped in stays under 4 KB, and without JavaScript the same page submits.

The demo's classes have about ten children: the class of forty is made through the services in
a live server of this module's own, before it serves.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.serving import make_server

from tests.browser.test_phone import arrive, fits_the_screen, log_in
from tests.care.demo_day import freeze_today
from tests.conftest import app_session, migrated_app_with_demo
from tests.helpers import log_in as client_log_in
from tests.safety.sheet import marks_of, read_sheet
from webapp.auth.service import create_user, hash_password
from webapp.children.models import Gender, SchoolClass, Stage
from webapp.children.service import create_class, new_card, register_children
from webapp.core.org import Membership, Tenant
from webapp.core.permissions import Role
from webapp.demo import DEMO_PASSWORD
from webapp.demo.care import DEMO_TODAY
from webapp.demo.people import BOY_GIVEN, GIRL_GIVEN
from webapp.safety.models import Attendance

pytestmark = pytest.mark.browser

TEACHER = "13900000192"
CLASS = "四年级二班"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"


def make_class_of_forty(app: Flask) -> int:
    """四年级二班 of 阳光小学, forty children, taught by 吴晓红 (a new account)."""
    with app_session(app, "yangguang") as session:
        teacher = create_user(
            session, phone=TEACHER, name="吴晓红", password_hash=hash_password(DEMO_PASSWORD)
        )
        tenant_id = session.scalar(select(Tenant.id).where(Tenant.slug == "yangguang"))
        for role in (Role.CLASS_TEACHER, Role.TEACHER):
            session.add(Membership(tenant_id=tenant_id, user_id=teacher.id, role=role))
        school_class = create_class(
            session, name=CLASS, stage=Stage.PRIMARY, grade=4, section=2, teacher_id=teacher.id
        )
        cards = []
        for n in range(40):
            boy = n % 2 == 0
            given = (BOY_GIVEN if boy else GIRL_GIVEN)[n // 2 % len(BOY_GIVEN)]
            cards.append(
                (
                    new_card(
                        name=SURNAMES[n % len(SURNAMES)] + given,
                        gender=Gender.MALE if boy else Gender.FEMALE,
                        birth_date=date(2016, 1 + n % 12, 1 + n % 28),
                        school_class=school_class,
                    ),
                    [],
                )
            )
        register_children(session, cards, actor_id=None)
        return school_class.id


@pytest.fixture(scope="module")
def forty(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Flask, int]]:
    """A live server whose database holds the demo and the class of forty: (address, app,
    class id). It answers as on the demo's day, like the shared live server."""
    database = tmp_path_factory.mktemp("forty") / "live.sqlite3"
    app = migrated_app_with_demo(f"sqlite:///{database}")
    class_id = make_class_of_forty(app)
    with pytest.MonkeyPatch.context() as patch:
        freeze_today(patch, DEMO_TODAY)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield f"http://127.0.0.1:{server.server_port}", app, class_id
        server.shutdown()


def roll_call_page(base: str, class_id: int, day: date = DEMO_TODAY) -> str:
    return f"{base}/s/yangguang/safety/roll-calls/{class_id}?day={day.isoformat()}"


def test_roll_call_on_a_class_of_40_with_two_absences_takes_five_taps(forty, phone) -> None:
    base, app, class_id = forty
    log_in(phone, base, TEACHER)
    arrive(phone, f"{base}/s/yangguang/")
    phone.goto(roll_call_page(base, class_id))
    rows = phone.locator("details.sheet-row")
    assert rows.count() == 40
    assert fits_the_screen(phone)
    answers = []
    phone.on(
        "response",
        lambda response: (
            answers.append(response)
            if response.request.method == "POST" and response.request.headers.get("hx-request")
            else None
        ),
    )
    absent = [rows.nth(4), rows.nth(27)]
    names = [row.locator(".sheet-name").inner_text() for row in absent]
    taps = 0

    for row in absent:
        row.locator("summary").click()  # the name
        taps += 1
        row.locator("label.pick", has_text="缺勤(未说明)").click()  # the status
        taps += 1
        assert row.locator(".sheet-status").inner_text() == "缺勤(未说明)"
        assert row.get_attribute("open") is None  # closed again, ready for the next name
    tally = phone.locator("#sheet-tally")
    assert tally.locator('[data-count="here"]').inner_text() == "38"  # live counts
    assert tally.locator('[data-count="absent"]').inner_text() == "2"
    phone.get_by_role("button", name="其余全到").click()
    taps += 1
    saved = phone.locator("#roll-call.sheet-saved")
    saved.wait_for()

    assert taps == 5
    assert "点名已保存" in saved.inner_text()
    assert saved.locator('[data-count="here"]').inner_text() == "38"
    assert all(name in saved.inner_text() for name in names)
    assert phone.url == roll_call_page(base, class_id)  # swapped in place
    assert len(answers) == 1 and len(answers[0].body()) < 4096
    assert fits_the_screen(phone)
    marks = marks_of(app, class_id, DEMO_TODAY)
    assert len(marks) == 40
    assert sorted(marks.values()).count(Attendance.ABSENT) == 2
    assert phone.console_errors == []


def test_without_javascript_the_same_page_submits(forty, browser) -> None:
    base, app, class_id = forty
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, java_script_enabled=False, locale="zh-CN"
    )
    page = context.new_page()
    try:
        log_in(page, base, TEACHER)
        day = DEMO_TODAY - timedelta(days=1)
        page.goto(roll_call_page(base, class_id, day))
        row = page.locator("details.sheet-row").nth(3)
        row.locator("summary").click()
        row.locator("label.pick", has_text="病假").click()
        page.get_by_role("button", name="其余全到").click()
        page.get_by_text("点名已保存：应到 40 人，实到 39 人。").wait_for()
        assert (
            page.locator("details.sheet-row").nth(3).locator("input:checked").get_attribute("value")
            == "sick"
        )  # reopened with its marks
        assert sorted(marks_of(app, class_id, day).values()).count(Attendance.SICK) == 1
    finally:
        context.close()


def test_a_plain_form_post_of_the_page_is_a_roll_call(forty) -> None:
    """The test client sends the page's form as a browser without JavaScript would."""
    _base, app, class_id = forty
    client = app.test_client()
    client_log_in(client, TEACHER)
    day = DEMO_TODAY - timedelta(days=2)
    url = f"/s/yangguang/safety/roll-calls/{class_id}?day={day.isoformat()}"
    form = read_sheet(client.get(url).get_data(as_text=True))
    first = next(iter(form.radios))
    response = client.post(form.action, data={**form.values, first: "late"})
    assert response.status_code == 303
    marks = marks_of(app, class_id, day)
    assert len(marks) == 40 and sorted(marks.values()).count(Attendance.LATE) == 1
    with app_session(app, "yangguang") as session:
        assert session.get(SchoolClass, class_id).name == CLASS
    assert re.search(r"roll-calls/\d+\?day=", response.headers["Location"])
