"""The today page on a phone: a class teacher logs an overdue talk from it in five taps plus the
text, and notes an alert in one. The server answers as on the demo's day (27 November 2026),
whatever the real date: in a holiday nothing would be due."""

from __future__ import annotations

import re

import pytest

from tests.browser.test_phone import arrive, fits_the_screen, log_in

pytestmark = pytest.mark.browser


def test_a_class_teacher_logs_an_overdue_talk_from_the_today_page(live_server: str, phone) -> None:
    log_in(phone, live_server, "13800000002")
    arrive(phone, f"{live_server}/s/yangguang/")
    assert fits_the_screen(phone)
    overdue = phone.locator("a.duty-item.overdue", has_text="班主任谈心").first
    href = overdue.get_attribute("href")
    child_id = re.search(r"child_id=(\d+)", href).group(1)
    taps = 0

    overdue.click()
    taps += 1
    arrive(phone, re.compile(rf"/care/records/new/talk\?child_id={child_id}$"))
    assert fits_the_screen(phone)
    phone.locator("label.pick", has_text="学习").click()
    taps += 1
    phone.locator("label.pick", has_text=re.compile(r"^好$")).click()
    taps += 1
    phone.get_by_label("谈话内容").fill("聊了这周的学习，数学作业都按时交了。")
    phone.get_by_role("button", name="保存").click()
    taps += 1
    phone.get_by_text("已保存").wait_for()
    phone.get_by_role("link", name="返回今日").click()
    taps += 1
    arrive(phone, f"{live_server}/s/yangguang/")

    assert taps == 5
    left = phone.locator(f'a.duty-item[href$="child_id={child_id}"]', has_text="班主任谈心")
    assert left.count() == 0
    assert phone.console_errors == []


def test_noting_an_alert_takes_it_off_the_list_in_place(live_server: str, phone) -> None:
    from playwright.sync_api import expect

    log_in(phone, live_server, "13900000160")  # the counsellor, whom the demo's concern reached
    arrive(phone, f"{live_server}/s/yangguang/")
    alerts = phone.locator("#alerts li.alert")
    before = alerts.count()
    assert before >= 1
    alerts.first.get_by_role("button", name="已知悉").click()
    expect(alerts).to_have_count(before - 1)
    assert phone.url == f"{live_server}/s/yangguang/"  # swapped in place, no page load
    phone.reload()
    assert phone.locator("#alerts li.alert").count() == before - 1
    assert phone.console_errors == []
