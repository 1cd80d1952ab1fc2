"""What a teacher relies on when the phone syncs by itself: a home visit's photo kept on the
phone reaches the server after its record, once, even when an answer is lost; while the
server is out of reach the phone tries less and less often, keeps the entry, and sends it
once when the server answers; a new version of the app leaves no old copy of it on the
phone."""

from __future__ import annotations

import itertools
import re

import pytest
from PIL import Image
from sqlalchemy import select

from tests.browser import test_offline
from tests.browser.test_offline import (
    TEACHER,
    a_child,
    badge,
    hold_posts,
    open_talk,
    records,
    start,
    unexpected,
    wait_badge,
)
from tests.conftest import app_session
from webapp.care.models import CareKind, CareRecord
from webapp.offline import routes

pytestmark = pytest.mark.browser

# A live server and database of this module's own (module scope: a fresh copy of the demo).
server = test_offline.server

PHOTO_POST = re.compile(r".*/offline/records/[0-9a-f-]+/photos/\d+$")


def visits_with_photos(app, child_id: int, notes: str) -> list[tuple[str, object, list[object]]]:
    """The child's home visits with these notes: (uid, recorded at, [each photo's added at])."""
    with app_session(app, "yangguang") as session:
        found = session.scalars(
            select(CareRecord)
            .where(CareRecord.child_id == child_id, CareRecord.kind == CareKind.HOME_VISIT)
            .order_by(CareRecord.id)
        ).all()
        return [
            (str(r.uid), r.created_at, [p.created_at for p in r.photos])
            for r in found
            if r.notes == notes
        ]


def test_a_photo_recorded_offline_is_sent_after_its_record_and_never_twice(
    server, phone, tmp_path
) -> None:
    base, app = server
    child_id, _name = a_child(app, 0)
    start(phone, base, TEACHER)
    posts: list[str] = []
    phone.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    visit_url = f"{base}/s/yangguang/care/records/new/home_visit?child_id={child_id}"
    phone.goto(visit_url)
    form = phone.locator("#care-entry form[data-offline]")
    form.wait_for()
    yard = tmp_path / "yard.jpg"
    Image.new("RGB", (320, 240), "green").save(yard, "JPEG")
    notes = "院子里晒着玉米，爷爷说孩子周末帮忙干活。"

    phone.context.set_offline(True)
    form.get_by_text("用电").click()
    form.get_by_label("家访情况").fill(notes)
    form.get_by_label("照片").set_input_files(yard)
    form.get_by_role("button", name="保存").click()  # enabled again once the photo is read
    wait_badge(phone, "待同步 1")
    assert posts == []  # kept, nothing sent

    # The photo's answer is lost on the way back: it arrived, the phone does not know yet.
    lost = {"done": False}

    def lose_the_answer(route) -> None:
        if not lost["done"]:
            lost["done"] = True
            route.fetch()
            route.abort()
        else:
            route.continue_()

    phone.route(PHOTO_POST, lose_the_answer)
    phone.context.set_offline(False)
    phone.wait_for_timeout(1500)
    assert lost["done"]
    assert badge(phone) == "待同步 1"
    [(uid, recorded, photos)] = visits_with_photos(app, child_id, notes)
    assert len(photos) == 1 and photos[0] >= recorded

    phone.reload()  # sent again on arrival: the record is not, the photo adds nothing
    phone.get_by_text("已同步 1 条").wait_for()
    wait_badge(phone, "")
    # The record once, then its photo, sent again after the lost answer; nothing else.
    assert posts == [visit_url] + [f"{base}/s/yangguang/offline/records/{uid}/photos/0"] * 2
    assert visits_with_photos(app, child_id, notes) == [(uid, recorded, photos)]
    assert unexpected(phone.console_errors) == []


def test_while_the_server_is_out_of_reach_the_phone_tries_less_and_less_often(
    server, phone
) -> None:
    base, app = server
    child_id, _name = a_child(app, 1)
    notes = "说起下雨天路滑，上学要走一个小时。"
    phone.clock.install()  # the page's 30 seconds' rounds, run without waiting for them
    start(phone, base)
    open_talk(phone, base, child_id)
    before = records(app, child_id)
    tries: list[str] = []
    down = {"now": True}

    def csrf(route) -> None:  # every round begins with a fresh token
        tries.append(route.request.url)
        route.abort() if down["now"] else route.continue_()

    phone.route(re.compile(r".*/csrf$"), csrf)
    hold_posts(phone)  # online, but the save fails on the way: kept
    form = phone.locator("#care-entry form[data-offline]")
    form.get_by_label("谈话内容").fill(notes)
    form.get_by_role("button", name="保存").click()
    wait_badge(phone, "待同步 1")
    phone.unroute(re.compile(r".*/care/records/new/.*"))

    def rounds(count: int) -> list[int]:
        """How many tries each of the next 30 seconds' rounds made."""
        made = []
        for _round in range(count):
            seen = len(tries)
            phone.clock.run_for(30_000)
            phone.wait_for_timeout(500)  # the store and the request run in real time
            made.append(len(tries) - seen)
        return made

    ten_minutes = rounds(20)
    assert max(ten_minutes) == 1
    tried_at = [n for n, made in enumerate(ten_minutes, 1) if made]
    gaps = [b - a for a, b in itertools.pairwise(tried_at)]
    assert 5 <= len(tried_at) <= 8, ten_minutes  # 30 s, 60, 90, 120, 180, 270, 450
    assert gaps == sorted(gaps) and gaps[0] == 1 and gaps[-1] >= 5, ten_minutes
    assert badge(phone) == "待同步 1"
    assert records(app, child_id) == before

    # The server answers again: the phone still waits out its pause (at most 5 minutes),
    # then sends the entry once.
    down["now"] = False
    seen = len(tries)
    after = rounds(1)
    assert after == [0] and badge(phone) == "待同步 1"
    for _round in range(10):
        after += rounds(1)
        if badge(phone) == "":
            break
    assert badge(phone) == "", after
    assert len(after) <= 11 and len(tries) - seen == 1
    assert records(app, child_id, notes=notes) == 1
    assert records(app, child_id) == before + 1
    # htmx logs the save held on its way (hold_posts); nothing else may fail.
    held = ("htmx:sendError", "htmx:afterRequest")
    assert [e for e in unexpected(phone.console_errors) if not e.startswith(held)] == []


CACHES = "caches.keys()"
CACHED = "name => caches.open(name).then(c => c.keys()).then(rs => rs.map(r => r.url))"
# Resolves once a new worker is activated: its activate step (the clean-up) is over.
UPDATE = """() => new Promise((resolve, reject) => {
  setTimeout(() => reject(new Error("no new worker activated in 15 s")), 15000);
  navigator.serviceWorker.getRegistration().then(r => r.update().then(() => {
    const worker = r.installing || r.waiting;
    if (!worker) return reject(new Error("the same worker: nothing to update"));
    worker.addEventListener("statechange", () => worker.state === "activated" && resolve(true));
  })).catch(reject);
})"""


def served_version(page) -> str:
    source = page.evaluate("fetch('/sw.js', {cache: 'no-store'}).then(r => r.text())")
    return re.search(r'var VERSION = "(\w+)"', source).group(1)


def test_a_new_version_of_the_app_leaves_no_old_copy_on_the_phone(
    server, phone, monkeypatch
) -> None:
    base, app = server
    start(phone, base)
    controlled = "() => navigator.serviceWorker.controller !== null"
    phone.wait_for_function(controlled, timeout=15000)  # installed, and it took the page
    phone.reload()
    phone.wait_for_function(controlled, timeout=15000)
    first = served_version(phone)
    assert phone.evaluate(CACHES) == [f"shell-{first}"]
    phone.evaluate("caches.open('shell-old0000000').then(c => c.put('/x-old', new Response('o')))")
    assert sorted(phone.evaluate(CACHES)) == sorted([f"shell-{first}", "shell-old0000000"])

    # A deploy that changed app.js: its fingerprint, so the worker's source, is new.
    shell_urls = routes.shell_urls

    def deployed() -> list[str]:
        return [re.sub(r"v=\w+", "v=d3p10y0001", u) if "app.js" in u else u for u in shell_urls()]

    monkeypatch.setattr(routes, "shell_urls", deployed)
    with app.test_request_context():
        expected = sorted(f"{base}{url}" for url in deployed())
    assert any("v=d3p10y0001" in url for url in expected)
    assert phone.evaluate(UPDATE)
    second = served_version(phone)
    assert second != first
    assert phone.evaluate(CACHES) == [f"shell-{second}"]
    assert sorted(phone.evaluate(CACHED, f"shell-{second}")) == expected
    assert unexpected(phone.console_errors) == []
