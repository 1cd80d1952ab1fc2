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

from tests.browser.test_phone import arrive, fits_the_screen, log_in
from tests.care.demo_day import freeze_today
from tests.conftest import app_session, migrated_app_with_demo
from webapp.assets.models import AssetItem, Loan
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


def start(page, base: str, phone_number: str = TEACHER) -> None:
    """Logged in and at home, where the outbox starts."""
    log_in(page, base, phone_number)
    arrive(page, f"{base}/s/yangguang/")


def download_pack(page, base: str, child_id: int) -> None:
    """The home-visit pack of one child (today's plan, ticked by the page, left out)."""
    page.goto(f"{base}/s/yangguang/offline/pack")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    ticked = page.locator("input[name=child_id]:checked")
    while ticked.count():
        ticked.first.uncheck()
    page.locator(f"input[name=child_id][value='{child_id}']").check()
    page.get_by_role("button", name="下载家访包").click()
    page.get_by_text("家访包：1 名儿童").wait_for()


def packed_card(page, base: str, name: str):
    """The child's card on the offline page (answered by the service worker without signal),
    opened."""
    page.goto(f"{base}/offline")
    card = page.locator("#pack-children li")
    card.get_by_text(name).click()
    return card


def on_the_demo_day(form) -> None:
    """The pack's form is dated by the phone's clock; the server answers as on the demo's
    day, so the visit is dated that day, as a teacher picks the day of a visit."""
    form.locator("input[name=happened_on]").fill(DEMO_TODAY.isoformat())


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
    start(phone, base)
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


def test_an_entry_the_server_refuses_waits_under_to_fix_with_its_message_and_values(
    server, phone
) -> None:
    base, app = server
    child_id, _name = a_child(app, 1)
    start(phone, base)
    open_talk(phone, base, child_id)
    before = records(app, child_id)
    phone.context.set_offline(True)
    form = phone.locator("#care-entry form[data-offline]")
    form.get_by_text("学习").click()  # and the notes left empty: refused
    form.get_by_text("家庭").click()
    form.get_by_role("button", name="保存").click()
    wait_badge(phone, "待同步 1")
    phone.context.set_offline(False)
    wait_badge(phone, "需处理 1")
    assert records(app, child_id) == before
    phone.get_by_role("link", name="需处理 1").click()
    arrive(phone, f"{base}/offline")
    problem = phone.locator("#problems li")
    problem.wait_for()
    assert "请写几句谈话内容。" in problem.locator(".error").inner_text()
    kept = problem.locator(".kept").inner_text()
    assert "topics: study" in kept and "topics: family" in kept
    # Deleted by hand only.
    problem.get_by_role("button", name="删除").click()
    wait_badge(phone, "")
    assert records(app, child_id) == before


def hold_posts(page) -> None:
    """The server is out of reach for the care forms: what is kept stays kept."""
    page.route(
        re.compile(r".*/care/records/new/.*"),
        lambda route: route.abort() if route.request.method == "POST" else route.continue_(),
    )


def log_out(page, base: str) -> None:
    page.goto(f"{base}/me")
    page.get_by_role("button", name="退出登录").click()


def test_logout_warns_and_keeps_the_entries_which_another_user_never_sends(server, phone) -> None:
    base, app = server
    child_id, _name = a_child(app, 2)
    start(phone, base)
    open_talk(phone, base, child_id)
    before = records(app, child_id)
    hold_posts(phone)
    talk_offline(phone, "午饭时说起爷爷的腿不好。")
    phone.context.set_offline(False)
    log_out(phone, base)
    # The warning comes once the outbox has been read (a promise), not with the click itself.
    phone.locator("#messages", has_text="还有 1 条记录未同步").wait_for()
    assert phone.url == f"{base}/me"  # still logged in: the warning first
    phone.get_by_role("button", name="退出登录").click()
    arrive(phone, re.compile(r"/login(\?bye=1)?$"))
    phone.unroute(re.compile(r".*/care/records/new/.*"))

    start(phone, base, PRINCIPAL)
    phone.wait_for_timeout(1500)
    assert badge(phone) == ""
    assert records(app, child_id) == before  # never sent as the principal
    phone.goto(f"{base}/offline")
    phone.get_by_text("另一位用户的 1 条记录").wait_for()
    phone.get_by_role("button", name="立即同步").click()
    phone.wait_for_timeout(1500)
    assert records(app, child_id) == before
    log_out(phone, base)
    arrive(phone, re.compile(r"/login(\?bye=1)?$"))

    log_in(phone, base, TEACHER)  # its own user again: sent on arrival
    arrive(phone, f"{base}/s/yangguang/")
    phone.get_by_text("已同步 1 条").wait_for()
    assert records(app, child_id, notes="午饭时说起爷爷的腿不好。") == 1
    assert unexpected(phone.console_errors) == []


def age_entries(page, hours: float) -> None:
    page.evaluate(
        """hours => new Promise((resolve, reject) => {
          const opened = indexedDB.open("shouwang");
          opened.onsuccess = () => {
            const t = opened.result.transaction("entries", "readwrite");
            const s = t.objectStore("entries");
            s.getAll().onsuccess = e => e.target.result.forEach(entry => {
              entry.at = Date.now() - hours * 3600000; s.put(entry);
            });
            t.oncomplete = () => { opened.result.close(); resolve(); };
            t.onerror = () => reject(t.error);
          };
        })""",
        hours,
    )


def test_an_entry_kept_past_72_hours_is_warned_about_then_wiped(server, phone) -> None:
    base, app = server
    child_id, _name = a_child(app, 3)
    start(phone, base)
    open_talk(phone, base, child_id)
    before = records(app, child_id)
    hold_posts(phone)  # online, but the request fails on the way: kept all the same
    form = phone.locator("#care-entry form[data-offline]")
    form.get_by_label("谈话内容").fill("他把作业本落在奶奶家了。")
    form.get_by_role("button", name="保存").click()
    wait_badge(phone, "待同步 1")
    age_entries(phone, 61)
    phone.reload()
    phone.get_by_text("满72小时将被删除").wait_for()
    wait_badge(phone, "待同步 1")  # still kept (the badge follows the warning)
    age_entries(phone, 73)
    phone.reload()
    phone.get_by_text("1 条记录在本机保存超过72小时，已被删除").wait_for()
    wait_badge(phone, "")
    phone.unroute(re.compile(r".*/care/records/new/.*"))
    phone.reload()
    phone.wait_for_timeout(1000)
    assert records(app, child_id) == before


RAW_STORE = """() => new Promise(resolve => {
  const opened = indexedDB.open("shouwang");
  opened.onsuccess = () => {
    const base = opened.result, out = {};
    const t = base.transaction(["entries", "packs", "pages", "meta"]);
    const text = v => v instanceof ArrayBuffer || ArrayBuffer.isView(v)
      ? new TextDecoder().decode(v) : v;
    for (const name of ["entries", "packs", "pages", "meta"]) {
      t.objectStore(name).getAll().onsuccess = e => {
        out[name] = e.target.result.map(row => row instanceof CryptoKey
          ? {extractable: row.extractable, algorithm: row.algorithm.name}
          : JSON.stringify(row, (k, v) => text(v)));
      };
    }
    t.oncomplete = () => { base.close(); resolve(out); };
  };
})"""


def test_the_home_visit_pack_works_offline_is_sealed_and_is_wiped_at_logout(server, phone) -> None:
    base, app = server
    child_id, name = a_child(app, 4)
    start(phone, base)
    download_pack(phone, base, child_id)
    before = records(app, child_id, CareKind.HOME_VISIT)

    phone.context.set_offline(True)
    card = packed_card(phone, base, name)
    form = card.locator("form[action*='/new/home_visit']")
    assert fits_the_screen(phone)
    on_the_demo_day(form)
    form.get_by_label("家访情况").fill(f"{name}的奶奶在家，院子里有水井没有盖。")
    form.get_by_role("button", name="保存").click()
    wait_badge(phone, "待同步 1")

    stored = phone.evaluate(RAW_STORE)
    assert stored["meta"][0] == {"extractable": False, "algorithm": "AES-GCM"}
    assert len(stored["entries"]) == 1 and len(stored["packs"]) == 1
    raw = " ".join(stored["entries"] + stored["packs"])
    assert name not in raw and "水井" not in raw  # sealed: no child's name in plain text

    phone.context.set_offline(False)
    phone.get_by_role("button", name="立即同步").click()
    wait_badge(phone, "")
    assert records(app, child_id, CareKind.HOME_VISIT) == before + 1

    log_out(phone, base)
    arrive(phone, re.compile(r"/login(\?bye=1)?$"))
    assert phone.evaluate(RAW_STORE)["packs"] == []
    assert unexpected(phone.console_errors) == []


def visits_in_order(app, child_id: int) -> list[str]:
    with app_session(app, "yangguang") as session:
        found = session.scalars(
            select(CareRecord)
            .where(CareRecord.child_id == child_id, CareRecord.kind == CareKind.HOME_VISIT)
            .order_by(CareRecord.id)
        ).all()
        return [r.notes for r in found]


def test_flipping_the_signal_while_recording_loses_none_doubles_none_and_keeps_the_order(
    server, phone
) -> None:
    base, app = server
    child_id, name = a_child(app, 5)
    start(phone, base)
    download_pack(phone, base, child_id)
    before = visits_in_order(app, child_id)
    card = packed_card(phone, base, name)
    form = card.locator("form[action*='/new/home_visit']")
    on_the_demo_day(form)  # kept for every entry after it
    notes = [f"第{n:03d}次补记：孩子在家。" for n in range(1, 101)]  # 100 flips
    for n, text in enumerate(notes):
        phone.context.set_offline(n % 2 == 0)  # off, on, off, on… while replays run
        form.get_by_label("家访情况").fill(text)
        form.get_by_role("button", name="保存").click()
        phone.wait_for_timeout(50 if n % 3 else 300)
    phone.context.set_offline(False)
    for _round in range(20):
        if badge(phone) == "":
            break
        phone.get_by_role("button", name="立即同步").click()
        phone.wait_for_timeout(1000)
    wait_badge(phone, "")
    assert visits_in_order(app, child_id)[len(before) :] == notes


def talks_in_order(app, child_id: int) -> list[str]:
    with app_session(app, "yangguang") as session:
        found = session.scalars(
            select(CareRecord)
            .where(CareRecord.child_id == child_id, CareRecord.kind == CareKind.TALK)
            .order_by(CareRecord.id)
        ).all()
        return [r.notes for r in found]


def book(app, name: str) -> tuple[str, int]:
    """(code, id) of a single-copy book of the school's reading room."""
    with app_session(app, "yangguang") as session:
        item = session.scalar(select(AssetItem).where(AssetItem.name == name))
        return item.code, item.id


def loans_of(app, item_id: int) -> list[tuple[int, object, object]]:
    """The book's loans as (borrower, lent at, returned at), oldest first."""
    with app_session(app, "yangguang") as session:
        found = session.scalars(select(Loan).where(Loan.item_id == item_id).order_by(Loan.id))
        return [(loan.child_id, loan.lent_at, loan.returned_at) for loan in found]


# The return button the panel shows for a book on loan, taken from the page; the phone has no
# page for a loan the server has not seen yet, so the test puts this form back on the page.
PUT_BACK_RETURN = """html => {
  const box = document.createElement("div");
  box.id = "kept-return";
  box.innerHTML = html;
  document.getElementById("loan-panel").prepend(box);
  box.querySelector("input[name=uid]").value = crypto.randomUUID();
  htmx.process(box);
}"""


def lend_and_return_offline(page, base: str, code: str, borrower: str, form: str) -> None:
    """With no signal: the book lent to the child, then given back, both kept on the phone."""
    page.get_by_text(borrower, exact=False).first.click()
    page.locator("#lend-form").get_by_role("button", name="借出").click()
    page.wait_for_function("() => /已存在本机/.test(document.getElementById('messages').innerText)")
    page.evaluate(PUT_BACK_RETURN, form)
    page.locator("#kept-return").get_by_role("button", name="归还").click()


def test_flipping_the_signal_while_recording_talks_and_loans_loses_none_and_keeps_the_order(
    server, phone
) -> None:
    """100 flips of the signal while the principal records talks and lends and takes back a
    book: every talk once and in order; every return after its loan (a return of a book not
    on loan is refused, and would wait under 需处理)."""
    base, app = server
    child_id, child_name = a_child(app, 7)
    code, item_id = book(app, "城南旧事")
    item_page = f"{base}/s/yangguang/assets/i/{code}?q={child_name}"
    start(phone, base, PRINCIPAL)
    # Once with signal: lend and take back, to keep the return form the panel shows.
    phone.goto(item_page)
    phone.get_by_text(child_name, exact=False).first.click()
    phone.locator("#lend-form").get_by_role("button", name="借出").click()
    returning = phone.locator("#loan-panel form[action$='/return']")
    form = returning.evaluate(
        "f => { f.querySelector('input[name=loan_id]').remove(); return f.outerHTML; }"
    )
    returning.get_by_role("button", name="归还").click()
    phone.locator("#loan-panel #lend-form").wait_for()
    talks_before, loans_before = talks_in_order(app, child_id), loans_of(app, item_id)

    notes = [f"第{n:02d}次谈心：说起周末去外婆家。" for n in range(1, 26)]
    for text in notes:  # four flips a round: 100 in all
        phone.goto(f"{base}/s/yangguang/care/records/new/talk?child_id={child_id}")
        wait_badge(phone, "")  # what an earlier round kept has gone, sent on arrival
        phone.context.set_offline(True)
        entry = phone.locator("#care-entry form[data-offline]")
        entry.get_by_label("谈话内容").fill(text)
        entry.get_by_role("button", name="保存").click()
        wait_badge(phone, "待同步 1")
        phone.context.set_offline(False)  # the talk goes while the next page loads
        phone.goto(item_page)
        wait_badge(phone, "")
        phone.context.set_offline(True)
        lend_and_return_offline(phone, base, code, child_name, form)
        wait_badge(phone, "待同步 2")
        phone.context.set_offline(False)
        wait_badge(phone, "")
    phone.reload()
    wait_badge(phone, "")  # nothing waits, nothing under 需处理
    assert talks_in_order(app, child_id)[len(talks_before) :] == notes
    made = loans_of(app, item_id)[len(loans_before) :]
    assert len(made) == len(notes)
    assert all(borrower == child_id and lent < back for borrower, lent, back in made)
    assert unexpected(phone.console_errors) == []


def test_a_form_sent_with_signal_waits_behind_the_entries_still_kept(server, phone) -> None:
    """The loan is still on the phone (the server out of reach) when the signal is back and
    the book is given back: the return waits behind its loan instead of being refused."""
    base, app = server
    child_id, child_name = a_child(app, 8)
    code, item_id = book(app, "稻草人")
    start(phone, base, PRINCIPAL)
    item_page = f"{base}/s/yangguang/assets/i/{code}?q={child_name}"
    phone.goto(item_page)
    phone.get_by_text(child_name, exact=False).first.click()
    phone.locator("#lend-form").get_by_role("button", name="借出").click()
    returning = phone.locator("#loan-panel form[action$='/return']")
    form = returning.evaluate(
        "f => { f.querySelector('input[name=loan_id]').remove(); return f.outerHTML; }"
    )
    returning.get_by_role("button", name="归还").click()
    phone.locator("#loan-panel #lend-form").wait_for()
    before = loans_of(app, item_id)
    phone.goto(item_page)

    held = re.compile(r".*/assets/i/.*/lend$")
    phone.route(held, lambda route: route.abort())
    phone.context.set_offline(True)
    phone.get_by_text(child_name, exact=False).first.click()
    phone.locator("#lend-form").get_by_role("button", name="借出").click()
    wait_badge(phone, "待同步 1")
    phone.context.set_offline(False)
    phone.wait_for_timeout(1000)  # the replay tried, and failed on the way
    assert badge(phone) == "待同步 1"
    phone.evaluate(PUT_BACK_RETURN, form)
    phone.locator("#kept-return").get_by_role("button", name="归还").click()
    wait_badge(phone, "待同步 2")
    assert loans_of(app, item_id) == before  # nothing reached the server out of order
    phone.unroute(held)
    phone.get_by_role("link", name="待同步 2").click()
    arrive(phone, f"{base}/offline")
    phone.get_by_role("button", name="立即同步").click()
    wait_badge(phone, "")
    [(borrower, lent, back)] = loans_of(app, item_id)[len(before) :]
    assert borrower == child_id and lent < back


def test_a_save_that_times_out_after_20_seconds_is_kept_then_sent(server, phone) -> None:
    """One bar of signal: the request leaves and no answer comes. After htmx's 20 seconds the
    form is kept, as without signal, and sent once the way is clear."""
    base, app = server
    child_id, _name = a_child(app, 9)
    start(phone, base)
    open_talk(phone, base, child_id)
    before = records(app, child_id)
    slow = re.compile(r".*/care/records/new/talk.*")
    phone.route(slow, lambda route: None if route.request.method == "POST" else route.continue_())
    form = phone.locator("#care-entry form[data-offline]")
    form.get_by_label("谈话内容").fill("信号只有一格，等了很久。")
    form.get_by_role("button", name="保存").click()
    phone.wait_for_timeout(15000)
    assert badge(phone) == ""  # still waiting for the answer
    wait_badge(phone, "待同步 1")  # given up at 20 seconds: kept
    phone.unroute(slow)
    phone.get_by_role("link", name="待同步 1").click()
    arrive(phone, f"{base}/offline")
    phone.get_by_role("button", name="立即同步").click()
    wait_badge(phone, "")
    assert records(app, child_id, notes="信号只有一格，等了很久。") == 1
    assert records(app, child_id) == before + 1


def test_what_is_kept_is_sent_every_30_seconds_while_the_page_is_open(server, phone) -> None:
    base, app = server
    child_id, _name = a_child(app, 8)  # lends a book too, never talks
    phone.clock.install()
    start(phone, base)
    open_talk(phone, base, child_id)
    before = records(app, child_id)
    hold_posts(phone)  # the server out of reach: the save fails and is kept
    form = phone.locator("#care-entry form[data-offline]")
    form.get_by_label("谈话内容").fill("课间说起哥哥在外地打工。")
    form.get_by_role("button", name="保存").click()
    wait_badge(phone, "待同步 1")
    phone.unroute(re.compile(r".*/care/records/new/.*"))
    phone.clock.fast_forward(10_000)
    phone.wait_for_timeout(500)
    assert badge(phone) == "待同步 1"  # nothing told the page the way is clear
    phone.clock.fast_forward(21_000)  # the 30 seconds' round
    wait_badge(phone, "")
    assert records(app, child_id, notes="课间说起哥哥在外地打工。") == 1
    assert records(app, child_id) == before + 1


def test_an_ended_login_asks_to_log_in_again_then_the_entry_is_sent(server, phone) -> None:
    base, app = server
    child_id, _name = a_child(app, 6)
    start(phone, base)
    open_talk(phone, base, child_id)
    before = records(app, child_id)
    talk_offline(phone, "体育课后说膝盖有点疼。")
    phone.context.clear_cookies()  # the login ends while the phone is away
    phone.context.set_offline(False)
    phone.get_by_text("登录已过期").wait_for()
    assert records(app, child_id) == before
    phone.get_by_role("link", name="待同步 1").click()
    arrive(phone, re.compile(r"/login\?next="))
    phone.get_by_label("手机号码").fill(TEACHER)
    phone.get_by_label("密码").fill("shouwang-demo")
    phone.get_by_role("button", name="登录").click()
    arrive(phone, re.compile(r"/care/records/new/talk"))
    phone.get_by_text("已同步 1 条").wait_for()
    assert records(app, child_id, notes="体育课后说膝盖有点疼。") == 1
