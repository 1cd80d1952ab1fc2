"""Hostile text saved through the forms of a real browser stays text: the class teacher puts the
payload in a child's living details, a talk and a guardian meeting, and then opens the pages that
show them. No dialog opens, the strict policy refuses nothing, and the browser asks for nothing
the payload would load (``/x`` of its htmx element, ``evil.example`` of its formula, ``x`` of its
image)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from tests.browser.test_csp import LISTEN, violations
from tests.browser.test_login_end import server  # noqa: F401 - a server of its own
from tests.browser.test_phone import arrive, log_in
from tests.payloads import payload

pytestmark = pytest.mark.browser


def forbidden(url: str) -> bool:
    """A request the payload would make: its htmx element, its image, its link."""
    parts = urlsplit(url)
    return "evil.example" in parts.netloc or parts.path.rsplit("/", 1)[-1] == "x"


def test_the_payload_saved_through_the_forms_never_runs(server, phone) -> None:  # noqa: F811
    base, _app = server
    dialogs: list[str] = []
    requests: list[str] = []
    phone.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    phone.on("request", lambda request: requests.append(request.url))
    phone.add_init_script(LISTEN)
    seen: list[str] = []

    log_in(phone, base, "13800000002")
    arrive(phone, f"{base}/s/yangguang/")
    phone.goto(f"{base}/s/yangguang/children/")
    phone.locator("#child-list a.row", has_text="三年级一班").first.click()
    arrive(phone, re.compile(r"/children/\d+$"))
    card = phone.url
    child_id = int(card.rstrip("/").rsplit("/", 1)[1])

    # The child's living details: three free-text fields.
    phone.goto(f"{base}/s/yangguang/children/{child_id}/edit/living")
    phone.locator("[name=address]").fill(payload(1, 200))
    phone.locator("[name=interests]").fill(payload(2, 200))
    phone.locator("[name=character]").fill(payload(3, 500))
    phone.locator("[name=character]").press("Tab")
    phone.get_by_role("button", name="保存").click()
    arrive(phone, re.compile(r"/children/\d+$"))
    seen += violations(phone)

    # A talk with the payload as what was said and as the follow-up.
    phone.goto(f"{base}/s/yangguang/care/records/new/talk?child_id={child_id}")
    phone.locator("label.pick", has_text="学习").click()
    phone.locator("label.pick", has_text=re.compile(r"^好$")).click()
    phone.get_by_label("谈话内容").fill(payload(4))
    phone.get_by_role("button", name="保存").click()
    phone.get_by_text("已保存").wait_for()
    seen += violations(phone)

    pages = [
        card,
        f"{base}/s/yangguang/care/children/{child_id}/timeline",
        f"{base}/s/yangguang/children/",
        f"{base}/s/yangguang/",
        f"{base}/s/yangguang/children/{child_id}/edit/living",
    ]
    for page in pages:
        response = phone.goto(page)
        if response is None or response.status != 200:
            continue
        phone.wait_for_load_state("networkidle")
        seen += violations(phone)
    # The card shows the saved text as text.
    phone.goto(card)
    assert phone.get_by_text(payload(2, 200), exact=False).count() >= 1

    assert dialogs == []
    assert seen == []
    assert not [m for m in phone.console_errors if "Content Security Policy" in m]
    assert [url for url in requests if forbidden(url)] == []
