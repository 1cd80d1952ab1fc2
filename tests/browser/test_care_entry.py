"""On a phone: a call from the card opens the dialler and the contact form at once; a home
visit with a photo is saved in place."""

from __future__ import annotations

import io
import os
import re

import pytest
from PIL import Image

from tests.browser.test_phone import arrive, fits_the_screen, log_in

pytestmark = pytest.mark.browser


def open_a_card_of_her_class(page, base: str) -> None:
    log_in(page, base, "13800000002")
    arrive(page, f"{base}/s/yangguang/")
    page.goto(f"{base}/s/yangguang/children/")
    page.locator("#child-list a.row").filter(has_text="三年级一班").first.click()
    arrive(page, re.compile(r"/children/\d+$"))


def test_a_call_opens_the_dialler_and_the_contact_form_filled_in(live_server: str, phone) -> None:
    open_a_card_of_her_class(phone, live_server)
    card_url = phone.url
    # A headless browser has no dialler, and a tel: navigation left pending there stalls the
    # test's later clicks: the number is caught on its way to app.js's handler instead.
    phone.evaluate(
        "window.addEventListener('dial', e => { window.dialled = e.detail.number;"
        " e.stopPropagation(); }, true)"
    )
    phone.locator("#parents").get_by_role("button", name="拨打").first.click()
    form = phone.locator("#care-entry form")
    form.wait_for()
    dialled = phone.evaluate("window.dialled")
    assert re.fullmatch(r"1\d{10}", dialled)
    assert dialled not in phone.content()  # the number never sits in the page
    assert phone.get_by_role("heading", name="记下这次通话").is_visible()
    assert form.locator("input[name=person]:checked").get_attribute("value").startswith("parent.")
    assert form.locator("input[name=channel]:checked").get_attribute("value") == "phone"
    assert form.locator("input[name=direction]:checked").get_attribute("value") == "outgoing"
    assert fits_the_screen(phone)

    form.get_by_text("10 分钟").click()
    form.get_by_label("谈话内容").fill("爸爸问了期中考试的情况。")
    form.get_by_role("button", name="保存").click()
    phone.locator("#care-entry .saved").wait_for()
    assert "已保存" in phone.locator("#care-entry").inner_text()
    assert phone.url == card_url
    assert phone.console_errors == []


def test_a_home_visit_with_a_photo_is_saved_in_place(live_server: str, phone) -> None:
    open_a_card_of_her_class(phone, live_server)
    child_url = phone.url
    child_id = child_url.rsplit("/", 1)[1]
    phone.goto(f"{live_server}/s/yangguang/care/records/new/home_visit?child_id={child_id}")
    assert fits_the_screen(phone)
    form = phone.locator("#care-entry form")
    form.get_by_text("用电").click()
    form.get_by_text("溺水").click()
    form.get_by_label("家访情况").fill("奶奶身体还好，孩子作业按时完成。")
    photo = io.BytesIO()
    Image.new("RGB", (1600, 1200), "green").save(photo, "JPEG")
    form.get_by_label("照片").set_input_files(
        {"name": "yard.jpg", "mimeType": "image/jpeg", "buffer": photo.getvalue()}
    )
    form.get_by_role("button", name="保存").click()
    saved = phone.locator("#care-entry .saved")
    saved.wait_for()
    saved.get_by_role("link", name="查看记录").click()
    arrive(phone, re.compile(r"/care/records/\d+$"))
    assert "用电、溺水" in phone.locator("article").inner_text()
    assert phone.locator(".photos img").count() == 1
    phone.wait_for_function("document.querySelector('.photos img').naturalWidth > 0")
    assert phone.evaluate("document.querySelector('.photos img').naturalWidth") == 1280
    assert phone.console_errors == []


def test_a_camera_photo_is_shrunk_on_the_phone_before_it_is_sent(live_server: str, phone) -> None:
    """On a weak signal a 12-megapixel photo would never arrive: the page sends a small one."""
    open_a_card_of_her_class(phone, live_server)
    child_id = phone.url.rsplit("/", 1)[1]
    phone.goto(f"{live_server}/s/yangguang/care/records/new/home_visit?child_id={child_id}")
    camera = io.BytesIO()
    Image.frombytes("RGB", (4000, 3000), os.urandom(4000 * 3000 * 3)).save(camera, "JPEG")
    assert len(camera.getvalue()) > 3_000_000
    field = phone.locator("#care-entry form").get_by_label("照片")
    field.set_input_files(
        {"name": "IMG_0001.JPG", "mimeType": "image/jpeg", "buffer": camera.getvalue()}
    )
    phone.wait_for_function(
        "f => f.files.length === 1 && f.files[0].name === 'IMG_0001.jpg'",
        arg=field.element_handle(),
    )
    sent = phone.evaluate(
        """async f => { const b = await createImageBitmap(f.files[0]);
                       return [f.files[0].size, f.files[0].type, b.width, b.height]; }""",
        field.element_handle(),
    )
    size, kind, width, height = sent
    assert size < 1_500_000 and kind == "image/jpeg"
    assert (width, height) == (1280, 960)
    assert phone.console_errors == []
