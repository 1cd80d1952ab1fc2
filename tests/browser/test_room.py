"""The children's home on the keeper's phone: from the today page to the sign-in board and a
child signed in, in two taps; the undo toast takes it back in place. The board fits 390 px."""

from __future__ import annotations

import re

import pytest

from tests.browser.test_phone import arrive, fits_the_screen, log_in

pytestmark = pytest.mark.browser

KEEPER_PHONE = "13800000003"
ROOM = "阅览室"


def sign_in_a_child(page, base: str) -> str:
    """The keeper logs in, opens the reading room's board from her today page and signs in
    one of the children who come often: two taps. Returns the child's name (others reuse this
    to go on from the child in the room, e.g. to lend a book)."""
    log_in(page, base, KEEPER_PHONE)
    arrive(page, f"{base}/s/yangguang/")
    taps = 0
    page.get_by_role("link", name=f"签到板：{ROOM}").click()
    taps += 1
    arrive(page, re.compile(r"/room/rooms/\d+/$"))
    assert fits_the_screen(page)
    tile = page.locator("#board .name-tiles button:not(.on)").first
    name = tile.evaluate("b => b.firstChild.textContent.trim()")
    tile.click()
    taps += 1
    page.locator("#board .toast", has_text=f"{name} 已签到").wait_for()
    assert taps == 2
    return name


def test_the_keeper_signs_a_child_in_from_her_today_page_in_two_taps(
    live_server: str, phone
) -> None:
    from playwright.sync_api import expect

    name = sign_in_a_child(phone, live_server)
    here = phone.locator("#board .name-tiles button.on", has_text=name)
    expect(here).to_have_count(1)
    assert fits_the_screen(phone)
    box = here.bounding_box()
    assert box["height"] >= 60 and box["width"] >= 90  # a tile a thumb hits

    phone.locator("#board .toast").get_by_role("button", name="撤销").click()
    phone.locator("#board .toast", has_text="已撤销").wait_for()
    expect(phone.locator("#board .name-tiles button.on", has_text=name)).to_have_count(0)
    assert re.search(r"/room/rooms/\d+/$", phone.url)  # answered in place, no page load
    assert phone.console_errors == []
