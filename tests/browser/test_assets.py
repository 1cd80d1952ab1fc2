"""On the keeper's phone (390 px): a child signs in on the room's board, the keeper scans a
book's label, lends it to that child in two taps and takes it back in one; a child not in the
room is found by pinyin initials."""

from __future__ import annotations

import re

import pytest

from tests.browser.test_phone import arrive, fits_the_screen, log_in
from tests.browser.test_room import sign_in_a_child

pytestmark = pytest.mark.browser

BOOK = "YG-B-0003"  # 窗边的小豆豆, in the reading room, on the shelf


class Taps:
    """Every tap the keeper makes, counted."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, locator) -> None:
        locator.tap()
        self.count += 1


def scan(page, base: str, code: str) -> None:
    """The phone's camera opens the URL the label holds: no tap in the app."""
    page.goto(f"{base}/s/yangguang/assets/i/{code}")
    page.locator("#loan-panel").wait_for()


def test_a_child_signs_in_borrows_a_book_in_two_taps_and_returns_it_in_one(
    live_server: str, phone
) -> None:
    base = live_server
    name = sign_in_a_child(phone, base)  # two taps on the keeper's board

    scan(phone, base, BOOK)
    assert fits_the_screen(phone)
    panel = phone.locator("#loan-panel")
    assert panel.locator("input[name=due][value='14']").is_checked()  # two weeks for a book
    tap = Taps()
    tap(panel.locator("#borrowers label.pick", has_text=name))
    tap(panel.get_by_role("button", name="借出"))
    panel.get_by_text(f"已借给{name}").wait_for()
    assert tap.count == 2
    assert phone.url.endswith(f"/assets/i/{BOOK}")  # swapped in place, no page load

    scan(phone, base, BOOK)  # the book comes back a week later: scan, one tap
    tap = Taps()
    assert phone.locator("#loan-panel input[name=condition][value=good]").is_checked()
    tap(phone.locator("#loan-panel").get_by_role("button", name="归还"))
    phone.locator("#loan-panel").get_by_text(f"{name} 已归还，完好。").wait_for()
    assert tap.count == 1
    assert phone.locator("#loan-panel #lend-form").is_visible()
    assert fits_the_screen(phone)
    assert phone.console_errors == []


def test_a_child_not_in_the_room_is_found_by_initials(live_server: str, phone) -> None:
    base = live_server
    log_in(phone, base, "13800000003")
    arrive(phone, f"{base}/s/yangguang/")
    scan(phone, base, "YG-B-0006")  # 城南旧事
    panel = phone.locator("#loan-panel")
    tap = Taps()
    tap(panel.get_by_role("searchbox"))
    phone.keyboard.type("wl")  # htmx asks as the keeper types
    chip = panel.locator("#borrowers label.pick", has_text="王丽")
    chip.wait_for()
    tap(chip)
    tap(panel.get_by_role("button", name="借出"))
    panel.get_by_text("已借给王丽").wait_for()
    assert tap.count == 3
    history = phone.locator("section", has_text="记录")
    phone.reload()
    assert re.search(r"借出 · 王丽", history.inner_text())
    assert phone.console_errors == []
