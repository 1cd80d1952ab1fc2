"""Under the strict policy nothing is refused: pages, htmx navigation and the quick entry of a
talk run without one Content-Security-Policy violation."""

from __future__ import annotations

import re

import pytest

from tests.browser.test_login_end import server  # noqa: F401 - a server of its own
from tests.browser.test_phone import arrive, log_in

pytestmark = pytest.mark.browser

# Runs before any page script (from the browser itself, so the policy does not apply to it).
LISTEN = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__violations.push(e.violatedDirective + ' ' + e.blockedURI);
});
"""


def violations(page) -> list[str]:
    return page.evaluate("window.__violations || []")


def test_pages_and_the_quick_entry_of_a_talk_break_no_policy(server, phone) -> None:  # noqa: F811
    # Its own server: the talk saved here must not take a due talk from the other tests.
    live_server, _app = server
    phone.add_init_script(LISTEN)
    seen: list[str] = []
    policies: list[str] = []
    phone.on("response", lambda r: policies.append(r.headers.get("content-security-policy", "")))

    log_in(phone, live_server, "13800000002")
    arrive(phone, f"{live_server}/s/yangguang/")
    for path in ("children/", "pairings/mine", "incidents/", "safety/", "reports/"):
        phone.goto(f"{live_server}/s/yangguang/{path}")
        seen += violations(phone)
    phone.goto(f"{live_server}/me")
    seen += violations(phone)

    phone.goto(f"{live_server}/s/yangguang/")
    phone.locator("a.duty-item.overdue", has_text="班主任谈心").first.click()
    arrive(phone, re.compile(r"/care/records/new/talk\?child_id=\d+$"))
    phone.locator("label.pick", has_text="学习").click()
    phone.locator("label.pick", has_text=re.compile(r"^好$")).click()
    phone.get_by_label("谈话内容").fill("聊了这周的学习。")
    phone.get_by_role("button", name="保存").click()
    phone.get_by_text("已保存").wait_for()
    seen += violations(phone)

    assert seen == []
    assert not [m for m in phone.console_errors if "Content Security Policy" in m]
    assert phone.console_errors == []
    assert policies and all("script-src 'self'" in p for p in policies if p)
