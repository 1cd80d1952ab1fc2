"""The principal pairs a child without a proxy parent on a phone: three taps from the board."""

from __future__ import annotations

import re

import pytest

from tests.browser.test_phone import arrive, fits_the_screen, log_in

pytestmark = pytest.mark.browser


def test_the_principal_assigns_a_proxy_parent_from_the_board_in_three_taps(
    live_server: str, phone
) -> None:
    log_in(phone, live_server, "13800000001")
    arrive(phone, f"{live_server}/s/yangguang/")
    phone.goto(f"{live_server}/s/yangguang/pairings/")
    unpaired = phone.locator("ul.unpaired li")
    waiting = unpaired.count()
    assert waiting >= 1
    assert fits_the_screen(phone)
    name = unpaired.first.locator(".title").inner_text()

    unpaired.first.get_by_role("link", name="安排").click()  # tap 1
    arrive(phone, re.compile(r"/pairings/assign\?"))
    assert phone.locator("#child_ids input:checked").count() == 1  # the child comes chosen
    assert fits_the_screen(phone)
    person = phone.locator("#user_id label.pick").first
    person_name = person.inner_text().split(" · ")[0]
    person.click()  # tap 2
    phone.get_by_role("button", name="结对").click()  # tap 3

    arrive(phone, re.compile(r"/pairings/children/\d+$"))
    assert phone.get_by_role("heading", name=f"{name}的结对").is_visible()
    assert phone.get_by_text(f"代理家长：{person_name}").is_visible()
    assert fits_the_screen(phone)

    # Undo it the way a coordinator would, so the shared server's data stays as it was.
    phone.get_by_role("link", name="结束", exact=True).click()
    arrive(phone, re.compile(r"/end$"))
    phone.get_by_label("原因").fill("安排有误")
    phone.get_by_role("button", name="结束结对").click()
    arrive(phone, re.compile(r"/pairings/children/\d+$"))
    phone.get_by_text("结束原因：安排有误").wait_for()
    phone.goto(f"{live_server}/s/yangguang/pairings/")
    assert phone.locator("ul.unpaired li").count() == waiting
    assert phone.console_errors == []
