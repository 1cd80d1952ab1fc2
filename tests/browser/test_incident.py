"""On a phone: an incident reported from the today page in a few taps, its guardian step signed
in place, and its clocks counting on in the page while nobody reloads it."""

from __future__ import annotations

import re

import pytest

from tests.browser.test_phone import arrive, fits_the_screen, log_in

pytestmark = pytest.mark.browser


def test_an_incident_is_reported_and_its_guardian_step_signed_in_place(
    live_server: str, phone
) -> None:
    log_in(phone, live_server, "13800000002")
    arrive(phone, f"{live_server}/s/yangguang/")
    phone.get_by_role("link", name="上报突发事件").click()
    arrive(phone, re.compile(r"/incidents/new"))
    assert fits_the_screen(phone)
    chips = phone.locator("#pick-results label.pick")
    chips.nth(0).click()
    chips.nth(1).click()
    phone.get_by_role("button", name="下一步：填写经过").click()
    arrive(phone, re.compile(r"/incidents/new\?"))
    assert phone.locator("input[name=children]:checked").count() == 2
    phone.get_by_text("意外伤害", exact=True).click()
    phone.get_by_label("地点").fill("操场单杠旁")
    phone.get_by_label("事情经过").fill("课间追跑时摔倒，右膝擦伤。")
    assert fits_the_screen(phone)
    phone.get_by_role("button", name="上报并开始计时").click()
    arrive(phone, re.compile(r"/incidents/\d+$"))
    assert "已上报" in phone.locator("#messages").inner_text()

    step = phone.locator("li.step").filter(has_text="30分钟内告知监护人").first
    assert "还剩" in step.locator(".clock").inner_text()
    form = step.locator("form")
    form.locator("label.pick").first.click()  # the guardian on the card, in one tap
    form.get_by_role("button", name="已告知").click()
    signed = phone.locator("li.step").filter(has_text="30分钟内告知监护人").first
    signed.locator(".clock.done").wait_for()
    assert signed.locator(".clock").inner_text() == "按时完成"
    assert "王丽" in signed.inner_text()
    assert fits_the_screen(phone)
    assert phone.console_errors == []


def test_the_clocks_count_on_in_the_page(live_server: str, phone) -> None:
    phone.clock.install()
    log_in(phone, live_server, "13800000001")
    arrive(phone, f"{live_server}/s/yangguang/")
    phone.goto(f"{live_server}/s/yangguang/incidents/new?pick=1&q=%E7%8E%8B")  # 王
    phone.locator("#pick-results label.pick").first.click()
    phone.get_by_role("button", name="下一步：填写经过").click()
    arrive(phone, re.compile(r"/incidents/new\?"))
    phone.get_by_text("突发疾病", exact=True).click()
    phone.get_by_label("地点").fill("教室")
    phone.get_by_label("事情经过").fill("上课时突然腹痛。")
    phone.get_by_role("button", name="上报并开始计时").click()
    arrive(phone, re.compile(r"/incidents/\d+$"))
    guardian = (
        phone.locator("li.step").filter(has_text="30分钟内告知监护人").first.locator(".clock")
    )
    assert guardian.inner_text().startswith("还剩")
    phone.clock.run_for("36:00")  # half an hour on, nobody reloads the page
    assert guardian.inner_text().startswith("已逾期")
    assert "overdue" in guardian.get_attribute("class")
    assert phone.console_errors == []
