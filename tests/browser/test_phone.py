"""A teacher on a phone: log in, see her school in Chinese, find a child, log out."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser


def arrive(page, url) -> None:
    """Wait for the address bar: htmx navigations change it with pushState, without a load."""
    page.wait_for_url(url, wait_until="commit")


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def log_in(page, base: str, phone: str, password: str = "shouwang-demo") -> None:
    page.goto(f"{base}/login")
    page.get_by_label("手机号码").fill(phone)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def test_a_class_teacher_logs_in_on_a_phone_and_finds_a_child(live_server: str, phone) -> None:
    log_in(phone, live_server, "13800000002")
    arrive(phone, f"{live_server}/s/yangguang/")
    assert phone.locator("header .place").inner_text() == "阳光小学"
    assert phone.get_by_role("heading", name="王丽，您好").is_visible()
    assert phone.locator("html").get_attribute("lang") == "zh-CN"
    assert fits_the_screen(phone)
    assert phone.evaluate("typeof window.htmx") == "object"

    phone.locator("nav.tabbar").get_by_text("儿童").click()
    arrive(phone, re.compile(r"/s/yangguang/children/$"))
    rows = phone.locator("#child-list a.row")
    assert rows.count() >= 10  # her class, and the children paired to her
    assert fits_the_screen(phone)

    name = rows.filter(has_text="三年级一班").first.locator(".title").inner_text()
    phone.get_by_role("searchbox").fill(name)
    # the search answers as a fragment and keeps the URL (history.pushState: no page load)
    arrive(phone, re.compile(r"[?&]q="))
    assert rows.count() >= 1
    assert all(name in text for text in rows.locator(".title").all_inner_texts())

    rows.first.click()
    arrive(phone, re.compile(r"/children/\d+$"))
    assert phone.get_by_role("heading", name=name).is_visible()
    assert re.search(r"^\d{4}\*{10}[\dX]{4}", phone.locator("#reveal-child-id_number").inner_text())
    assert fits_the_screen(phone)

    phone.locator("nav.tabbar").get_by_text("我的").click()
    phone.get_by_role("button", name="退出登录").click()
    arrive(phone, re.compile(r"/login\?bye=1$"))
    assert phone.get_by_text("您已退出登录。").is_visible()
    phone.goto(f"{live_server}/s/yangguang/")
    assert "/login" in phone.url
    assert phone.console_errors == []


def test_a_wrong_password_is_explained_next_to_the_field(live_server: str, phone) -> None:
    log_in(phone, live_server, "13800000003", "wrong-password")
    error = phone.locator(".field.has-error .error")
    error.wait_for()
    assert error.inner_text() == "手机号码或密码不正确。"
    assert phone.get_by_label("手机号码").input_value() == "13800000003"
    assert fits_the_screen(phone)
    assert phone.console_errors == []


def test_the_login_page_switches_to_english_and_back(live_server: str, phone) -> None:
    phone.goto(f"{live_server}/login")
    phone.get_by_role("button", name="English").click()
    phone.get_by_role("button", name="Log in").wait_for()
    phone.get_by_role("button", name="中文").click()
    phone.get_by_role("button", name="登录").wait_for()
    assert phone.console_errors == []


def test_a_class_teacher_reveals_an_id_number_with_a_reason_on_the_card(
    live_server: str, phone
) -> None:
    log_in(phone, live_server, "13800000002")
    arrive(phone, f"{live_server}/s/yangguang/")
    phone.locator("a.row", has_text="三年级一班").first.click()
    arrive(phone, re.compile(r"class_id="))
    phone.locator("#child-list a.row").first.click()
    arrive(phone, re.compile(r"/children/\d+$"))
    masked = phone.locator("#reveal-child-id_number")
    assert "**********" in masked.inner_text()

    masked.get_by_role("link", name="查看").click()
    form = phone.locator("form#reveal-child-id_number")
    form.wait_for()
    assert fits_the_screen(phone)
    form.get_by_text("核对信息").click()
    form.get_by_role("button", name="查看").click()
    revealed = phone.locator("span.revealed#reveal-child-id_number")
    revealed.wait_for()
    assert re.fullmatch(r"\d{17}[\dX]", revealed.inner_text())
    assert fits_the_screen(phone)
    assert phone.console_errors == []
