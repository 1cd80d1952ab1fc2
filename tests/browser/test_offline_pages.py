"""Forms that open without signal: a page with such a form (a roll call here), once opened with
signal, opens again without it — the service worker answers with the offline page, which shows
the phone's sealed copy — and what is saved there is kept and sent when the signal returns. The
home-visit pack carries each child's quick forms (visit, talk, parent contact, family call).
Kept pages are sealed, listed on the offline page, and gone at logout."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.browser import test_offline
from tests.browser.test_offline import (
    RAW_STORE,
    a_child,
    badge,
    download_pack,
    log_out,
    on_the_demo_day,
    packed_card,
    records,
    start,
    unexpected,
    wait_badge,
)
from tests.browser.test_phone import arrive, fits_the_screen
from tests.browser.test_pickup import (
    GRANDPARENTS,
    a_child_collected_by_a_grandparent,
    open_the_board,
)
from tests.conftest import app_session
from tests.safety.sheet import marks_of
from webapp.care.models import CareKind
from webapp.children.models import SchoolClass
from webapp.demo.care import DEMO_TODAY
from webapp.safety.models import Attendance
from webapp.transport.models import Release

pytestmark = pytest.mark.browser
server = test_offline.server  # the offline tests' live server, one of this module's own

HAS_PAGE = (
    "key => new Promise(r => { const o = indexedDB.open('shouwang'); o.onsuccess = () => {"
    " const q = o.result.transaction('pages').objectStore('pages').getKey(key);"
    " q.onsuccess = () => { o.result.close(); r(q.result !== undefined); }; }; })"
)


def wait_kept(page, key: str) -> None:
    """Until the phone keeps the page under this key (user id, space, path)."""
    for _ in range(100):
        if page.evaluate(HAS_PAGE, key):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"{key} was not kept")


def class_id_of(app, name: str = "三年级一班") -> int:
    with app_session(app, "yangguang") as session:
        return session.scalar(select(SchoolClass.id).where(SchoolClass.name == name))


def test_a_roll_call_opened_with_signal_opens_again_without_and_is_sent_later(
    server, phone
) -> None:
    base, app = server
    class_id = class_id_of(app)
    day = DEMO_TODAY - timedelta(days=1)  # taken by the demo's teacher: changed offline
    url = f"{base}/s/yangguang/safety/roll-calls/{class_id}?day={day.isoformat()}"
    start(phone, base)
    phone.goto(url)
    phone.evaluate("navigator.serviceWorker.ready.then(() => true)")
    wait_kept(
        phone, f"{phone.locator('#outbox').get_attribute('data-user')} {url.removeprefix(base)}"
    )
    raw = " ".join(phone.evaluate(RAW_STORE)["pages"])
    statuses = phone.locator("details.sheet-row .sheet-status").all_inner_texts()
    here = statuses.index("")  # a child marked here, to be marked absent without signal
    absent = phone.locator("details.sheet-row .sheet-name").nth(here).inner_text()
    before = marks_of(app, class_id, day)
    assert absent not in raw  # sealed

    phone.context.set_offline(True)
    phone.goto(url)  # answered by the service worker with the phone's copy
    phone.get_by_text("无信号：这是本机").wait_for()
    assert phone.url == url
    assert fits_the_screen(phone)
    row = phone.locator("details.sheet-row").nth(here)
    row.locator("summary").click()
    row.locator("label.pick", has_text="缺勤(未说明)").click()
    phone.locator("form.sheet-form button[type=submit]").click()
    wait_badge(phone, "待同步 1")
    assert marks_of(app, class_id, day) == before

    phone.goto(f"{base}/offline")  # the offline page lists what this phone keeps
    kept = phone.locator(f"#kept-pages a[href='{url.removeprefix(base)}']")
    assert "点名 · 三年级一班" in kept.inner_text()  # what it is, and the day: 11月26日
    assert f"{day.month}月{day.day}日" in kept.inner_text()

    phone.context.set_offline(False)
    phone.get_by_role("button", name="立即同步").click()
    wait_badge(phone, "")
    marks = marks_of(app, class_id, day)
    changed = {child: status for child, status in marks.items() if before.get(child) != status}
    assert list(changed.values()) == [Attendance.ABSENT]  # that child only, once
    assert len(marks) == len(before)

    log_out(phone, base)
    arrive(phone, re.compile(r"/login(\?bye=1)?$"))
    assert phone.evaluate(RAW_STORE)["pages"] == []
    assert unexpected(phone.console_errors) == []


def test_the_pack_carries_a_talk_form_that_works_without_signal(server, phone) -> None:
    base, app = server
    child_id, name = a_child(app, 5)
    start(phone, base)
    download_pack(phone, base, child_id)
    before = records(app, child_id, CareKind.TALK)

    phone.context.set_offline(True)
    card = packed_card(phone, base, name)
    kinds = card.locator("details.pack-form > summary").all_inner_texts()
    assert kinds == ["家访", "谈心", "亲情联系", "亲情电话"]
    card.locator("details.pack-form > summary", has_text="谈心").click()
    form = card.locator("form[action*='/new/talk']")
    on_the_demo_day(form)
    form.get_by_label("谈话内容").fill(f"{name}说路上看见了两只白鹭。")
    form.get_by_role("button", name="保存").click()
    wait_badge(phone, "待同步 1")
    assert fits_the_screen(phone)

    phone.context.set_offline(False)
    phone.get_by_role("button", name="立即同步").click()
    wait_badge(phone, "")
    assert records(app, child_id, CareKind.TALK) == before + 1
    assert badge(phone) == ""
    assert unexpected(phone.console_errors) == []


def test_the_days_roll_call_is_kept_before_it_is_first_opened(server, phone) -> None:
    """The today page leads to the day's roll call; the phone keeps it while there is signal,
    so the teacher who walks to a classroom without signal can still take it."""
    base, _app = server
    start(phone, base)
    link = phone.locator("a.roll-call-link").first
    path = link.get_attribute("href")
    user = phone.locator("#outbox").get_attribute("data-user")
    wait_kept(phone, f"{user} {path}")
    phone.evaluate("navigator.serviceWorker.ready.then(() => true)")

    phone.context.set_offline(True)
    link.click()  # never opened before, and no signal
    phone.get_by_text("无信号：这是本机").wait_for()
    assert phone.url == base + path
    assert phone.locator("form.sheet-form details.sheet-row").count() > 0
    assert fits_the_screen(phone)
    # htmx logs the boosted request that found no signal; then the page is asked for again.
    logged = [
        "htmx:afterRequest, [object HTMLBodyElement]",
        "htmx:sendError, [object HTMLBodyElement]",
    ]
    assert unexpected(phone.console_errors) == logged


def releases(app, child_id: str) -> list[int | None]:
    """The child's handovers from the demo's day on (one kept offline counts on the phone's
    day), not taken back: the guardian each went to."""
    with app_session(app, "yangguang-kg") as session:
        return session.scalars(
            select(Release.guardian_id).where(
                Release.child_id == int(child_id),
                Release.day >= DEMO_TODAY,
                Release.undone_at.is_(None),
            )
        ).all()


def test_a_pickup_panel_opened_with_signal_hands_the_child_over_without(server, phone) -> None:
    """At the gate the signal comes and goes: a child's pickup panel seen once opens again
    from the board without signal, and the handover is sent when the signal returns."""
    base, app = server
    board = open_the_board(phone, base)
    child_id = a_child_collected_by_a_grandparent(phone, board)
    phone.locator(f'#pickup button[value="{child_id}"]').click()
    phone.locator(".person-pick", has_text=GRANDPARENTS).first.wait_for()
    arrive(phone, re.compile(rf"\?child_id={child_id}$"))
    panel = phone.url.removeprefix(base)
    user = phone.locator("#outbox").get_attribute("data-user")
    wait_kept(phone, f"{user} {panel}")
    phone.goto(board)
    phone.evaluate("navigator.serviceWorker.ready.then(() => true)")

    phone.context.set_offline(True)
    phone.locator(f'#pickup button[value="{child_id}"]').click()  # no signal: the kept panel
    phone.get_by_text("无信号：这是本机").wait_for()
    assert phone.url == base + panel
    phone.locator(".person-pick", has_text=GRANDPARENTS).first.click()
    wait_badge(phone, "待同步 1")
    assert releases(app, child_id) == []

    phone.context.set_offline(False)
    wait_badge(phone, "")
    [guardian] = releases(app, child_id)  # once, to the grandparent tapped
    assert guardian is not None
