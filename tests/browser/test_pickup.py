"""At the classroom door on a phone: a grandmother on the list takes her grandchild in two taps;
a stranger takes the red path and takes nobody."""

from __future__ import annotations

import re

import pytest

from tests.browser.test_phone import arrive, fits_the_screen, log_in

pytestmark = pytest.mark.browser

GRANDPARENTS = re.compile("奶奶|爷爷|外婆|外公")


def open_the_board(page, base: str) -> str:
    log_in(page, base, "13800000004")  # 刘芳, 大班 at 阳光幼儿园
    arrive(page, f"{base}/s/yangguang-kg/")
    page.locator(".today-transport a", has_text="接送 · 大班").click()
    arrive(page, re.compile(r"/pickups/classes/\d+$"))
    return page.url


def waiting_ids(page) -> list[str]:
    return page.locator("#pickup .pickup-names:not(.done) button").evaluate_all(
        "buttons => buttons.map(b => b.value)"
    )


def a_child_collected_by_a_grandparent(page, board: str) -> str:
    for child_id in waiting_ids(page):
        panel = page.request.get(f"{board}?child_id={child_id}").text()
        if re.search(
            r'class="person-pick">.*?<span class="sub">(奶奶|爷爷|外婆|外公)', panel, re.S
        ):
            return child_id
    raise AssertionError("no child of 大班 is collected by a grandparent")


def count(page) -> int:
    return int(page.locator(".pickup-count strong").inner_text())


def test_a_grandmother_on_the_list_takes_her_grandchild_in_two_taps(
    live_server: str, phone
) -> None:
    board = open_the_board(phone, live_server)
    assert fits_the_screen(phone)
    child_id = a_child_collected_by_a_grandparent(phone, board)
    before = count(phone)
    taps = 0

    phone.locator(f'#pickup button[value="{child_id}"]').click()
    taps += 1
    grandparent = phone.locator(".person-pick", has_text=GRANDPARENTS).first
    grandparent.wait_for()
    arrive(phone, re.compile(rf"\?child_id={child_id}$"))
    assert fits_the_screen(phone)
    assert re.search(r"\d{3}\*{4}\d{4}", grandparent.inner_text())  # the phone, masked
    name = grandparent.locator(".title").inner_text()
    grandparent.click()
    taps += 1

    done = phone.locator("#pickup .flash-success", has_text=f"已由{name}")
    done.wait_for()
    assert taps == 2
    assert phone.url == board
    assert count(phone) == before - 1
    assert child_id not in waiting_ids(phone)
    assert fits_the_screen(phone)

    # Taken back, so the shared server's class is as it was.
    done.get_by_role("button", name="撤销").click()
    phone.locator(".person-pick").first.wait_for()
    phone.get_by_role("link", name="返回全班").click()
    phone.locator(".pickup-count").wait_for()
    assert count(phone) == before and child_id in waiting_ids(phone)
    assert phone.console_errors == []


def test_a_stranger_takes_the_red_path_and_takes_nobody(live_server: str, phone) -> None:
    open_the_board(phone, live_server)
    before = count(phone)
    child_id = waiting_ids(phone)[-1]
    taps = 0

    phone.locator(f'#pickup button[value="{child_id}"]').click()
    taps += 1
    phone.get_by_role("link", name="来人不在名单上").click()
    taps += 1
    arrive(phone, re.compile(rf"/children/{child_id}/refusals/new$"))
    warning = phone.locator(".redpath")
    assert "不要放行" in warning.inner_text() and "给孩子的监护人打电话核实" in warning.inner_text()
    assert phone.get_by_role("button", name="拨打").count() >= 1  # through the logged call
    assert fits_the_screen(phone)

    phone.get_by_label("姓名").fill("赵老四")
    phone.locator("label.pick", has_text="叔伯/舅舅").click()
    taps += 1
    phone.get_by_label("电话").fill("13698765432")
    phone.get_by_role("button", name="记录：未放行").click()
    taps += 1

    arrive(phone, re.compile(rf"\?child_id={child_id}$"))
    assert "已记录：赵老四未获授权接" in phone.locator("#messages").inner_text()
    assert "赵老四（叔伯/舅舅）未获授权，未放行" in phone.locator("#pickup").inner_text()
    assert "13698765432" not in phone.content()
    assert taps == 4
    phone.get_by_role("link", name="返回全班").click()
    phone.locator(".pickup-count").wait_for()
    assert count(phone) == before and child_id in waiting_ids(phone)  # nobody was released

    phone.goto(f"{live_server}/s/yangguang-kg/")  # and the class teacher is told
    assert (
        "赵老四（叔伯/舅舅）来接孩子，未获授权，未放行。"
        in phone.locator("#pickup-alerts").inner_text()
    )
    assert phone.console_errors == []
