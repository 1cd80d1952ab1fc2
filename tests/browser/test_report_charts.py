"""The coverage board over the term and the school dashboard on a phone (390 px): the SVG strips
are drawn and nothing runs off the side of the screen."""

from __future__ import annotations

import pytest

from tests.browser.test_phone import arrive, fits_the_screen, log_in

pytestmark = pytest.mark.browser


def test_the_coverage_strips_and_the_dashboard_fit_a_phone(live_server: str, phone) -> None:
    log_in(phone, live_server, "13800000001")
    arrive(phone, f"{live_server}/s/yangguang/")
    phone.goto(f"{live_server}/s/yangguang/reports/coverage/")
    strips = phone.locator("svg.bar-strip")
    assert strips.count() > 10
    box = strips.first.bounding_box()
    assert box is not None and 100 < box["width"] <= 390 and box["height"] > 20
    assert fits_the_screen(phone)
    phone.screenshot(path="/tmp/coverage-history-390.png", full_page=True)
    phone.goto(f"{live_server}/s/yangguang/reports/dashboard/")
    assert phone.get_by_role("heading", name="学校工作概览").is_visible()
    assert fits_the_screen(phone)
    phone.screenshot(path="/tmp/dashboard-390.png", full_page=True)
    assert phone.console_errors == []
